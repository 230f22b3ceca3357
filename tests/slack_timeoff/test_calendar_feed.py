"""The calendar feed: `/team settings` shows its secret address to owners and admins only;
`rosterbot serve` answers it without a Slack signature with exactly the leave year's approved time
off (all day on local dates, part days with times and zone), public holidays and closed days,
never a private reason; replacing the token makes the old address 404 at once."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar

from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.store import leave as leave_store
from rosterbot.store.db import session_scope

from .conftest import (
    ADMIN,
    SAM,
    TARA,
    WAIT,
    action_ids,
    command,
    deliver,
    file_request,
    posted_approval,
    said,
    today,
)
from .conftest import click as click_in_message

TEAM = "T0DEMO"
FEED = re.compile(r"/calendar/([A-Za-z0-9_-]+)\.ics")


def feed_token(box: Sandbox, user: str) -> str | None:
    found = FEED.search(said(command(box, user, "/team", "settings")))
    return found.group(1) if found else None


def fetch(box: Sandbox, token: str) -> httpx.Response:
    return httpx.get(f"{box.app_url}/calendar/{token}.ics", timeout=WAIT)


def mid_year(box: Sandbox) -> tuple[date, date]:
    """A leave year that today is in the middle of (it starts about six months ago), so the days
    the test uses are in it whatever today is; its first and last day."""
    start_month = (today().month + 5) % 12 + 1
    with session_scope(box.services.session_factory) as session:
        leave_store.save_settings(session, TEAM, year_start_month=start_month, holiday_country="DE")
    policy = box.services.leave.policy(TEAM)
    year = policy.year.of(today())
    return policy.year.first_day(year), policy.year.last_day(year)


def approve(box: Sandbox, request_id: int) -> None:
    assert "Approved" in click_in_message(box, ADMIN, "timeoff_approve", posted_approval(box, request_id))


def test_the_feed_holds_exactly_the_years_approved_time_off_and_days_off(box: Sandbox) -> None:
    first, last = mid_year(box)
    in_ten, in_twenty = today() + timedelta(days=10), today() + timedelta(days=20)
    sick = next(t.id for t in box.services.leave.types_of(TEAM) if t.name == "Sick leave")
    wedding_end = (in_ten + timedelta(days=2)).isoformat()
    vacation = file_request(
        box, SAM, starts_on=in_ten.isoformat(), ends_on=wedding_end, reason="Family wedding"
    )
    approve(box, vacation.id)
    part = file_request(box, TARA, starts_on=in_twenty.isoformat(), part_day=True, start_time="09:00",
                        end_time="13:30", reason="Dentist")  # fmt: skip
    approve(box, part.id)
    sick_day = file_request(box, SAM, starts_on=(in_ten + timedelta(days=5)).isoformat(), leave_type=sick,
                            reason="Migraine")  # fmt: skip
    file_request(box, TARA, starts_on=in_ten.isoformat())  # pending: not in the feed
    closed = in_twenty + timedelta(days=1)
    said(command(box, ADMIN, "/timeoff", f"closed add {closed.isoformat()} Stocktake"))
    deliver(box)

    assert feed_token(box, SAM) is None  # staff: no address
    token = feed_token(box, ADMIN)
    assert token is not None and len(token) >= 40
    reply = fetch(box, token)  # no signature, no cookie: the token is the key
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(reply.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}

    days_off = box.services.leave.days_off(TEAM, first, last)
    assert closed in days_off and any("🎉" in why for why in days_off.values())
    expected = {f"timeoff-{r.id}@rosterbot" for r in (vacation, part, sick_day)}
    expected |= {f"dayoff-{day.isoformat()}-{TEAM}@rosterbot" for day in days_off}
    assert set(events) == expected

    wedding = events[f"timeoff-{vacation.id}@rosterbot"]
    assert str(wedding["summary"]) == "Sam Stone: Vacation"
    assert wedding.decoded("dtstart") == in_ten and wedding.decoded("dtend") == in_ten + timedelta(days=3)
    assert str(wedding["description"]) == "Family wedding"
    dentist = events[f"timeoff-{part.id}@rosterbot"]
    berlin = ZoneInfo("Europe/Berlin")
    assert dentist.decoded("dtstart") == datetime.combine(in_twenty, time(9), tzinfo=berlin)
    assert dentist.decoded("dtend") == datetime.combine(in_twenty, time(13, 30), tzinfo=berlin)
    assert dentist["dtstart"].params["TZID"] == "Europe/Berlin"
    assert any(str(tz["tzid"]) == "Europe/Berlin" for tz in calendar.walk("VTIMEZONE"))
    private = events[f"timeoff-{sick_day.id}@rosterbot"]
    assert str(private["summary"]) == "Sam Stone: Sick leave" and "description" not in private
    assert b"Migraine" not in reply.content  # a private reason is nowhere in the feed
    stocktake = events[f"dayoff-{closed.isoformat()}-{TEAM}@rosterbot"]
    assert str(stocktake["summary"]) == "🚪 Closed: Stocktake" and stocktake.decoded("dtstart") == closed


def test_a_replaced_token_is_refused_at_once_and_guesses_are_404(box: Sandbox) -> None:
    old = feed_token(box, ADMIN)
    assert old is not None and fetch(box, old).status_code == 200
    assert feed_token(box, ADMIN) == old  # shown again, not replaced by looking

    listed = command(box, ADMIN, "/team", "settings")
    message = {"ts": box.slack_state.next_ts(), "blocks": listed.blocks}
    before = len(box.slack_state.responses)
    box.slack.click(ADMIN, "calendar_feed_replace", message=message, channel=TEAM_CHANNEL_ID)
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=WAIT)
    told = said(box.slack_state.responses[before])
    assert "the old one no longer works" in told
    new = FEED.search(told)
    assert new is not None and new.group(1) != old

    assert fetch(box, old).status_code == 404
    assert fetch(box, new.group(1)).status_code == 200
    assert fetch(box, new.group(1)[:-1] + ("A" if new.group(1)[-1] != "A" else "B")).status_code == 404
    assert fetch(box, "short").status_code == 404
    assert httpx.get(f"{box.app_url}/calendar/.ics", timeout=WAIT).status_code == 404
    # Staff get neither the address nor the button
    assert "calendar_feed_replace" in action_ids(listed.blocks)
    assert "calendar_feed_replace" not in action_ids(command(box, SAM, "/team", "settings").blocks)
