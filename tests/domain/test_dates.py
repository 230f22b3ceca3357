from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rosterbot.domain.dates import (
    DateInputError,
    day_bounds_utc,
    format_day,
    format_days,
    format_minute_range,
    format_time_range,
    local_today,
    parse_date,
    parse_range,
    range_bounds_utc,
)

FRI = date(2026, 4, 3)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_range_words() -> None:
    assert parse_range("", FRI) == [FRI]
    assert parse_range(" Today ", FRI) == [FRI]
    assert parse_range("tomorrow", FRI) == [date(2026, 4, 4)]
    # week: the rolling seven days from today, across the weekend into next week
    assert parse_range("week", FRI) == [FRI + timedelta(days=n) for n in range(7)]
    assert parse_range("2026-04-10", FRI) == [date(2026, 4, 10)]


def test_bad_month_gives_the_user_message() -> None:
    with pytest.raises(DateInputError) as caught:
        parse_range("2026-13-01", FRI)
    assert caught.value.user_message == (
        "I couldn't read '2026-13-01' as a date. Try today, tomorrow, week or a date like 2026-04-03."
    )


@pytest.mark.parametrize("text", ["next tuesday", "2026-02-30", "32 Apr", "someday", "3 Foo", "2026-4"])
def test_unreadable(text: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_range(text, FRI)
    assert f"'{text}'" in caught.value.user_message


@pytest.mark.parametrize(
    "text", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01", "1 Jan 9999", "Dec 31, 3000"]
)
def test_a_date_outside_the_years_shown_is_refused_plainly(text: str) -> None:
    """9999-12-31 overflowed a datetime on its way to UTC (found by fuzzing `/availability`)."""
    with pytest.raises(DateInputError) as caught:
        parse_range(text, FRI)
    assert caught.value.user_message == (
        f"'{text}' is outside the years I can show (1900 to 2999). Try a date like 2026-04-03."
    )


@pytest.mark.parametrize("text", ["1900-01-01", "2999-12-31"])
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_first_and_last_dates_shown_have_utc_bounds_in_every_zone(text: str, zone: str) -> None:
    days = parse_range(text, FRI)
    start, end = range_bounds_utc(days, ZoneInfo(zone))
    assert end - start == timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-03", date(2026, 4, 3)),
        ("2026/4/3", date(2026, 4, 3)),
        ("3 Apr 2026", date(2026, 4, 3)),
        ("Fri 3 Apr 2026", date(2026, 4, 3)),
        ("friday, april 3, 2026", date(2026, 4, 3)),
        ("3rd of April 2026", date(2026, 4, 3)),
        ("Apr 3", date(2026, 4, 3)),
        ("3 Apr", date(2026, 4, 3)),
        ("2 Apr", date(2027, 4, 2)),  # already past this year: next year's
        ("Sept 1", date(2026, 9, 1)),
        ("today", FRI),
        ("tomorrow", date(2026, 4, 4)),
    ],
)
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text, today=FRI) == expected


def test_wrong_weekday_is_an_error_not_a_guess() -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date("Mon 3 Apr 2026")
    assert caught.value.user_message.startswith("Fri 3 Apr 2026 is a Friday, not a Monday.")


def test_no_year_without_today_is_an_error() -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date("3 Apr")
    assert "Which year" in caught.value.user_message


def test_leap_day_without_year_is_the_next_leap_year() -> None:
    assert parse_date("29 Feb", today=FRI) == date(2028, 2, 29)


def test_day_bounds_on_spring_forward_is_23_hours() -> None:
    start, end = day_bounds_utc(date(2026, 3, 29), BERLIN)
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=23)


def test_day_bounds_on_fall_back_is_25_hours() -> None:
    start, end = day_bounds_utc(date(2026, 11, 1), NEW_YORK)
    assert start == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=25)


def test_day_that_starts_in_a_gap_begins_at_the_transition() -> None:
    # Santiago springs forward at local midnight: 2026-09-06 00:00 does not exist.
    santiago = ZoneInfo("America/Santiago")
    start, end = day_bounds_utc(date(2026, 9, 6), santiago)
    assert start.astimezone(santiago).hour == 1
    assert end - start == timedelta(hours=23)


def test_range_bounds() -> None:
    days = [date(2026, 4, 5), date(2026, 4, 3)]
    assert range_bounds_utc(days, BERLIN) == (
        datetime(2026, 4, 2, 22, 0, tzinfo=UTC),
        datetime(2026, 4, 5, 22, 0, tzinfo=UTC),
    )
    with pytest.raises(ValueError):
        range_bounds_utc([], BERLIN)


def test_local_today_differs_from_utc_date() -> None:
    now = datetime(2026, 4, 3, 23, 30, tzinfo=UTC)
    assert local_today(BERLIN, now) == date(2026, 4, 4)
    assert local_today(NEW_YORK, now) == date(2026, 4, 3)


def test_formats() -> None:
    assert format_day(FRI) == "Fri 3 Apr"
    assert format_days([FRI]) == "Fri 3 Apr"
    assert format_days([date(2026, 4, 9), FRI]) == "Fri 3 Apr – Thu 9 Apr"
    assert format_time_range(time(9), time(11)) == "09:00–11:00"
    assert format_minute_range(540, 1440) == "09:00–24:00"
