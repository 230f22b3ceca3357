"""Counting leave: working days only (not weekends, public holidays or the business's closed days),
part days by their hours in half-day or hour steps, each leave year its own days, the clock change
days of the business's zone, and carry-over with its cap. Fixed dates: the counting is pure."""

from __future__ import annotations

from datetime import date, time
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from rosterbot.domain.leave import (
    LeaveCalendar,
    LeavePolicy,
    LeaveYear,
    Step,
    Used,
    WorkingTime,
    by_leave_year,
    carried_over,
    count_days,
    format_amount,
    holiday_region_error,
    public_holidays,
    split_used,
    weekdays_text,
)

BERLIN = ZoneInfo("Europe/Berlin")
MON_FRI = WorkingTime(frozenset({0, 1, 2, 3, 4}), time(9), time(18))
TUE_SAT = WorkingTime(frozenset({1, 2, 3, 4, 5}), time(9), time(18))
EVERY_DAY = frozenset(range(7))


def total(counted: dict[date, Fraction]) -> Fraction:
    return sum(counted.values(), Fraction(0))


def test_a_weekend_counts_nothing() -> None:
    # Fri 4 Dec 2026 to Mon 7 Dec: Friday and Monday
    counted = count_days(LeaveCalendar(MON_FRI), date(2026, 12, 4), date(2026, 12, 7), zone=BERLIN)
    assert counted == {date(2026, 12, 4): 1, date(2026, 12, 7): 1}


def test_a_public_holiday_counts_nothing() -> None:
    holidays = public_holidays("DE", "BE", date(2026, 12, 1), date(2026, 12, 31))
    assert holidays[date(2026, 12, 25)] == "Christmas Day"
    calendar = LeaveCalendar(MON_FRI, holidays)
    # Mon 21 Dec to Fri 25 Dec: Christmas Day is Friday
    counted = count_days(calendar, date(2026, 12, 21), date(2026, 12, 25), zone=BERLIN)
    assert total(counted) == 4 and date(2026, 12, 25) not in counted
    assert calendar.day_off(date(2026, 12, 25)) == "🎉 Christmas Day"
    assert calendar.day_off(date(2026, 12, 24)) is None


def test_the_business_s_own_week_and_closed_days() -> None:
    # A salon open Tuesday to Saturday, closed on Wed 9 Dec for a stocktake: Mon 7 to Sun 13 Dec
    calendar = LeaveCalendar(TUE_SAT, closed={date(2026, 12, 9): "Stocktake"})
    counted = count_days(calendar, date(2026, 12, 7), date(2026, 12, 13), zone=BERLIN)
    assert sorted(counted) == [date(2026, 12, 8), date(2026, 12, 10), date(2026, 12, 11), date(2026, 12, 12)]
    assert calendar.day_off(date(2026, 12, 9)) == "🚪 Closed: Stocktake"
    assert weekdays_text(TUE_SAT.weekdays) == "Tue–Sat"


def test_a_request_over_the_year_s_end_counts_in_each_year() -> None:
    holidays = public_holidays("DE", None, date(2026, 12, 1), date(2027, 1, 31))
    calendar = LeaveCalendar(MON_FRI, holidays)
    # Mon 28 Dec 2026 to Tue 5 Jan 2027: 28–31 Dec, then New Year's Day off, then 4 and 5 Jan
    counted = count_days(calendar, date(2026, 12, 28), date(2027, 1, 5), zone=BERLIN)
    assert by_leave_year(counted, LeaveYear(1)) == {2026: 4, 2027: 2}


def test_a_leave_year_starting_in_april() -> None:
    year = LeaveYear(4)
    assert (year.of(date(2027, 3, 31)), year.of(date(2027, 4, 1))) == (2026, 2027)
    assert (year.first_day(2026), year.last_day(2026)) == (date(2026, 4, 1), date(2027, 3, 31))
    assert year.name(2026) == "2026/27" and LeaveYear(1).name(2026) == "2026"
    # Mon 29 Mar to Fri 2 Apr 2027 (no holidays): 3 days in 2026/27, 2 in 2027/28
    counted = count_days(LeaveCalendar(MON_FRI), date(2027, 3, 29), date(2027, 4, 2), zone=BERLIN)
    assert by_leave_year(counted, year) == {2026: 3, 2027: 2}


@pytest.mark.parametrize(
    ("start", "end", "step", "expected"),
    [
        (time(9), time(13), Step.HALF_DAY, Fraction(1, 2)),  # 4 of 9 hours: half a day
        (time(9), time(14), Step.HALF_DAY, Fraction(1)),  # 5 of 9: more than half, a whole day
        (time(13, 30), time(18), Step.HALF_DAY, Fraction(1, 2)),  # exactly half
        (time(9), time(11, 30), Step.HOUR, Fraction(3, 9)),  # 2.5 hours: 3 of 9
        (time(7), time(10), Step.HOUR, Fraction(1, 9)),  # only the working hours count
        (time(18), time(20), Step.HOUR, Fraction(0)),  # after work: nothing
    ],
)
def test_a_part_day_counts_its_working_hours_in_steps(
    start: time, end: time, step: Step, expected: Fraction
) -> None:
    calendar = LeaveCalendar(WorkingTime(MON_FRI.weekdays, time(9), time(18), step))
    counted = count_days(
        calendar, date(2026, 12, 8), date(2026, 12, 8), zone=BERLIN, start_time=start, end_time=end
    )
    assert total(counted) == expected


def test_a_part_day_over_several_days() -> None:
    # Mon 7 Dec 14:00 to Wed 9 Dec 12:00: Monday 4 of 9 hours (a half), Tuesday whole, Wednesday 3 (a half)
    calendar = LeaveCalendar(MON_FRI)
    counted = count_days(
        calendar, date(2026, 12, 7), date(2026, 12, 9), zone=BERLIN, start_time=time(14), end_time=time(12)
    )
    assert counted == {
        date(2026, 12, 7): Fraction(1, 2),
        date(2026, 12, 8): 1,
        date(2026, 12, 9): Fraction(1, 2),
    }


def test_clock_change_days_count_one_day_each() -> None:
    # A business open every day: Sat 28 to Mon 30 Mar 2026 (clocks go forward on Sunday) and
    # Sat 24 to Mon 26 Oct 2026 (back on Sunday): a 23- and a 25-hour day are one day each.
    calendar = LeaveCalendar(WorkingTime(EVERY_DAY, time(9), time(18)))
    assert total(count_days(calendar, date(2026, 3, 28), date(2026, 3, 30), zone=BERLIN)) == 3
    assert total(count_days(calendar, date(2026, 10, 24), date(2026, 10, 26), zone=BERLIN)) == 3


def test_clock_change_days_count_the_hours_that_pass() -> None:
    # A night business, open 00:00–12:00 every day, counting hours. 01:00–04:00 is two hours when
    # the clocks go forward at 02:00, and four when they go back at 03:00.
    night = LeaveCalendar(WorkingTime(EVERY_DAY, time(0), time(12), Step.HOUR))
    spring = count_days(
        night, date(2026, 3, 29), date(2026, 3, 29), zone=BERLIN, start_time=time(1), end_time=time(4)
    )
    autumn = count_days(
        night, date(2026, 10, 25), date(2026, 10, 25), zone=BERLIN, start_time=time(1), end_time=time(4)
    )
    assert total(spring) == Fraction(2, 12)
    assert total(autumn) == Fraction(4, 12)
    # The same hours on an ordinary day: three
    ordinary = count_days(
        night, date(2026, 3, 22), date(2026, 3, 22), zone=BERLIN, start_time=time(1), end_time=time(4)
    )
    assert total(ordinary) == Fraction(3, 12)
    # Half days measure against that day's real working hours: 6 of the 11 hours of the spring day
    halves = LeaveCalendar(WorkingTime(EVERY_DAY, time(0), time(12)))
    morning = count_days(
        halves, date(2026, 3, 29), date(2026, 3, 29), zone=BERLIN, start_time=time(0), end_time=time(7)
    )
    assert total(morning) == 1  # 6 real hours of 11: more than half


def test_carry_over_is_capped_and_starts_with_the_first_year() -> None:
    allowance = {2025: Fraction(20), 2026: Fraction(20), 2027: Fraction(20)}
    # 2025: 12 approved, 8 unused, capped at 5. 2026: 23 approved of 20 + 5: 2 carried.
    approved = {2025: Fraction(12), 2026: Fraction(23)}
    kwargs = {"allowance": allowance, "approved": approved, "cap": Fraction(5)}
    assert carried_over(2025, first_year=2025, **kwargs) == 0
    assert carried_over(2026, first_year=2025, **kwargs) == 5
    assert carried_over(2027, first_year=2025, **kwargs) == 2
    # From 2026 on only (2025 before the business kept leave): 2026's 23 overdraw its 20, nothing left
    assert carried_over(2027, first_year=2026, **kwargs) == 0
    assert carried_over(2026, first_year=2025, **{**kwargs, "cap": Fraction(0)}) == 0
    overdrawn = {**kwargs, "approved": {2025: Fraction(25)}}
    assert carried_over(2026, first_year=2025, **overdrawn) == 0  # never negative


def test_approved_days_before_today_are_taken_the_rest_booked() -> None:
    counted = {
        date(2026, 12, 7): Fraction(1),
        date(2026, 12, 8): Fraction(1, 2),
        date(2026, 12, 9): Fraction(1),
    }
    assert split_used(counted, approved=True, today=date(2026, 12, 8)) == Used(taken=1, booked=Fraction(3, 2))
    assert split_used(counted, approved=False, today=date(2026, 12, 8)) == Used(pending=Fraction(5, 2))


def test_policy_and_regions() -> None:
    policy = LeavePolicy(holiday_country="GB", holiday_subdivision="SCT")
    assert policy.region == "GB-SCT"
    assert date(2027, 1, 4) in policy.holidays(date(2027, 1, 1), date(2027, 1, 31))  # 2 January, observed
    assert holiday_region_error("DE", "BE") is None
    assert holiday_region_error(None, None) is None
    assert "Unknown country code 'XX'" in (holiday_region_error("XX", None) or "")
    assert "no subdivision 'ZZ'" in (holiday_region_error("DE", "ZZ") or "")
    assert LeavePolicy().holidays(date(2026, 12, 1), date(2026, 12, 31)) == {}  # no country: none


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Fraction(3), "3 days"),
        (Fraction(1), "1 day"),
        (Fraction(5, 2), "2.5 days"),
        (Fraction(1, 3), "0.33 days"),
    ],
)
def test_amounts_read_as_days(amount: Fraction, text: str) -> None:
    assert format_amount(amount) == text
