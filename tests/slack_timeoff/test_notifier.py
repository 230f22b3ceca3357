"""What the worker sends through the Slack notifier besides decisions: reminders in the approval
message's thread, the daily digest, and word when a delivery gives up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rosterbot.domain.dates import format_day
from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.store import outbox
from rosterbot.store.db import session_scope

from .conftest import (
    SAM,
    action_ids,
    approval_messages,
    click,
    day,
    deliver,
    dms,
    file_request,
    our_blocks,
    posted_approval,
    texts,
    today,
)


def test_a_reminder_is_a_reply_in_the_approval_messages_thread_with_the_buttons(box: Sandbox) -> None:
    request = file_request(box, SAM, starts_on=day(8))
    message = posted_approval(box, request.id)
    with session_scope(box.services.session_factory) as session:
        outbox.enqueue(session, outbox.SEND_REMINDER, request_id=request.id, at=datetime.now(UTC))
    deliver(box)
    replies = [m for m in approval_messages(box) if m.get("thread_ts") == message["ts"]]
    assert len(replies) == 1
    assert "still waiting for a decision" in replies[0]["text"]
    assert action_ids(replies[0]["blocks"]) == ["timeoff_approve", "timeoff_deny"]


def test_the_digest_goes_to_the_team_channel_with_the_waiting_requests(box: Sandbox) -> None:
    file_request(box, SAM, starts_on=day(8))
    with session_scope(box.services.session_factory) as session:
        outbox.enqueue(
            session,
            outbox.POST_DIGEST,
            payload={
                "slack_team_id": box.slack.team_id,
                "day": today().isoformat(),
                "channel": TEAM_CHANNEL_ID,
            },
            at=datetime.now(UTC),
        )
    deliver(box)
    posted = box.slack_state.messages(TEAM_CHANNEL_ID)
    assert len(posted) == 1
    shown = texts(posted[0]["blocks"])
    assert "Team today" in shown and "Available today by position" in shown
    assert "1 time-off request is waiting for a decision" in shown
    assert posted[0]["text"].startswith("Team today")


def test_a_digest_posted_after_its_day_says_which_day_it_is_for(box: Sandbox) -> None:
    """A 23:30 digest whose worker came back at 00:15 is posted for the day before, and says so."""
    yesterday = today() - timedelta(days=1)
    with session_scope(box.services.session_factory) as session:
        outbox.enqueue(
            session,
            outbox.POST_DIGEST,
            payload={
                "slack_team_id": box.slack.team_id,
                "day": yesterday.isoformat(),
                "channel": TEAM_CHANNEL_ID,
            },
            at=datetime.now(UTC),
        )
    deliver(box)
    [posted] = box.slack_state.messages(TEAM_CHANNEL_ID)
    late = f"Sent late: the digest of {format_day(yesterday)}, when the day was over."
    assert posted["text"].startswith(f"{late} Team today ({format_day(yesterday)})")
    assert late in texts(posted["blocks"][1:2])  # right under the header


def test_when_the_calendar_write_gives_up_the_approvers_and_the_requester_are_told(box: Sandbox) -> None:
    request = file_request(box, SAM, starts_on=day(8))
    click(box, "U0OWNER01", "timeoff_approve", posted_approval(box, request.id))
    box.api_state.down(True)
    deliver(box)  # every retry fails (the retries are immediate here) until it gives up
    box.api_state.down(False)
    assert our_blocks(box) == []
    warning = [m for m in approval_messages(box) if "could not be added to the calendar" in m["text"]]
    assert len(warning) == 1 and f"request #{request.id}" in warning[0]["text"]
    assert any("could not be added to the calendar" in m["text"] for m in dms(box, SAM))
    assert box.services.timeoff.view(request.id).status == "approved"
