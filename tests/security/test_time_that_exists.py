"""Time that exists (DESIGN.md, Trust): a part day whose start or end falls in a clock change's gap
is refused under the input, naming the change; a time in the repeated hour is its first occurrence
and the requester is told so; the end is after the start in UTC; at most 366 days, counted
inclusively. Signed view submissions into the sandbox, on a day the test sets (time-machine)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine

from console.driver import Console
from rosterbot.sandbox import Sandbox
from rosterbot.store import outbox, workspace
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope
from slack_timeoff.conftest import (
    AARON,
    ADMIN,
    QUICK_RETRIES,
    SAM,
    SAM_ID,
    WAIT,
    assert_sending,
    click,
    deliver,
    form_values,
    our_blocks,
    posted_approval,
    request_form,
    stored,
    stored_after,
    texts,
)

TEAM = "T0DEMO"
SPRING = date(2027, 3, 28)  # Berlin: 02:00 becomes 03:00
AUTUMN = date(2027, 10, 31)  # Berlin: 03:00 becomes 02:00, so 02:00-03:00 happens twice


MARCH_1 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
OCTOBER_1 = datetime(2027, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox(timezone="Europe/Berlin")


@pytest.fixture
def today_is() -> Iterator[Callable[[datetime], None]]:
    """Today is 1 Mar 2027 (whatever day the suite runs); `today_is(moment)` moves it."""
    with time_machine.travel(MARCH_1, tick=True) as traveller:
        yield traveller.move_to


@pytest.fixture
def box(_box: Sandbox, engine: Engine, today_is: Callable[[datetime], None]) -> Sandbox:
    """The sandbox with the demo business as new, on 1 Mar 2027 in Berlin."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    _box.services.timeoff.zones.forget(TEAM)
    assert _box.services.outbox is not None
    _box.services.outbox.policy = QUICK_RETRIES
    return _box


def submit(box: Sandbox, **values: Any) -> dict[str, Any]:
    """SAM sends the request form; Slack's answer, with what the business API was asked meanwhile."""
    request_form(box, SAM)
    assert box.work_pool.wait_idle(WAIT)  # the form's own work (who SAM is) is done
    box.api_state.clear_requests()
    reply = box.slack.submit_view(SAM, "timeoff_request", form_values(**values))
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    answer["api_requests"] = list(box.api_state.requests)
    return answer


def refused(box: Sandbox, **values: Any) -> dict[str, str]:
    """The errors shown under the form's inputs; nothing stored, no API call, the form still open."""
    answer = submit(box, **values)
    assert answer["response_action"] == "errors", answer
    assert answer["api_requests"] == []
    assert stored(box) == []
    assert any(v["callback_id"] == "timeoff_request" for v in box.slack_state.open_views(SAM))
    errors: dict[str, str] = answer["errors"]
    return errors


def part_day(day: date, start: str, end: str) -> dict[str, Any]:
    return {"starts_on": day.isoformat(), "part_day": True, "start_time": start, "end_time": end}


def test_a_start_in_the_spring_gap_is_refused_under_the_start_naming_the_change(box: Sandbox) -> None:
    # 02:30 does not exist; in UTC this period would end (01:15) before it starts (01:30).
    errors = refused(box, **part_day(SPRING, "02:30", "03:15"))
    assert errors == {
        "start_time": "Clocks go forward at 02:00 that night: 02:30 does not exist on Sun 28 Mar."
    }
    assert our_blocks(box) == []


def test_a_period_wholly_in_the_spring_gap_is_refused_not_shifted(box: Sandbox) -> None:
    errors = refused(box, **part_day(SPRING, "02:10", "02:50"))
    assert errors == {
        "start_time": "Clocks go forward at 02:00 that night: 02:10 does not exist on Sun 28 Mar.",
        "end_time": "Clocks go forward at 02:00 that night: 02:50 does not exist on Sun 28 Mar.",
    }


def test_an_end_in_the_gap_on_a_later_day_is_refused_under_the_end(box: Sandbox) -> None:
    errors = refused(
        box,
        starts_on=(SPRING - timedelta(days=1)).isoformat(),
        ends_on=SPRING.isoformat(),
        part_day=True,
        start_time="14:00",
        end_time="02:45",
    )
    assert errors == {
        "end_time": "Clocks go forward at 02:00 that night: 02:45 does not exist on Sun 28 Mar."
    }


def test_the_times_around_the_gap_are_accepted(box: Sandbox) -> None:
    request_form(box, SAM)
    assert_sending(
        box.slack.submit_view(SAM, "timeoff_request", form_values(**part_day(SPRING, "01:30", "03:00")))
    )
    row = stored_after(box, 0)
    assert (str(row.start_time), str(row.end_time)) == ("01:30:00", "03:00:00")


def test_the_new_york_gap_is_refused_too(box: Sandbox) -> None:
    with session_scope(box.services.session_factory) as session:
        workspace.save(session, TEAM, timezone="America/New_York")
    box.services.timeoff.zones.forget(TEAM)
    errors = refused(box, **part_day(date(2027, 3, 14), "02:30", "04:00"))
    assert errors == {
        "start_time": "Clocks go forward at 02:00 that night: 02:30 does not exist on Sun 14 Mar."
    }


def test_the_repeated_hour_is_its_first_occurrence_in_the_calendar_and_the_requester_is_told(
    box: Sandbox, today_is: Callable[[datetime], None]
) -> None:
    today_is(OCTOBER_1)
    request_form(box, SAM)
    reply = box.slack.submit_view(SAM, "timeoff_request", form_values(**part_day(AUTUMN, "02:30", "03:15")))
    assert_sending(reply)
    row = stored_after(box, 0)
    note = "02:30 is the first 02:30 that night, before clocks go back."

    def told(state: Any) -> bool:
        return any(note in json.dumps(v) for v in state.open_views(SAM))

    assert box.slack_state.wait_for(told, timeout=WAIT), box.slack_state.open_views(SAM)
    (shown,) = [v for v in box.slack_state.open_views(SAM) if note in json.dumps(v)]
    assert f"Time off request #{row.id} sent: Sun 31 Oct, 02:30–03:15. {note}" in texts(shown["blocks"])

    message = posted_approval(box, row.id)
    assert "Approved" in click(box, ADMIN, "timeoff_approve", message)
    deliver(box)
    (block,) = our_blocks(box)
    # The first 02:30 is still summer time (+02:00); 03:15 is after the change (+01:00).
    assert (block.employee_id, block.from_date, block.to_date) == (
        SAM_ID,
        datetime(2027, 10, 31, 0, 30),  # the emulator keeps naive UTC
        datetime(2027, 10, 31, 2, 15),
    )


def test_an_end_before_the_start_in_utc_is_refused_in_the_repeated_hour(
    box: Sandbox, today_is: Callable[[datetime], None]
) -> None:
    today_is(OCTOBER_1)
    # 02:45 (the first) to 02:15 (the first): the wall clock could read it as the second 02:15.
    errors = refused(box, **part_day(AUTUMN, "02:45", "02:15"))
    assert errors == {"end_time": "The end time must be after the start time."}


@pytest.mark.parametrize(("days", "accepted"), [(366, True), (367, False)])
def test_at_most_a_year_is_366_days_counting_both_ends(box: Sandbox, days: int, accepted: bool) -> None:
    first = date(2027, 3, 2)
    last = first + timedelta(days=days - 1)
    values: dict[str, Any] = {"starts_on": first.isoformat(), "ends_on": last.isoformat()}
    if accepted:
        request_form(box, SAM)
        assert_sending(box.slack.submit_view(SAM, "timeoff_request", form_values(**values)))
        row = stored_after(box, 0)
        assert (row.starts_on, row.ends_on) == (first, last)
        return
    assert refused(box, **values) == {"ends_on": "Ask for at most a year (366 days) at a time."}


def stored_before_the_rule(box: Sandbox, *, approved: bool) -> int:
    """A request for 02:30-03:15 on the spring night, as a version without the rule stored it:
    pending with its approvals post queued, or approved with its blocked time queued."""
    with session_scope(box.services.session_factory) as session:
        row = requests.add(
            session,
            slack_team_id=TEAM,
            member_id=SAM_ID,
            requested_by_member_id=SAM_ID,
            requested_by_slack_user_id=SAM,
            starts_on=SPRING,
            ends_on=SPRING,
            all_day=False,
            start_time=time(2, 30),
            end_time=time(3, 15),
            timezone="Europe/Berlin",
            reason="",
            at=MARCH_1,
        )
        outbox.enqueue(session, outbox.POST_APPROVAL, request_id=row.id, at=MARCH_1)
        if approved:
            requests.decide(
                session,
                row.id,
                slack_team_id=row.slack_team_id,
                approve=True,
                decided_by_member_id=AARON,
                decided_by_slack_user_id=ADMIN,
                note=None,
                at=MARCH_1,
            )
            outbox.enqueue(session, outbox.CREATE_BLOCKED_TIME, request_id=row.id, at=MARCH_1)
        return row.id


def test_a_request_stored_before_the_rule_is_not_approved_into_a_calendar_failure(box: Sandbox) -> None:
    request_id = stored_before_the_rule(box, approved=False)
    message = posted_approval(box, request_id)
    box.api_state.clear_requests()
    told = click(box, ADMIN, "timeoff_approve", message)
    assert "This request can't go in the calendar: Clocks go forward at 02:00 that night: " in told
    assert "02:30 does not exist on Sun 28 Mar. Deny it and ask for it again." in told
    deliver(box)
    assert [row.status for row in stored(box)] == ["pending"]
    assert [w for w in box.api_state.writes() if "blocked-times" in w.path] == []


def test_a_request_approved_before_the_rule_is_never_sent_to_the_calendar(box: Sandbox) -> None:
    stored_before_the_rule(box, approved=True)
    box.api_state.clear_requests()
    deliver(box)
    # Not even a look in the calendar with an end before the start: the API would refuse it.
    asked = [r.path for r in box.api_state.requests]
    assert not [path for path in asked if "blocked-times" in path or "calendar" in path], asked
    assert our_blocks(box) == []


def test_the_console_shows_the_gap_under_the_start_and_takes_a_corrected_time(box: Sandbox) -> None:
    console = Console(box)
    try:
        console.type(":as sam")
        shown = console.type("/timeoff", "", SPRING.isoformat(), "", "2", "02:30", "03:15", "", "01:30")
    finally:
        box.stop_worker()
    assert "Clocks go forward at 02:00 that night: 02:30 does not exist on Sun 28 Mar." in shown
    assert "Time off request #1 sent: Sun 28 Mar, 01:30–03:15." in shown
    (row,) = stored(box)
    assert (row.starts_on, str(row.start_time), str(row.end_time)) == (SPRING, "01:30:00", "03:15:00")
