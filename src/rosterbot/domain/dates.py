"""Dates as people type and read them, and local days as UTC instants. Pure: no I/O.

Every date here is a local date in the business's time zone. "week" means the rolling seven days
starting today (today and the next six), not Monday to Sunday: on a Friday, "week" still shows the
coming Monday, which is what a manager checking the days ahead wants.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK_DAYS = 7
MINUTES_PER_DAY = 24 * 60
EXAMPLE_DATE = "2026-04-03"
# Dates people type are refused outside these years: near the calendar's ends (9999-12-31) the
# next day, or a zone's offset, would overflow a datetime, and no business plans a roster there.
MIN_YEAR = 1900
MAX_YEAR = 2999

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
# Spelled out rather than strftime's %a/%b, which follow the process locale.
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
# "3 Apr", "3 April 2026", "Fri 3 Apr", "3rd of April"
_DAY_MONTH = re.compile(
    r"^(?:(?P<wd>[a-z]+),?\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    r"(?P<m>[a-z]+)\.?,?(?:\s+(?P<y>\d{4}))?$"
)
# "Apr 3", "April 3, 2026", "Fri, Apr 3"
_MONTH_DAY = re.compile(
    r"^(?:(?P<wd>[a-z]+),?\s+)?(?P<m>[a-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r",?(?:\s+(?P<y>\d{4}))?$"
)


class DateInputError(ValueError):
    """Text that is not a date or range we understand; `user_message` is safe to show."""

    def __init__(self, text: str, user_message: str | None = None) -> None:
        self.text = text
        self.user_message = user_message or (
            f"I couldn't read '{text}' as a date. Try today, tomorrow, week or a date like {EXAMPLE_DATE}."
        )
        super().__init__(self.user_message)


def parse_range(text: str, today: date) -> list[date]:
    """The local dates that `/availability [today|tomorrow|week|<date>]` asks for.

    Empty text means today. `today` is today's date in the business's zone."""
    word = _normalise(text)
    if word in ("", "today"):
        return [today]
    if word == "tomorrow":
        return [today + timedelta(days=1)]
    if word in ("week", "this week", "7 days"):
        return [today + timedelta(days=offset) for offset in range(WEEK_DAYS)]
    return [parse_date(text, today=today)]


def parse_date(text: str, today: date | None = None) -> date:
    """A date from ISO (2026-04-03, 2026/04/03) or a friendly form (3 Apr, Fri 3 Apr 2026,
    April 3, 2026; "today" and "tomorrow" when `today` is known).

    Without a year, the first such date on or after `today` (so "3 Jan" typed in December means
    next January); without a year and without `today`, it is an error. A weekday that does not
    match the date is an error rather than a guess."""
    raw = text.strip()
    word = _normalise(text)
    if today is not None and word == "today":
        return today
    if today is not None and word == "tomorrow":
        return today + timedelta(days=1)

    iso = _ISO.match(word)
    if iso:
        return _make_date(raw, int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))

    match = _DAY_MONTH.match(word) or _MONTH_DAY.match(word)
    if match is None:
        raise DateInputError(raw)
    month = _MONTHS.get(match.group("m"))
    weekday_word = match.group("wd")
    weekday = _WEEKDAYS.get(weekday_word) if weekday_word else None
    if month is None or (weekday_word and weekday is None):
        raise DateInputError(raw)
    day = int(match.group("d"))
    year_text = match.group("y")
    if year_text:
        result = _make_date(raw, int(year_text), month, day)
    elif today is not None:
        result = _next_occurrence(raw, today, month, day)
    else:
        raise DateInputError(raw, f"Which year did you mean for '{raw}'? Try a date like {EXAMPLE_DATE}.")
    if weekday is not None and result.weekday() != weekday:
        raise DateInputError(
            raw,
            f"{format_day(result)} {result.year} is a {_WEEKDAY_NAMES[result.weekday()]}, "
            f"not a {_WEEKDAY_NAMES[weekday]}. Try a date like {EXAMPLE_DATE}.",
        )
    return result


def day_bounds_utc(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day as UTC instants: 23 or 25 hours long across a DST change."""
    return _local_midnight_utc(day, zone), _local_midnight_utc(day + timedelta(days=1), zone)


def range_bounds_utc(days: Sequence[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of the first day, end of the last day) in UTC for a non-empty list of local days."""
    if not days:
        raise ValueError("no days")
    return _local_midnight_utc(min(days), zone), _local_midnight_utc(max(days) + timedelta(days=1), zone)


def local_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date in `zone` (now: an aware instant, default the current time)."""
    return (now or datetime.now(UTC)).astimezone(zone).date()


def format_day(day: date) -> str:
    """'Fri 3 Apr'."""
    return f"{_WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {_MONTH_ABBR[day.month - 1]}"


def format_day_short(day: date) -> str:
    """'Fri 3': a grid column heading."""
    return f"{_WEEKDAY_NAMES[day.weekday()][:3]} {day.day}"


def format_days(days: Sequence[date]) -> str:
    """'Fri 3 Apr' for one day, 'Fri 3 Apr – Thu 9 Apr' for several."""
    if not days:
        return ""
    first, last = min(days), max(days)
    return format_day(first) if first == last else f"{format_day(first)} – {format_day(last)}"


def format_time_range(start: time, end: time) -> str:
    """'09:00–11:00'."""
    return f"{start:%H:%M}–{end:%H:%M}"


def format_minutes(minute: int) -> str:
    """Minutes after local midnight as a wall clock: 540 -> '09:00', 1440 -> '24:00'."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_minute_range(start: int, end: int) -> str:
    """'09:00–11:00' from minutes after local midnight (end may be 1440: '24:00')."""
    return f"{format_minutes(start)}–{format_minutes(end)}"


@dataclass(frozen=True)
class ClockChange:
    """A change of a zone's UTC offset (daylight saving starting or ending), as local clocks show it.

    Forward (spring): the wall times from `wall_before` up to `wall_after` do not exist that night.
    Back (autumn): the wall times from `wall_after` up to `wall_before` happen twice."""

    at: datetime  # the UTC instant of the change
    offset_before: timedelta
    offset_after: timedelta

    @property
    def forward(self) -> bool:
        return self.offset_after > self.offset_before

    @property
    def wall_before(self) -> time:
        """What the clocks read when they change: 02:00 in Berlin in spring, 03:00 in autumn."""
        return (self.at + self.offset_before).time()

    @property
    def wall_after(self) -> time:
        """What they read just after: 03:00 in spring, 02:00 in autumn."""
        return (self.at + self.offset_after).time()


def clock_change_at(day: date, at: time, zone: ZoneInfo) -> ClockChange | None:
    """The change whose gap or repeated hour holds the wall time `at` on `day`; None when that
    wall time happens exactly once."""
    wall = datetime.combine(day, at)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    before, after = first.utcoffset(), second.utcoffset()
    if before is None or after is None or before == after:
        return None
    # The change lies between the two readings of the wall time in UTC; find its second by
    # bisection (zones change on whole seconds): `low` still has the old offset, `high` the new.
    earlier, later = sorted((wall - before, wall - after))
    low = math.floor(earlier.replace(tzinfo=UTC).timestamp())
    high = math.ceil(later.replace(tzinfo=UTC).timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return ClockChange(at=datetime.fromtimestamp(high, UTC), offset_before=before, offset_after=after)


def gap_change(day: date, at: time, zone: ZoneInfo) -> ClockChange | None:
    """The change that skips the wall time `at` on `day` (it does not exist there), else None."""
    change = clock_change_at(day, at, zone)
    return change if change is not None and change.forward else None


def fold_change(day: date, at: time, zone: ZoneInfo) -> ClockChange | None:
    """The change that repeats the wall time `at` on `day` (it happens twice), else None."""
    change = clock_change_at(day, at, zone)
    return change if change is not None and not change.forward else None


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The wall time `at` on `day` in `zone`, aware; in a repeated hour the first occurrence
    (fold=0). A time in a gap has no instant of its own (it is read with the offset before the
    change): a time someone asks for is refused first (`gap_change`)."""
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0)


def gap_message(day: date, at: time, change: ClockChange) -> str:
    """'Clocks go forward at 02:00 that night: 02:30 does not exist on Sun 28 Mar.'"""
    return (
        f"Clocks go forward at {change.wall_before:%H:%M} that night: "
        f"{at:%H:%M} does not exist on {format_day(day)}."
    )


def fold_note(at: time) -> str:
    """'02:30 is the first 02:30 that night, before clocks go back.' (for a time `fold_change` found)"""
    return f"{at:%H:%M} is the first {at:%H:%M} that night, before clocks go back."


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    # The conversion every local time takes (`local_instant`): its fold=0 on a midnight that does
    # not exist (zones that change at 00:00) lands on the instant the day really starts, which is
    # what a day boundary needs.
    return local_instant(day, time(0), zone).astimezone(UTC)


def _normalise(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _make_date(raw: str, year: int, month: int, day: int) -> date:
    try:
        made = date(year, month, day)
    except ValueError:
        raise DateInputError(raw) from None
    if not MIN_YEAR <= made.year <= MAX_YEAR:
        raise DateInputError(
            raw,
            f"'{raw}' is outside the years I can show ({MIN_YEAR} to {MAX_YEAR}). "
            f"Try a date like {EXAMPLE_DATE}.",
        )
    return made


def _next_occurrence(raw: str, today: date, month: int, day: int) -> date:
    # 29 Feb without a year: the next leap year's, within eight years.
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise DateInputError(raw)
