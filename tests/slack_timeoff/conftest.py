"""Time off, availability and the App Home end to end: one `Sandbox` per module (the business API
emulator, the Slack stand-in and the real web app on loopback, the Slack notifier wired in), put
back to the demo business before each test. The worker's passes are run by the test
(`deliver(box)`), so what the outbox sends happens when the test says.

Helpers send what a user does (signed, through `SlackWorkspace`) and wait for what the app sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from rosterbot.api.transport import RetryPolicy as ApiRetryPolicy
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.sandbox import Sandbox
from rosterbot.services.outbox import RetryPolicy
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest
from support import SLACK_WAIT, texts
from support import command as command  # re-exported for the tests

OWNER, ADMIN, ADMIN2 = "U0OWNER01", "U0ADMIN01", "U0ADMIN02"
SAM, TARA = "U0STAFF01", "U0STAFF02"
GUEST = "U0GUEST01"  # in Slack, not on the team: unlinked
# Demo member ids (emulators/demo.py order, ids from 1 after each reset).
OLIVIA, AARON, BEATRIZ, SAM_ID, TARA_ID = 1, 2, 3, 4, 5
SENIOR_STYLIST = 1  # the emulator's first demo position
ZONE = "Europe/Berlin"
WAIT = SLACK_WAIT
# The outbox retries at once in these tests (the backoff itself is tested in tests/timeoff).
QUICK_RETRIES = RetryPolicy(max_attempts=5, base_seconds=0.0, max_seconds=0.0, lease_seconds=60)


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    box = sandbox(timezone=ZONE)
    # An outage is meant to fail fast here: the client's own retries are tested in tests/api.
    box.services.api._transport._policy = ApiRetryPolicy(max_retries=0)
    return box


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Sandbox:
    """The sandbox with the demo business as new: emulator reset and up, nothing recorded in the
    Slack stand-in, rosterbot's tables emptied (the `engine` fixture) and no cached roles."""
    _box.api_state.reset()
    _box.api_state.down(False)
    _box.slack_state.clear()
    _box.services.identity.forget()
    _box.services.availability.forget_positions()
    assert _box.services.outbox is not None, "the runtime wires a SlackNotifier when there is a bot token"
    _box.services.outbox.policy = QUICK_RETRIES
    return _box


def today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def day(ahead: int) -> str:
    return (today() + timedelta(days=ahead)).isoformat()


def deliver(box: Sandbox) -> int:
    """One worker pass over the outbox, follow-ups included; how many items it took."""
    assert box.services.outbox is not None
    total = 0
    for _ in range(20):
        claimed = box.services.outbox.deliver_due()
        total += claimed
        if claimed == 0:
            break
    return total


def action_ids(blocks: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "action_id" in node and node.get("type") == "button":
                found.append(str(node["action_id"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def said(response: ResponsePost) -> str:
    return response.text + "\n" + texts(response.blocks or [])


def answer_after(box: Sandbox, before: int) -> ResponsePost:
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=WAIT), "no answer"
    return box.slack_state.responses[before]


def request_form(box: Sandbox, user: str) -> dict[str, Any]:
    """`user` types `/timeoff`; the request form once the app has finished with it (for owners and
    admins, once the For select is in)."""
    reply = box.slack.command(user, "/timeoff")
    assert reply.status_code == 200
    wants_member = user in (OWNER, ADMIN, ADMIN2)

    def ready(state: Any) -> bool:
        views = [v for v in state.open_views(user) if v["callback_id"] == "timeoff_request"]
        if not views:
            return False
        block_ids = {b.get("block_id") for b in views[-1]["blocks"]}
        # Filled in after it opens: the leave types for everyone, the For select for approvers.
        return "leave_type" in block_ids and ("member" in block_ids or not wants_member)

    assert box.slack_state.wait_for(ready, timeout=WAIT), "the request form did not open"
    return [v for v in box.slack_state.open_views(user) if v["callback_id"] == "timeoff_request"][-1]


def form_values(
    starts_on: str,
    ends_on: str | None = None,
    *,
    part_day: bool = False,
    start_time: str | None = None,
    end_time: str | None = None,
    reason: str = "",
    member: int | None = None,
    leave_type: int | None = None,
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "starts_on": {"timeoff_field": starts_on},
        "all_day": {"timeoff_field": "part_day" if part_day else "all_day"},
    }
    if ends_on is not None:
        values["ends_on"] = {"timeoff_field": ends_on}
    if start_time is not None:
        values["start_time"] = {"timeoff_field": start_time}
    if end_time is not None:
        values["end_time"] = {"timeoff_field": end_time}
    if reason:
        values["reason"] = {"timeoff_field": reason}
    if member is not None:
        values["member"] = {"timeoff_field": str(member)}
    if leave_type is not None:
        values["leave_type"] = {"timeoff_field": str(leave_type)}
    return values


def approval_messages(box: Sandbox) -> list[dict[str, Any]]:
    return box.slack_state.messages(APPROVALS_CHANNEL_ID)


def dms(box: Sandbox, user: str) -> list[dict[str, Any]]:
    return box.slack_state.messages("D" + user[1:])


def stored(box: Sandbox) -> list[TimeOffRequest]:
    with session_scope(box.services.session_factory) as session:
        rows = list(session.query(TimeOffRequest).order_by(TimeOffRequest.id))
        session.expunge_all()
        return rows


def assert_sending(reply: httpx.Response) -> None:
    """The form was accepted: Slack's answer turns the modal into "Sending your request…" (the
    request is then stored, after the ack, and the modal says so)."""
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["response_action"] == "update", answer
    assert "Sending your request" in json.dumps(answer["view"]), answer


def file_request(box: Sandbox, user: str, **values: Any) -> TimeOffRequest:
    """`user` fills in and sends the request form; the request as stored."""
    request_form(box, user)
    before = len(stored(box))
    reply = box.slack.submit_view(user, "timeoff_request", form_values(**values))
    assert_sending(reply)
    return stored_after(box, before)


def stored_after(box: Sandbox, before: int, timeout: float = 5.0) -> TimeOffRequest:
    """The request stored after the ack (the form's work goes on once Slack is answered)."""
    assert box.work_pool.wait_idle(timeout), "the form's work did not finish"
    rows = stored(box)
    assert len(rows) == before + 1, "the request was not stored"
    return rows[-1]


def our_blocks(box: Sandbox) -> list[Any]:
    """Blocked times rosterbot made (the demo business has a few of its own)."""
    return [b for b in box.api_state.blocked_times() if "(rosterbot #" in b.name]


def posted_approval(box: Sandbox, request_id: int) -> dict[str, Any]:
    deliver(box)
    found = [m for m in approval_messages(box) if f"#{request_id}" in m["text"]]
    assert len(found) == 1, approval_messages(box)
    return found[0]


def click(box: Sandbox, user: str, action_id: str, message: dict[str, Any]) -> str:
    """`user` clicks `action_id` in a channel message; what the app told them (ephemeral)."""
    before = len(box.slack_state.responses)
    reply = box.slack.click(user, action_id, message=message)
    assert reply.status_code == 200
    return said(answer_after(box, before))


def click_in_list(
    box: Sandbox, user: str, action_id: str, listed: ResponsePost, **where: Any
) -> ResponsePost:
    """`user` clicks `action_id` in the ephemeral list `listed` (in the team channel); the app's
    answer through the response_url. `where`: `block_id=` for a button that is in several blocks."""
    before = len(box.slack_state.responses)
    message = {"ts": box.slack_state.next_ts(), "blocks": listed.blocks}
    reply = box.slack.click(user, action_id, message=message, channel=TEAM_CHANNEL_ID, **where)
    assert reply.status_code == 200
    return answer_after(box, before)
