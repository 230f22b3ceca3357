"""Decisions re-check what they depend on: a request of a member who is no longer active is not
approved, and deactivating or removing a member closes their pending requests and says so.

End to end: signed Slack requests into the sandbox; the worker's passes run when the test says
(`deliver`); what the emulator, the Slack stand-in and rosterbot's tables hold afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from slack_timeoff.conftest import (
    QUICK_RETRIES,
    ZONE,
    action_ids,
    click,
    day,
    deliver,
    dms,
    file_request,
    our_blocks,
    posted_approval,
    stored,
)
from support import command, texts

ADMIN, OWNER, SAM = "U0ADMIN01", "U0OWNER01", "U0STAFF01"
SAM_ID = 4


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox(timezone=ZONE)


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Sandbox:
    """The demo business as new, nothing recorded, rosterbot's tables empty, no cached roles."""
    _box.api_state.reset()
    _box.api_state.down(False)
    _box.slack_state.clear()
    _box.services.identity.forget()
    assert _box.services.outbox is not None
    _box.services.outbox.policy = QUICK_RETRIES
    return _box


def approval_now(box: Sandbox, ts: str) -> str:
    edited = box.slack_state.message(APPROVALS_CHANNEL_ID, ts)
    assert edited is not None
    assert action_ids(edited["blocks"]) == []  # nothing left to click
    return texts(edited["blocks"])


def test_a_request_of_a_member_deactivated_since_is_not_approved_and_the_approver_is_told(
    box: Sandbox,
) -> None:
    row = file_request(box, SAM, starts_on=day(10), reason="Holiday")
    message = posted_approval(box, row.id)
    # Deactivated in the business system itself: rosterbot hears nothing of it.
    box.api_state.replace_member(SAM_ID, {"is_active": False})

    told = click(box, ADMIN, "timeoff_approve", message)

    assert "Sam Stone is no longer an active team member" in told and "can't be approved" in told
    assert "Approved" not in told
    assert stored(box)[-1].status == "cancelled"
    deliver(box)
    assert our_blocks(box) == []  # no blocked time for someone who is gone
    assert "Cancelled" in approval_now(box, message["ts"])
    assert box.slack_state.messages(TEAM_CHANNEL_ID) == []


def test_a_request_of_a_member_removed_since_is_not_approved(box: Sandbox) -> None:
    row = file_request(box, SAM, starts_on=day(10))
    message = posted_approval(box, row.id)
    box.api_state.delete_member(SAM_ID)

    told = click(box, ADMIN, "timeoff_approve", message)

    assert "no longer an active team member" in told and "removed" in told
    assert stored(box)[-1].status == "cancelled"
    deliver(box)
    assert our_blocks(box) == []


@pytest.mark.parametrize("how", ["deactivate", "remove"])
def test_deactivating_or_removing_a_member_closes_their_pending_requests_and_tells_them_and_the_approvers(
    box: Sandbox, how: str
) -> None:
    row = file_request(box, SAM, starts_on=day(10))
    message = posted_approval(box, row.id)
    file_request(box, SAM, starts_on=day(20))  # a second one, not yet seen by anyone
    deliver(box)

    if how == "deactivate":
        done = command(box, ADMIN, "/team", "deactivate Sam Stone")
        assert "Deactivated" in done.text
    else:
        asked = command(box, ADMIN, "/team", "remove Sam Stone")
        shown = {"ts": box.slack_state.next_ts(), "blocks": asked.blocks or []}
        box.slack.click(ADMIN, "team_remove_confirm", message=shown, channel=TEAM_CHANNEL_ID)
        assert box.slack_state.wait_for(lambda _s: box.api_state.member(SAM_ID) is None, timeout=5)
        assert box.slack_state.wait_for(lambda _s: stored(box)[-1].status == "cancelled", timeout=5)

    rows = stored(box)
    assert [r.status for r in rows] == ["cancelled", "cancelled"]
    why = "Sam Stone was deactivated." if how == "deactivate" else "Sam Stone was removed from the team."
    assert {r.decision_note for r in rows} == {why}
    deliver(box)
    assert why in approval_now(box, message["ts"])  # the approvers see it closed, and why
    told = [m["text"] for m in dms(box, SAM)]
    assert len(told) == 2 and all(why in text and f"<@{ADMIN}>" in text for text in told), told

    # A click on the old approval message decides nothing now.
    late = click(box, OWNER, "timeoff_approve", message)
    assert "nothing to decide" in late or "no longer an active team member" in late
    deliver(box)
    assert our_blocks(box) == []
