"""Mutated and random interaction payloads, correctly signed: real clicks and submissions captured
from the app's own messages, modals and Home tab, then changed (keys dropped, values of the wrong
type, unknown action ids), plus payloads made up from nothing.

The clicker is staff (a mutation never makes them anyone else). Whatever arrives: Slack gets 200
(or Bolt's 404 for a payload no listener takes), never a 5xx; nothing is logged at ERROR; no write
reaches the business API; no time-off decision is recorded; no member is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest

from .conftest import OWNER, STAFF, Fuzzed
from .strategies import mutated, wrong_values

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# 404: no listener takes the payload (Bolt); 400: Bolt cannot parse it (slack/web.py); 403: it names
# another workspace than the installed one (slack/middleware.py)
HANDLED_OR_NOT = (200, 400, 403, 404)
TARA_ID = 5
NINA = {
    "first_name": {"team_field": "Nina"},
    "last_name": {"team_field": "Novak"},
    "role": {"team_field": "staff"},
    "email": {"team_field": "nina@demo-salon.example"},
}


def wait_view(box: Sandbox, user: str, callback_id: str) -> dict[str, Any]:
    box.slack_state.wait_for(
        lambda s: any(v.get("callback_id") == callback_id for v in s.open_views(user)), timeout=5
    )
    return [v for v in box.slack_state.open_views(user) if v.get("callback_id") == callback_id][-1]


def seed_payloads(fuzz: Fuzzed) -> dict[str, dict[str, Any]]:
    """Real payloads, captured from what staff could click or submit; made once per test."""
    if fuzz.memo:
        return fuzz.memo
    box, slack = fuzz.box, fuzz.box.slack

    # A pending time-off request of Sam's, posted with Approve and Deny.
    fuzz.send(lambda: slack.command(STAFF, "/timeoff"))
    form = wait_view(box, STAFF, "timeoff_request")
    starts = (date.today() + timedelta(days=20)).isoformat()
    values = {"starts_on": {"timeoff_field": starts}, "all_day": {"timeoff_field": "all_day"}}
    fuzz.send(lambda: slack.submit_view(STAFF, form, values))
    assert box.services.outbox is not None
    while box.services.outbox.deliver_due():
        pass
    approval = box.slack_state.messages(APPROVALS_CHANNEL_ID)[-1]

    # The owner's "Remove Tara?" confirmation (clicked by staff below).
    fuzz.send(lambda: slack.command(OWNER, "/team", "remove Tara"))
    box.slack_state.wait_for(lambda s: bool(s.responses), timeout=5)
    confirm = {"ts": box.slack_state.next_ts(), "blocks": box.slack_state.responses[-1].blocks or []}

    # The owner's add-member form (submitted by staff below) and Sam's Home tab.
    fuzz.send(lambda: slack.command(OWNER, "/team", "add"))
    add_form = wait_view(box, OWNER, "team_add_member")
    fuzz.send(lambda: slack.home_opened(STAFF), allowed=(200,))
    box.slack_state.wait_for(lambda s: s.home(STAFF) is not None, timeout=5)
    home = box.slack_state.home(STAFF)
    assert home is not None

    def capture(act: Callable[[], Any]) -> dict[str, Any]:
        return fuzz.interaction_payload(act)

    payloads = {
        "approve": capture(lambda: slack.click(STAFF, "timeoff_approve", message=approval)),
        "deny": capture(lambda: slack.click(STAFF, "timeoff_deny", message=approval)),
        "remove": capture(
            lambda: slack.click(STAFF, "team_remove_confirm", message=confirm, channel=TEAM_CHANNEL_ID)
        ),
        "home": capture(lambda: slack.click(STAFF, "home_request_timeoff", view=home)),
        "add member": capture(lambda: slack.submit_view(STAFF, add_form, NINA)),
        "time off": capture(lambda: slack.submit_view(STAFF, form, values)),
    }
    fuzz.memo.update(payloads)
    return fuzz.memo


def decisions(box: Sandbox) -> list[tuple[int, str]]:
    with session_scope(box.services.session_factory) as session:
        return [(r.id, r.status) for r in session.query(TimeOffRequest).order_by(TimeOffRequest.id)]


def refreshed(box: Sandbox, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with a fresh trigger id and response_url (each may be used only so often)."""
    fresh = dict(payload)
    if "trigger_id" in fresh:
        fresh["trigger_id"] = box.slack_state.issue_trigger_id(STAFF)
    if "response_url" in fresh:
        fresh["response_url"] = box.slack_state.issue_response_url(TEAM_CHANNEL_ID, STAFF)
    if isinstance(fresh.get("view"), dict):
        fresh["view"] = {**fresh["view"], "hash": box.slack_state.next_ts()}  # not a double click
    return fresh


def send_and_check(fuzz: Fuzzed, payload: dict[str, Any]) -> None:
    box = fuzz.box
    before = decisions(box)
    fuzz.fresh()
    fuzz.send(lambda: box.slack.post_interaction(payload), allowed=HANDLED_OR_NOT)
    fuzz.check(writes_allowed=0)
    after = decisions(box)
    for (_, was), (_, now) in zip(before, after, strict=False):
        # Sam may cancel his own pending request; nobody here may approve or deny one.
        assert now == was or (was, now) == ("pending", "cancelled"), f"staff made {was} {now}"
    assert any(m.id == TARA_ID for m in box.api_state.members())


@FUZZ
@given(data=st.data())
def test_mutated_clicks_and_submissions_by_staff_change_nothing(fuzz: Fuzzed, data: st.DataObject) -> None:
    payloads = seed_payloads(fuzz)
    name = data.draw(st.sampled_from(sorted(payloads)), label="payload")
    base = refreshed(fuzz.box, payloads[name])
    payload = data.draw(mutated(base, protected=frozenset({"user"})), label="mutated")
    send_and_check(fuzz, payload)


@FUZZ
@given(data=st.data())
def test_real_clicks_with_any_action_id_or_value_change_nothing(fuzz: Fuzzed, data: st.DataObject) -> None:
    payloads = seed_payloads(fuzz)
    name = data.draw(st.sampled_from(["approve", "deny", "remove", "home"]), label="payload")
    payload = refreshed(fuzz.box, payloads[name])
    action = dict(payload["actions"][0])
    action["action_id"] = data.draw(
        st.one_of(
            st.sampled_from(
                [
                    "timeoff_approve",
                    "timeoff_deny",
                    "timeoff_cancel",
                    "team_remove_confirm",
                    "team_remove_deactivate",
                    "team_pick_0",
                    "team_list_page_next",
                    "position_remove_confirm",
                    "position_pick_3",
                    "home_add_member",
                    "home_request_timeoff",
                ]
            ),
            st.text(max_size=30),
        ),
        label="action_id",
    )
    action["value"] = data.draw(
        st.one_of(
            st.sampled_from(["1", "4", str(TARA_ID), "-1", "0", "#1", "{}", '{"page": 2}']), wrong_values
        ),
        label="value",
    )
    payload["actions"] = [action]
    send_and_check(fuzz, payload)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@FUZZ
@given(
    kind=st.sampled_from(
        [
            "block_actions",
            "view_submission",
            "view_closed",
            "shortcut",
            "message_action",
            "block_suggestion",
            "interactive_message",
            "dialog_submission",
            "workflow_step_edit",
            "",
            "nonsense",
        ]
    ),
    extra=st.dictionaries(
        st.sampled_from(
            ["actions", "view", "container", "channel", "message", "state", "callback_id", "team"]
        ),
        json_values,
        max_size=5,
    ),
)
def test_made_up_payloads_of_every_type_change_nothing(
    fuzz: Fuzzed, kind: str, extra: dict[str, Any]
) -> None:
    payload: dict[str, Any] = {
        "type": kind,
        "user": {"id": STAFF, "team_id": fuzz.box.slack.team_id},
        "team": {"id": fuzz.box.slack.team_id},
        "api_app_id": "A0ROSTERBOT",
        "trigger_id": fuzz.box.slack_state.issue_trigger_id(STAFF),
        **extra,
    }
    send_and_check(fuzz, payload)
