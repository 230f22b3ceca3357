"""A team of 1,000: `/team list` counts every member and pages, Next after Next, to the last one;
the time-off form lets an approver find any of them (a search, not the first 100).

The members are added once for the module, through the business API (the emulator over HTTP,
with the client the bot uses); the tests only read them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from rosterbot.api.models import MemberInput
from rosterbot.domain.roles import Role
from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.emulators.slack_api.workspace import suggested_options
from rosterbot.sandbox import Sandbox
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest

from .conftest import ADMIN, WAIT, click, command, everything_said, texts

TEAM_SIZE = 1000
MEMBER_ID = re.compile(r"`#(\d+)`")


@pytest.fixture(scope="module")
def crowd(_box: Sandbox, module_engine: Engine) -> Sandbox:
    """The demo business grown to 1,000 active members."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    api = _box.services.api
    present = sum(1 for member in api.list_team() if member.is_active)
    for n in range(TEAM_SIZE - present):
        api.create_member(MemberInput(role=Role.STAFF, first_name="Member", last_name=f"{n:04d}"))
    return _box


def member_ids(response: ResponsePost) -> list[int]:
    return [int(found) for found in MEMBER_ID.findall(texts(response.blocks or []))]


def test_team_list_counts_a_thousand_members_and_pages_to_the_last(crowd: Sandbox) -> None:
    answer = command(crowd, ADMIN, "/team", "list")
    assert "Team · 1,000 members" in everything_said(answer)
    assert answer.text.startswith("Team: 1,000 members (page 1 of 40)")
    seen = member_ids(answer)
    pages = 1
    while "team_list_page_next" in str(answer.blocks):
        answer = click(crowd, ADMIN, answer, "team_list_page_next")
        assert "Team · 1,000 members" in everything_said(answer)
        seen += member_ids(answer)
        pages += 1
        assert pages <= 40, "the pager does not end"
    assert pages == 40 and "Page 40 of 40 · members 976–1,000 of 1,000" in texts(answer.blocks)
    assert len(seen) == TEAM_SIZE and len(set(seen)) == TEAM_SIZE


def test_an_admin_asks_time_off_for_any_of_a_thousand_members_by_searching(crowd: Sandbox) -> None:
    crowd.slack_state.clear()
    assert crowd.slack.command(ADMIN, "/timeoff").status_code == 200

    def searchable(state: Any) -> bool:
        views = [v for v in state.open_views(ADMIN) if v["callback_id"] == "timeoff_request"]
        return bool(views) and any(b.get("block_id") == "member" for b in views[-1]["blocks"])

    assert crowd.slack_state.wait_for(searchable, timeout=WAIT), "the For search did not come"
    form = [v for v in crowd.slack_state.open_views(ADMIN) if v["callback_id"] == "timeoff_request"][-1]
    member = next(b for b in form["blocks"] if b.get("block_id") == "member")
    assert member["element"]["type"] == "external_select"
    assert "1,000 members" in member["hint"]["text"]

    everyone = suggested_options(crowd.slack.suggest(ADMIN, form["id"], "timeoff_field", ""))
    assert len(everyone) == 100
    found = suggested_options(crowd.slack.suggest(ADMIN, form["id"], "timeoff_field", "member 0990"))
    wanted = next(m.id for m in crowd.api_state.members() if m.last_name == "0990")
    assert [o["value"] for o in found] == [str(wanted)]

    first = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    values = {
        "member": {"timeoff_field": {"selected_option": found[0]}},
        "starts_on": {"timeoff_field": first},
        "all_day": {"timeoff_field": "all_day"},
    }
    reply = crowd.slack.submit_view(ADMIN, form["id"], values)
    assert reply.status_code == 200, reply.text
    assert crowd.work_pool.wait_idle(WAIT)
    with session_scope(crowd.services.session_factory) as session:
        asked = session.scalars(select(TimeOffRequest.member_id)).all()
    assert asked == [wanted]
