"""Leave: the leave year, the working week and hours, public holidays and closed days, and how many
days a request uses of an allowance. Pure: the `holidays` library is data, no I/O.

Every day here is a local date of the business's time zone. A whole day off counts one day on each
working day it covers: a day outside the working week, a public holiday and one of the business's
closed days count nothing. A part day counts the time off within that day's working hours, as real
elapsed time (so the hour a clock change skips is not counted, and the one it repeats is), rounded
up to the business's step: half days, or whole hours of the working day's nominal length.

Amounts are `Fraction`s of a day: exact, so a report's totals match the balances to the last hour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, time, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from rosterbot.domain.dates import format_day, local_instant

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MAX_ALLOWANCE = 366
HOLIDAY_MARK = "🎉"
CLOSED_MARK = "🚪"


class Step(StrEnum):
    """How a part day is rounded up: to half a day, or to a whole hour."""

    HALF_DAY = "half_day"
    HOUR = "hour"


class BelowZero(StrEnum):
    """What happens to a request that would take a balance below zero."""

    REFUSE = "refuse"
    WARN = "warn"


@dataclass(frozen=True)
class WorkingTime:
    """The business's working week (weekday numbers, Monday 0) and working hours (local wall clock)."""

    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    starts: time = time(9, 0)
    ends: time = time(17, 0)
    step: Step = Step.HALF_DAY

    @property
    def nominal_hours(self) -> Fraction:
        """The working day's length on the wall clock (on a clock change day the real one differs)."""
        minutes = (self.ends.hour * 60 + self.ends.minute) - (self.starts.hour * 60 + self.starts.minute)
        return Fraction(minutes, 60)

    def describe(self) -> str:
        """'Tue–Sat, 09:00–18:00'."""
        return f"{weekdays_text(self.weekdays)}, {self.starts:%H:%M}–{self.ends:%H:%M}"


def weekdays_text(weekdays: Iterable[int]) -> str:
    """'Mon–Fri', 'Tue–Sat', 'Mon, Wed, Fri'."""
    days = sorted(set(weekdays))
    if not days:
        return "no working days"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAY_NAMES[days[0]][:3]}–{WEEKDAY_NAMES[days[-1]][:3]}"
    return ", ".join(WEEKDAY_NAMES[d][:3] for d in days)


@dataclass(frozen=True)
class LeaveYear:
    """A leave year starts on the first of `start_month`; it is named by the calendar year it starts in."""

    start_month: int = 1

    def of(self, day: date) -> int:
        return day.year if day.month >= self.start_month else day.year - 1

    def first_day(self, year: int) -> date:
        return date(year, self.start_month, 1)

    def last_day(self, year: int) -> date:
        return self.first_day(year + 1) - timedelta(days=1)

    def name(self, year: int) -> str:
        """'2026', or '2026/27' for a year that does not start in January."""
        return str(year) if self.start_month == 1 else f"{year}/{(year + 1) % 100:02d}"


# -- public holidays -------------------------------------------------------------------------------


@cache
def _countries() -> Mapping[str, tuple[str, ...]]:
    import holidays as holiday_data  # here: 11 MiB and 60 ms, for a business with a country set

    return MappingProxyType(
        {code: tuple(subs) for code, subs in holiday_data.list_supported_countries().items()}
    )


def holiday_region_error(country: str | None, subdivision: str | None) -> str | None:
    """Why (country, subdivision) names no region the holidays library knows; None when it does
    (or when no country is set: no public holidays)."""
    if not country:
        return "Choose a country before a subdivision." if subdivision else None
    subdivisions = _countries().get(country)
    if subdivisions is None:
        return f"Unknown country code '{country[:8]}'. Use a two-letter code like DE, GB or US."
    if subdivision and subdivision not in subdivisions:
        known = ", ".join(subdivisions[:12]) + (", …" if len(subdivisions) > 12 else "")
        return f"{country} has no subdivision '{subdivision[:8]}'. Known: {known}."
    return None


@cache
def _holidays_of(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    import holidays as holiday_data  # here: 11 MiB and 60 ms, for a business with a country set

    found = holiday_data.country_holidays(country, subdiv=subdivision or None, years=year, language="en_US")
    return MappingProxyType({day: str(name) for day, name in sorted(found.items())})


def public_holidays(country: str | None, subdivision: str | None, first: date, last: date) -> dict[date, str]:
    """The public holidays of the region from `first` to `last` inclusive, by day ("Christmas Day";
    several on one day joined with '; '). No country: none."""
    if not country or holiday_region_error(country, subdivision):
        return {}
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holidays_of(country, subdivision, year).items():
            if first <= day <= last:
                found[day] = name
    return found


# -- the calendar a count reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveCalendar:
    """What a count needs to know of the days: the working time, the public holidays and the
    business's closed days (day -> name) of the days it covers."""

    working: WorkingTime = field(default_factory=WorkingTime)
    holidays: Mapping[date, str] = field(default_factory=dict)
    closed: Mapping[date, str] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working.weekdays and day not in self.holidays and day not in self.closed

    def day_off(self, day: date) -> str | None:
        """Why nobody works on `day`, for people ('🎉 Christmas Day', '🚪 Closed: Stocktake'); None
        on a working day. A day outside the working week says so only when asked by `closed_note`."""
        if day in self.holidays:
            return f"{HOLIDAY_MARK} {self.holidays[day]}"
        if day in self.closed:
            name = self.closed[day]
            return f"{CLOSED_MARK} Closed: {name}" if name else f"{CLOSED_MARK} Closed"
        return None


def days_between(first: date, last: date) -> Iterator[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _elapsed(day: date, start: time, end: time, zone: ZoneInfo) -> timedelta:
    """Real time from the wall time `start` to `end` on `day` in `zone`, across a clock change too
    (compared in UTC: Python subtracts two times of one zone by their wall clocks)."""
    return local_instant(day, end, zone).astimezone(UTC) - local_instant(day, start, zone).astimezone(UTC)


def _part(day: date, start: time | None, end: time | None, working: WorkingTime, zone: ZoneInfo) -> Fraction:
    """The share of `day`'s working hours off from `start` to `end` (None: the day's own bounds),
    rounded up to the step."""
    begin = max(start or working.starts, working.starts)
    finish = min(end or working.ends, working.ends)
    if finish <= begin:
        return Fraction(0)
    off = _elapsed(day, begin, finish, zone)
    if working.step is Step.HOUR:
        hours = math.ceil(off / timedelta(hours=1) - 1e-9)
        return min(Fraction(1), Fraction(hours) / working.nominal_hours)
    length = _elapsed(day, working.starts, working.ends, zone)
    halves = math.ceil(2 * off / length - 1e-9)
    return min(Fraction(1), Fraction(halves, 2))


def count_days(
    calendar: LeaveCalendar,
    starts_on: date,
    ends_on: date,
    *,
    zone: ZoneInfo,
    start_time: time | None = None,
    end_time: time | None = None,
) -> dict[date, Fraction]:
    """Each working day of the period and the share of it off: 1 for a whole day, less for a part
    day (from `start_time` on the first day to `end_time` on the last). Non-working days are absent."""
    counted: dict[date, Fraction] = {}
    part = start_time is not None and end_time is not None
    for day in days_between(starts_on, ends_on):
        if not calendar.is_working_day(day):
            continue
        if not part:
            counted[day] = Fraction(1)
            continue
        share = _part(
            day,
            start_time if day == starts_on else None,
            end_time if day == ends_on else None,
            calendar.working,
            zone,
        )
        if share:
            counted[day] = share
    return counted


def by_leave_year(counted: Mapping[date, Fraction], year: LeaveYear) -> dict[int, Fraction]:
    """Days counted, added up per leave year (a request over the year's end counts in each)."""
    totals: dict[int, Fraction] = {}
    for day, share in counted.items():
        totals[year.of(day)] = totals.get(year.of(day), Fraction(0)) + share
    return totals


# -- allowances --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Used:
    """Days of one leave year used: taken (approved, before today), booked (approved, today on),
    pending (waiting for a decision)."""

    taken: Fraction = Fraction(0)
    booked: Fraction = Fraction(0)
    pending: Fraction = Fraction(0)

    def __add__(self, other: Used) -> Used:
        return Used(self.taken + other.taken, self.booked + other.booked, self.pending + other.pending)

    @property
    def approved(self) -> Fraction:
        return self.taken + self.booked

    @property
    def total(self) -> Fraction:
        return self.taken + self.booked + self.pending


def split_used(counted: Mapping[date, Fraction], *, approved: bool, today: date) -> Used:
    """One request's counted days as taken, booked or pending."""
    if not approved:
        return Used(pending=sum(counted.values(), Fraction(0)))
    taken = sum((share for day, share in counted.items() if day < today), Fraction(0))
    booked = sum((share for day, share in counted.items() if day >= today), Fraction(0))
    return Used(taken=taken, booked=booked)


def carried_over(
    year: int,
    *,
    allowance: Mapping[int, Fraction],
    approved: Mapping[int, Fraction],
    cap: Fraction,
    first_year: int,
) -> Fraction:
    """Days carried into leave `year`: the previous year's unused days (its allowance and its own
    carry-over, less what was approved in it), at most `cap`. Nothing is carried from a year before
    `first_year` (the first the business kept allowances in)."""
    carried = Fraction(0)
    if cap <= 0:
        return carried
    for source in range(first_year, year):
        unused = allowance.get(source, Fraction(0)) + carried - approved.get(source, Fraction(0))
        carried = min(cap, max(Fraction(0), unused))
    return carried


@dataclass(frozen=True)
class Remaining:
    """A leave year's allowance and what is left of it."""

    allowance: Fraction
    carried_over: Fraction
    used: Used

    @property
    def remaining(self) -> Fraction:
        """What may still be asked for: pending requests hold their days too."""
        return self.allowance + self.carried_over - self.used.total


def format_amount(days: Fraction) -> str:
    """'3 days', '1 day', '2.5 days', '0.25 days', '-1.5 days'."""
    exact = days.denominator == 1
    number = str(days.numerator) if exact else f"{float(days):.2f}".rstrip("0").rstrip(".")
    return f"{number} day" if abs(days) == 1 else f"{number} days"


def format_number(days: Fraction) -> str:
    """The amount alone, for a table or a CSV cell: '3', '2.5', '0.33'."""
    return format_amount(days).split(" ")[0]


# -- a business's policy -------------------------------------------------------------------------------

DEFAULT_ALLOWANCE = Fraction(20)


@dataclass(frozen=True)
class LeavePolicy:
    """A workspace's leave settings, defaults filled in."""

    allowance: Fraction = DEFAULT_ALLOWANCE
    carry_over_cap: Fraction = Fraction(0)  # 0: nothing carried over
    year: LeaveYear = field(default_factory=LeaveYear)
    working: WorkingTime = field(default_factory=WorkingTime)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    below_zero: BelowZero = BelowZero.WARN
    first_year: int | None = None  # the first leave year kept: carry-over counts from there

    def holidays(self, first: date, last: date) -> dict[date, str]:
        return public_holidays(self.holiday_country, self.holiday_subdivision, first, last)

    def calendar(self, first: date, last: date, closed: Mapping[date, str]) -> LeaveCalendar:
        """The calendar of the days from `first` to `last`, with the business's `closed` days."""
        return LeaveCalendar(self.working, self.holidays(first, last), dict(closed))

    @property
    def region(self) -> str:
        """'DE-BE', 'GB', or '' (no public holidays)."""
        if not self.holiday_country:
            return ""
        return "-".join(p for p in (self.holiday_country, self.holiday_subdivision) if p)


# -- what a request uses ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveTypeView:
    id: int
    name: str
    emoji: str  # ':palm_tree:' or ''
    counts: bool
    needs_approval: bool
    reason_private: bool

    @property
    def label(self) -> str:
        """':palm_tree: Vacation'."""
        return f"{self.emoji} {self.name}".strip()


@dataclass(frozen=True)
class YearUse:
    """What a request uses of one leave year: `days` of it, `remaining` before it (the balance)."""

    year: int
    year_name: str
    days: Fraction
    remaining: Fraction

    @property
    def after(self) -> Fraction:
        return self.remaining - self.days


@dataclass(frozen=True)
class RequestUse:
    """What a request of `leave_type` uses: working days off per leave year (`years`; empty when the
    type does not count), and the days it covers that are not working days (holidays, closed)."""

    leave_type: LeaveTypeView
    days: Fraction  # working days off, counted or not
    years: tuple[YearUse, ...] = ()
    days_off: Mapping[date, str] = field(default_factory=dict)  # day -> '🎉 Christmas Day'
    below_zero: BelowZero = BelowZero.WARN

    @property
    def goes_below_zero(self) -> bool:
        return any(use.after < 0 for use in self.years)

    def sentence(self, whose: str = "your") -> str:
        """'Uses 3 of your 12 remaining days (2026): 9 left after it.' ('Sam's' for an approver);
        for a type that does not count, how many working days it is."""
        if not self.leave_type.counts:
            return f"{format_amount(self.days)} of {self.leave_type.name}: not counted against the allowance."
        if not self.years:
            return "Uses none of the allowance: every day of it is a day off."
        parts = [
            f"{format_number(use.days)} of {whose} {format_number(use.remaining)} remaining "
            f"{'day' if use.remaining == 1 else 'days'} ({use.year_name})"
            for use in self.years
        ]
        after = ", ".join(f"{format_amount(use.after)} ({use.year_name})" for use in self.years)
        if len(self.years) == 1:
            after = format_amount(self.years[0].after)
        return f"Uses {' and '.join(parts)}: {after} left after it."

    def shortfall(self) -> str:
        """'That is 2 days more than remain (2027).' when it goes below zero, else ''."""
        short = [use for use in self.years if use.after < 0]
        return " ".join(
            f"That is {format_amount(-use.after)} more than remain ({use.year_name})." for use in short
        )

    def days_off_text(self) -> str:
        """'Not counted: Fri 25 Dec 🎉 Christmas Day.' for the holidays and closed days it covers."""
        if not self.days_off:
            return ""
        shown = ", ".join(f"{format_day(day)} {why}" for day, why in sorted(self.days_off.items()))
        return f"Not counted: {shown}."
