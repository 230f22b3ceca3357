"""A time-off request's input rules, on their own: what the request form (or `/timeoff`) may ask
for and a decision's note. Pure: no store, no API, so the Slack form checks them before its ack and
`TimeOffService` checks them again. Field errors are keyed by the field names of `RequestInput`
(and `note`); the Slack layer maps them to its block ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rosterbot.domain.dates import fold_change, fold_note, gap_change, gap_message, local_instant
from rosterbot.domain.text import hidden_character_error
from rosterbot.services.errors import InvalidRequest

MAX_REASON = 500
MAX_AHEAD = timedelta(days=731)  # also keeps every date far from datetime's limits
MAX_DAYS = 366  # "at most a year", counting the first and the last day
# The request's leave type field: what the service says about the type lands there.
LEAVE_TYPE_FIELD = "leave_type"


def validate_note(note: str | None, *, approve: bool) -> str | None:
    """A decision's note, trimmed (None when empty), or InvalidRequest({"note": …}): a denial needs
    one, of at most MAX_REASON characters, with no control or invisible character (it may span
    lines: it is typed in a multi-line input, like the request's reason). No API call."""
    note = (note or "").strip() or None
    if not approve and note is None:
        raise InvalidRequest({"note": "Give a reason: the member reads it."})
    if note is not None and len(note) > MAX_REASON:
        raise InvalidRequest({"note": f"Keep the reason to {MAX_REASON} characters or fewer."})
    if note is not None and (refused := hidden_character_error("A reason", note, multiline=True)):
        raise InvalidRequest({"note": refused})
    return note


@dataclass(frozen=True)
class RequestInput:
    """What the request modal (or `/timeoff`) collected. `member_id` None: the actor's own."""

    starts_on: date
    ends_on: date
    member_id: int | None = None
    all_day: bool = True
    start_time: time | None = None
    end_time: time | None = None
    reason: str = ""
    leave_type_id: int | None = None  # None: the workspace's first type (Vacation)


@dataclass(frozen=True)
class RequestDraft:
    """The request form as typed, before any rule: the first day may be missing, and `ends_on`
    None is a single day. `checked_request` makes it a `RequestInput`."""

    starts_on: date | None
    ends_on: date | None = None
    member_id: int | None = None
    all_day: bool = True
    start_time: time | None = None
    end_time: time | None = None
    reason: str = ""
    leave_type_id: int | None = None


def checked_request(draft: RequestDraft, zone: ZoneInfo, now: datetime) -> RequestInput:
    """The request `draft` holds, or InvalidRequest with what is wrong with it on its own, by
    field, for a business in `zone` at `now` (`request_errors`). No API call: the form checks it
    before its ack, and the service again when it stores it."""
    if draft.starts_on is None:
        raise InvalidRequest({"starts_on": "Choose the first day."} | _all_day_errors(draft))
    data = RequestInput(
        starts_on=draft.starts_on,
        ends_on=draft.ends_on or draft.starts_on,
        member_id=draft.member_id,
        all_day=draft.all_day,
        start_time=draft.start_time,
        end_time=draft.end_time,
        reason=draft.reason,
        leave_type_id=draft.leave_type_id,
    )
    errors = request_errors(data, zone, now)
    if errors:
        raise InvalidRequest(errors)
    return data


def _all_day_errors(data: RequestInput | RequestDraft) -> dict[str, str]:
    """All day with a time given: which was meant is not known, so neither is taken."""
    if not data.all_day or (data.start_time is None and data.end_time is None):
        return {}
    field = "start_time" if data.start_time is not None else "end_time"
    return {field: "Choose “From – to” to give times, or clear them for all day."}


def period_bounds(
    starts_on: date, ends_on: date, start_time: time | None, end_time: time | None, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The first and the last instant off, aware in `zone`: from the start time (or midnight) to the
    end time (or 23:59:59 of the last day, as the seed's example blocks a vacation). A time in a
    repeated hour is its first occurrence; compare them in UTC (`in_utc`): Python compares two
    times of one zone by their wall clocks."""
    return (
        local_instant(starts_on, start_time or time(0), zone),
        local_instant(ends_on, end_time or time(23, 59, 59), zone),
    )


def in_utc(bounds: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    return bounds[0].astimezone(UTC), bounds[1].astimezone(UTC)


def request_errors(data: RequestInput, zone: ZoneInfo, now: datetime) -> dict[str, str]:
    """What is wrong with `data` on its own, by field, for a business in `zone` at `now`: the one
    place for a request's rules (the form shows them under its inputs, keyed by these fields)."""
    if unclear := _all_day_errors(data):
        return unclear  # the days and times are judged once it is clear what is asked for
    errors: dict[str, str] = {}
    today = now.astimezone(zone).date()
    if data.starts_on < today:
        errors["starts_on"] = "That date has already passed."
    elif data.starts_on > today + MAX_AHEAD:
        errors["starts_on"] = "Time off can be requested up to two years ahead."
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "The last day can't be before the first day."
    elif (data.ends_on - data.starts_on).days + 1 > MAX_DAYS:
        errors["ends_on"] = f"Ask for at most a year ({MAX_DAYS} days) at a time."
    if not data.all_day:
        passed_from = None if "starts_on" in errors else now
        errors.update(_time_errors(data, zone, order="ends_on" not in errors, now=passed_from))
    if len(data.reason.strip()) > MAX_REASON:
        errors["reason"] = f"Keep the reason to {MAX_REASON} characters or fewer."
    elif refused := hidden_character_error("A reason", data.reason, multiline=True):
        errors["reason"] = refused
    return errors


_NO_TIME = {
    "start_time": "Give a start time, or choose all day.",
    "end_time": "Give an end time, or choose all day.",
}


def _time_errors(data: RequestInput, zone: ZoneInfo, *, order: bool, now: datetime | None) -> dict[str, str]:
    """A part day's times: given; existing that day in `zone` (not in a clock change's gap); with
    `order`, the end after the start in UTC; with `now`, the start not passed."""
    errors: dict[str, str] = {}
    for field, day, at in (
        ("start_time", data.starts_on, data.start_time),
        ("end_time", data.ends_on, data.end_time),
    ):
        change = gap_change(day, at, zone) if at is not None else None
        if at is None:
            errors[field] = _NO_TIME[field]
        elif change is not None:
            errors[field] = gap_message(day, at, change)
    if errors or not order:
        return errors
    start, end = in_utc(period_bounds(data.starts_on, data.ends_on, data.start_time, data.end_time, zone))
    if end <= start:
        errors["end_time"] = "The end time must be after the start time."
    elif now is not None and start < now:
        errors["start_time"] = "That time has already passed."
    return errors


def period_problem(
    starts_on: date, ends_on: date, start_time: time | None, end_time: time | None, zone: ZoneInfo
) -> str:
    """Why a stored part-day period cannot go in the calendar, '' when it can: a request stored
    before its times were checked may hold a time a clock change skips, or end before it starts."""
    if start_time is None or end_time is None:
        return ""
    data = RequestInput(starts_on, ends_on, all_day=False, start_time=start_time, end_time=end_time)
    return " ".join(_time_errors(data, zone, order=True, now=None).values())


def repeated_time_notes(
    starts_on: date, ends_on: date, start_time: time | None, end_time: time | None, zone: ZoneInfo
) -> list[str]:
    """A sentence for each time of a period that happens twice that night (the first is meant)."""
    notes: list[str] = []
    for day, at in ((starts_on, start_time), (ends_on, end_time)):
        if at is not None and fold_change(day, at, zone) is not None and fold_note(at) not in notes:
            notes.append(fold_note(at))
    return notes
