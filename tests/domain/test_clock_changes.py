"""Wall times a clock change skips (a gap) or repeats (a fold), and what the change is."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rosterbot.domain.dates import (
    clock_change_at,
    fold_change,
    fold_note,
    gap_change,
    gap_message,
    local_instant,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SPRING = date(2027, 3, 28)  # Berlin: 02:00 becomes 03:00
AUTUMN = date(2027, 10, 31)  # Berlin: 03:00 becomes 02:00


@pytest.mark.parametrize("at", [time(2, 0), time(2, 10), time(2, 30), time(2, 50), time(2, 59, 59)])
def test_a_time_in_the_spring_gap_is_found_with_its_change(at: time) -> None:
    change = gap_change(SPRING, at, BERLIN)
    assert change is not None and change.forward
    assert change.at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert (change.wall_before, change.wall_after) == (time(2, 0), time(3, 0))
    assert (change.offset_before, change.offset_after) == (timedelta(hours=1), timedelta(hours=2))
    assert fold_change(SPRING, at, BERLIN) is None


@pytest.mark.parametrize(
    ("day", "at"),
    [
        (SPRING, time(1, 59, 59)),
        (SPRING, time(3, 0)),
        (SPRING, time(3, 15)),
        (date(2027, 3, 27), time(2, 30)),
    ],
)
def test_a_time_that_happens_once_is_neither_in_a_gap_nor_a_fold(day: date, at: time) -> None:
    assert clock_change_at(day, at, BERLIN) is None
    assert gap_change(day, at, BERLIN) is None and fold_change(day, at, BERLIN) is None


@pytest.mark.parametrize("at", [time(2, 0), time(2, 30), time(2, 59)])
def test_a_time_in_the_autumn_repeated_hour_is_a_fold(at: time) -> None:
    change = fold_change(AUTUMN, at, BERLIN)
    assert change is not None and not change.forward
    assert change.at == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)
    assert (change.wall_before, change.wall_after) == (time(3, 0), time(2, 0))
    assert gap_change(AUTUMN, at, BERLIN) is None


def test_new_york_springs_forward_at_two() -> None:
    change = gap_change(date(2027, 3, 14), time(2, 30), NEW_YORK)
    assert change is not None
    assert change.at == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert change.wall_before == time(2, 0)
    assert gap_change(date(2027, 3, 14), time(3, 0), NEW_YORK) is None


def test_a_half_hour_change_is_found_to_the_second() -> None:
    # Lord Howe Island goes back half an hour: 02:00 becomes 01:30 on 4 Apr 2027.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    change = fold_change(date(2027, 4, 4), time(1, 45), lord_howe)
    assert change is not None
    assert (change.wall_before, change.wall_after) == (time(2, 0), time(1, 30))
    assert fold_change(date(2027, 4, 4), time(1, 29), lord_howe) is None


def test_a_time_in_utc_never_changes() -> None:
    assert clock_change_at(SPRING, time(2, 30), ZoneInfo("UTC")) is None


def test_a_repeated_time_is_its_first_occurrence() -> None:
    first = local_instant(AUTUMN, time(2, 30), BERLIN)
    assert first.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still summer time
    assert local_instant(AUTUMN, time(3, 0), BERLIN).astimezone(UTC) == datetime(
        2027, 10, 31, 2, 0, tzinfo=UTC
    )


def test_the_sentences_name_the_change() -> None:
    change = gap_change(SPRING, time(2, 30), BERLIN)
    assert change is not None
    assert gap_message(SPRING, time(2, 30), change) == (
        "Clocks go forward at 02:00 that night: 02:30 does not exist on Sun 28 Mar."
    )
    assert fold_note(time(2, 30)) == "02:30 is the first 02:30 that night, before clocks go back."
