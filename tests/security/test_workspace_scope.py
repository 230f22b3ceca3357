"""Only the installed workspace: a request signed by Slack (every workspace's requests to the app
carry the same secret's signature) from another workspace or Enterprise Grid organization than the
one the bot token belongs to (auth.test) is refused before anything is looked up: no Slack call
but auth.test, no business API request, no link stored.

Found against main: `/team whoami` from another team's admin was linked by e-mail under that team
and answered "admin".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from rosterbot.emulators.slack_api import SlackWorkspace
from rosterbot.sandbox import Sandbox
from rosterbot.store.models import MemberLink
from support import command

ADMIN = "U0ADMIN01"
OTHER_TEAM = "T0OTHER01"
OTHER_ORG = "E0OTHER01"


@pytest.fixture(scope="module")
def box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox()


@pytest.fixture
def fresh(box: Sandbox, engine: Engine) -> Iterator[Sandbox]:
    """The sandbox with nothing recorded yet and an empty database (`engine`)."""
    box.slack_state.clear()
    box.api_state.clear_requests()
    yield box
    assert box.work_pool.wait_idle(10.0)  # what a test's served request began ends in that test


def assert_nothing_done(box: Sandbox) -> None:
    assert box.work_pool.wait_idle(5.0)
    assert {call.method for call in box.slack_state.calls} <= {"auth.test"}
    assert box.slack_state.responses == []
    assert box.api_state.requests == []
    with box.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(MemberLink)) == 0


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param({"team_id": OTHER_TEAM}, id="another-team"),
        pytest.param({"enterprise_id": OTHER_ORG}, id="our-team-in-another-org"),
        pytest.param({"team_id": OTHER_TEAM, "enterprise_id": OTHER_ORG}, id="both"),
    ],
)
def test_a_command_from_another_workspace_is_refused_and_nothing_is_done(
    fresh: Sandbox, ids: dict[str, str]
) -> None:
    fields = {**fresh.slack.command_fields(ADMIN, "/team", "whoami"), **ids}
    reply = fresh.slack.post_form(fields)
    assert reply.status_code == 403
    assert reply.text == "This app serves another Slack workspace, so I did nothing."
    assert_nothing_done(fresh)
    # The refusal is about the workspace: the same command from the installed one is served.
    assert "admin" in command(fresh, ADMIN, "/team", "whoami").text.lower()


def test_an_event_from_another_workspace_is_refused_and_nothing_is_done(fresh: Sandbox) -> None:
    """The App Home of another team's admin: not resolved, not linked, not published."""
    secret = fresh.settings.slack_signing_secret
    assert secret is not None
    other = SlackWorkspace(fresh.app_url, secret.get_secret_value(), fresh.slack_state)
    other.team_id = OTHER_TEAM
    try:
        reply = other.home_opened(ADMIN)
    finally:
        other.close()
    assert reply.status_code == 403
    assert_nothing_done(fresh)


def test_a_click_from_another_workspace_is_refused_and_nothing_is_done(fresh: Sandbox) -> None:
    """A button press whose team is another: refused before its listener (here: the team list's
    next page, which would look the clicker up)."""
    fields = fresh.slack.command_fields(ADMIN, "/team", "list")
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": OTHER_TEAM, "domain": "elsewhere"},
        "user": {"id": ADMIN, "username": "admin", "team_id": OTHER_TEAM},
        "api_app_id": "A0ROSTERBOT",
        "trigger_id": fields["trigger_id"],
        "container": {
            "type": "message",
            "message_ts": "1.1",
            "channel_id": fields["channel_id"],
            "is_ephemeral": True,
        },
        "channel": {"id": fields["channel_id"], "name": fields["channel_name"]},
        "response_url": fields["response_url"],
        "actions": [
            {
                "type": "button",
                "action_id": "team_list_page_next",
                "block_id": "b",
                "value": "{}",
                "action_ts": "1.2",
            }
        ],
    }
    reply = fresh.slack.post_interaction(payload)
    assert reply.status_code == 403
    assert_nothing_done(fresh)
