"""Time off under faults: the request form sent while the API is down or slow, the approvals post
refused or rate limited by Slack, an Approve click while the API is slow, and the calendar write
failing, answering late or unreadably. A stored request stays stored and is completed later; a
decision is recorded once; the calendar gets one block however often the write is tried.

Worker passes are run by the test (`deliver`), except where the real worker thread is the point.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.services.outbox import RetryPolicy
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest

from .conftest import (
    ADMIN,
    MEMBER_IDS,
    STAFF,
    UNAVAILABLE,
    ErrorLog,
    answered,
    assert_nothing_leaked,
    assert_plain,
    said_to,
    wait_said,
    wait_view,
)
from .fault_proxy import FaultProxy

BLOCKS_PATH = r"^/api/v1/merchant/blocked-times$"
SAM_ID = MEMBER_IDS[STAFF]
# Retry at once: what is tested here is that nothing is lost or doubled, not the backoff.
AT_ONCE = RetryPolicy(max_attempts=6, base_seconds=0.0, max_seconds=0.0, lease_seconds=60)


@pytest.fixture
def outbox(box: Sandbox) -> Iterator[Any]:
    delivery = box.services.outbox
    assert delivery is not None, "the sandbox wires the Slack notifier, so the outbox exists"
    policy = delivery.policy
    delivery.policy = AT_ONCE
    yield delivery
    delivery.policy = policy


def day(ahead: int) -> str:
    return (date.today() + timedelta(days=ahead)).isoformat()


def stored(box: Sandbox) -> list[TimeOffRequest]:
    with session_scope(box.services.session_factory) as session:
        rows = list(session.query(TimeOffRequest).order_by(TimeOffRequest.id))
        session.expunge_all()
        return rows


def deliver(outbox: Any, passes: int = 10) -> None:
    """Worker passes until the outbox has nothing due (or `passes` ran)."""
    for _ in range(passes):
        if outbox.deliver_due() == 0:
            return


def our_blocks(box: Sandbox) -> list[Any]:
    return [b for b in box.api_state.blocked_times() if "(rosterbot #" in b.name]


def approvals(box: Sandbox) -> list[dict[str, Any]]:
    return box.slack_state.messages(APPROVALS_CHANNEL_ID)


def request_form(box: Sandbox) -> dict[str, Any]:
    """The form Sam opens with `/timeoff`, once the app is done with it (so a fault set next does
    not fall on the opening)."""
    answered(lambda: box.slack.command(STAFF, "/timeoff"))
    form = wait_view(box, STAFF, "timeoff_request")
    assert box.work_pool.wait_idle(8)
    return form


def send_form(box: Sandbox, form: dict[str, Any], starts_on: str) -> Any:
    values = {"starts_on": {"timeoff_field": starts_on}, "all_day": {"timeoff_field": "all_day"}}
    return box.slack.submit_view(STAFF, form, values)


def accepted(reply: Any) -> bool:
    """Slack's answer to a good form: closed, or replaced by a "sending" notice (never errors)."""
    return not reply.content or reply.json().get("response_action") == "update"


def sent(box: Sandbox, form: dict[str, Any], starts_on: str, stored_before: int = 0) -> TimeOffRequest:
    """Sam sends the form; the request once stored (the app may store it after answering Slack)."""
    reply = answered(lambda: send_form(box, form, starts_on))
    assert accepted(reply), reply.text
    assert box.slack_state.wait_for(lambda _s: len(stored(box)) > stored_before, timeout=8)
    return stored(box)[-1]


def file_request(box: Sandbox, outbox: Any, ahead: int = 10) -> tuple[TimeOffRequest, dict[str, Any]]:
    """Sam asks for a day off; the worker posts it for approval. The row and the approval message."""
    row = sent(box, request_form(box), day(ahead))
    deliver(outbox)
    posted = [m for m in approvals(box) if f"#{row.id}" in m["text"]]
    assert len(posted) == 1
    return row, posted[0]


def approve(box: Sandbox, message: dict[str, Any]) -> str:
    before = len(box.slack_state.responses)
    answered(lambda: box.slack.click(ADMIN, "timeoff_approve", message=message))
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=8)
    return box.slack_state.responses[before].text


# ---- the request form ---------------------------------------------------------------------------


def test_a_request_sent_while_the_api_is_down_is_not_stored_and_the_form_says_why(
    box: Sandbox, outbox: Any, error_log: ErrorLog
) -> None:
    form = request_form(box)
    box.api_state.down(True)

    reply = answered(lambda: send_form(box, form, day(10)))

    # Nothing is stored half-way: the form (inline errors, or refilled with a banner) says why.
    if reply.content and reply.json().get("response_action") == "errors":
        told = " ".join(reply.json()["errors"].values())
    else:
        told = wait_said(box, STAFF, UNAVAILABLE)
    assert UNAVAILABLE in told
    assert_plain(box, told)
    box.slack_state.wait_for(lambda _s: False, timeout=0.3)  # anything late would land now
    assert stored(box) == []
    assert error_log.tracebacks() == []

    box.api_state.down(False)
    row = sent(box, wait_view(box, STAFF, "timeoff_request"), day(10))
    assert [r.status for r in stored(box)] == ["pending"] and row.status == "pending"


def test_when_slack_refuses_the_refilled_form_the_user_is_still_told_why(
    box: Sandbox, outbox: Any, error_log: ErrorLog
) -> None:
    form = request_form(box)
    box.api_state.down(True)
    box.slack_state.fail("views.update", "invalid_arguments", times=1)  # the refilled form

    assert accepted(answered(lambda: send_form(box, form, day(10))))

    told = wait_said(box, STAFF, "Nothing was saved")  # the banner alone, in place of the form
    assert UNAVAILABLE in told
    assert_plain(box, told)
    assert stored(box) == []
    assert error_log.tracebacks() == []


@pytest.mark.parametrize("api_up", [True, False])
def test_a_user_who_closes_the_sending_modal_is_told_the_outcome_outside_it(
    box: Sandbox, outbox: Any, error_log: ErrorLog, api_up: bool
) -> None:
    form = request_form(box)
    # Slow, so the work is still running when the modal is closed.
    box.api_state.set_faults(latency=0.3, fault_status=None if api_up else 503)

    assert accepted(answered(lambda: send_form(box, form, day(10))))
    box.slack.close_view(STAFF, form["id"])  # the user closes "Sending your request…"

    if api_up:
        told = wait_said(box, STAFF, "sent")
        assert [f"Time off request #{row.id}" in told for row in stored(box)] == [True]
    else:
        told = wait_said(box, STAFF, "Nothing was saved")
        assert UNAVAILABLE in told and stored(box) == []
    assert box.slack_state.open_views(STAFF) == []
    assert not [t for t in said_to(box, STAFF) if "did not let me finish" in t]
    assert error_log.tracebacks() == []


def test_a_request_sent_while_the_api_is_slow_is_acknowledged_before_the_api_answers(
    box: Sandbox, outbox: Any
) -> None:
    form = request_form(box)
    box.api_state.set_faults(latency=0.8)  # each try times out at 0.5 s; three tries: 1.5 s and more

    reply = send_form(box, form, day(10))
    # Slack has its answer before the outcome exists: the tries alone take 1.5 s and more.
    told_at_ack = [t for t in said_to(box, STAFF) if UNAVAILABLE.casefold() in t.casefold()]

    assert reply.status_code == 200
    assert told_at_ack == [], "the ack waited for the business API"
    assert_plain(box, wait_said(box, STAFF, UNAVAILABLE))
    assert stored(box) == []


# ---- the approvals post -------------------------------------------------------------------------


@pytest.mark.parametrize("refusal", ["internal_error", "ratelimited"])
def test_an_approvals_post_slack_refuses_keeps_the_request_and_posts_once_later(
    box: Sandbox, outbox: Any, refusal: str
) -> None:
    sent(box, request_form(box), day(10))
    box.slack_state.fail("chat.postMessage", refusal, times=1)

    outbox.deliver_due()  # refused: retried later
    assert [r.status for r in stored(box)] == ["pending"]
    assert approvals(box) == []

    deliver(outbox)
    assert len(approvals(box)) == 1
    assert [r.status for r in stored(box)] == ["pending"]


def test_an_approvals_post_rate_limited_once_is_posted_once(box: Sandbox, outbox: Any) -> None:
    sent(box, request_form(box), day(10))
    box.slack_state.inject_429("chat.postMessage", times=1, retry_after=1)

    deliver(outbox)

    assert len(approvals(box)) == 1
    assert [c.status for c in box.slack_state.calls_to("chat.postMessage")][:2] == [429, 200]


# ---- deciding -----------------------------------------------------------------------------------


def test_an_approve_click_while_the_api_is_slow_is_answered_and_decides_nothing(
    box: Sandbox, outbox: Any, error_log: ErrorLog
) -> None:
    row, message = file_request(box, outbox)
    box.api_state.set_faults(latency=0.8)

    told = approve(box, message)

    assert UNAVAILABLE in told
    assert_nothing_leaked(box, ADMIN)
    assert [r.status for r in stored(box)] == ["pending"]
    assert error_log.tracebacks() == []

    box.api_state.set_faults()
    assert "Approved" in approve(box, message)
    assert "already" in approve(box, message).casefold()  # a second click decides nothing
    deliver(outbox)
    assert [r.status for r in stored(box)] == ["approved"]
    assert len(our_blocks(box)) == 1


# ---- the calendar write -------------------------------------------------------------------------


def approved(box: Sandbox, outbox: Any) -> TimeOffRequest:
    row, message = file_request(box, outbox)
    assert "Approved" in approve(box, message)
    return row


def away_posts(box: Sandbox) -> list[dict[str, Any]]:
    """The team channel's "will be away" posts (past the digest time the day's digest is there too)."""
    return [m for m in box.slack_state.messages(TEAM_CHANNEL_ID) if "will be away" in m["text"]]


def assert_completed_once(box: Sandbox, row: TimeOffRequest) -> None:
    blocks = our_blocks(box)
    assert [(b.employee_id, f"#{row.id})" in b.name) for b in blocks] == [(SAM_ID, True)]
    assert stored(box)[-1].status == "approved"
    assert stored(box)[-1].blocked_time_id == blocks[0].id
    dms = box.slack_state.messages(box.slack_state.im_channel(STAFF).id)
    assert sum("approved" in m["text"] for m in dms) == 1
    assert len(away_posts(box)) == 1


def test_a_calendar_write_answered_too_late_is_adopted_not_made_twice(
    box: Sandbox, proxy: FaultProxy, outbox: Any
) -> None:
    row = approved(box, outbox)
    proxy.forward("POST", BLOCKS_PATH, delay=0.8, times=1)  # made in the API; the client gave up

    outbox.deliver_due()
    assert box.slack_state.wait_for(lambda _s: len(our_blocks(box)) == 1, timeout=3)
    # The late answer lands (and the client, which gave up, drops it).
    assert proxy.wait_for(lambda seen: any(p.method == "POST" and "blocked-times" in p.path for p in seen))
    deliver(outbox)

    assert_completed_once(box, row)


def test_a_calendar_write_answered_500_twice_is_retried_into_one_block(
    box: Sandbox, proxy: FaultProxy, outbox: Any
) -> None:
    row = approved(box, outbox)
    proxy.answer("POST", BLOCKS_PATH, 500, '{"error": {"message": "boom"}}', times=2)

    deliver(outbox)

    assert_completed_once(box, row)
    assert [p.status for p in proxy.seen if p.method == "POST"] == [500, 500, 201]


def test_a_calendar_write_with_an_unreadable_answer_makes_one_block(
    box: Sandbox, proxy: FaultProxy, outbox: Any
) -> None:
    row = approved(box, outbox)
    proxy.forward("POST", BLOCKS_PATH, body="<html>OK</html>", content_type="text/html", times=1)

    deliver(outbox)

    assert_completed_once(box, row)


def test_the_requesters_message_refused_once_is_sent_once_later(box: Sandbox, outbox: Any) -> None:
    row = approved(box, outbox)
    box.slack_state.fail("chat.postMessage", "internal_error", times=1)

    deliver(outbox)

    assert_completed_once(box, row)


def test_the_worker_completes_an_approval_once_the_api_is_back(box: Sandbox, outbox: Any) -> None:
    row = approved(box, outbox)
    box.api_state.down(True)
    box.start_worker(poll_seconds=0.05)
    assert box.slack_state.wait_for(lambda _s: len(box.api_state.requests) >= 3, timeout=5)
    assert our_blocks(box) == [] and stored(box)[-1].status == "approved"

    box.api_state.down(False)
    assert box.slack_state.wait_for(
        lambda s: bool(our_blocks(box)) and len(away_posts(box)) == 1, timeout=10
    )
    box.stop_worker()
    assert_completed_once(box, row)
    assert_plain(box, wait_said(box, STAFF, "approved"))
    assert all("nothing was changed" not in t for t in said_to(box, STAFF))
