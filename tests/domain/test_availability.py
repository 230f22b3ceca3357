import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rosterbot.api.models import BlockedTime, CalendarMember
from rosterbot.domain.availability import DayState, compute_availability
from rosterbot.domain.dates import parse_range

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
FRI = date(2026, 4, 3)
WEEK = parse_range("week", FRI)

SAM = CalendarMember(id=4, first_name="Sam", last_name="Stone")
TARA = CalendarMember(id=5, first_name="Tara", last_name="Singh")
UMAR = CalendarMember(id=6, first_name="Umar", last_name="Sato")
OLIVIA = CalendarMember(id=1, first_name="Olivia", last_name="Owens")
TEAM = [SAM, TARA, UMAR, OLIVIA]
POSITIONS = {4: "Senior Stylist", 5: "Senior Stylist", 6: "Stylist"}

_ids = iter(range(1, 10**9))


def block(
    member: int | None, start: datetime, end: datetime, *, all_day: bool = False, name: str = "Leave"
) -> BlockedTime:
    return BlockedTime(
        id=next(_ids), employee_id=member, name=name, from_date=start, to_date=end, all_day=all_day
    )


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


def test_rows_grouped_by_position_title_then_no_position_last() -> None:
    result = compute_availability(TEAM, [], POSITIONS, WEEK, BERLIN)
    assert [g.position for g in result.groups] == ["Senior Stylist", "Stylist", None]
    assert [r.name for r in result.groups[0].rows] == ["Sam Stone", "Tara Singh"]
    assert result.member_count == 4
    assert result.days == tuple(WEEK)
    assert all(s.state is DayState.AVAILABLE for r in result.rows for s in r.days)
    assert [r.name for r in result.available_on(FRI)] == [
        "Sam Stone",
        "Tara Singh",
        "Umar Sato",
        "Olivia Owens",
    ]
    assert result.out_on(FRI) == []


def test_all_day_multi_day_block_ending_at_midnight_excludes_the_end_day() -> None:
    # Fri 00:00 to Mon 00:00 Berlin: Fri, Sat, Sun out; Monday free.
    blocks = [block(4, local(BERLIN, 2026, 4, 3), local(BERLIN, 2026, 4, 6), all_day=True, name="Holiday")]
    result = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN)
    sam = result.row(4)
    assert sam is not None
    assert [s.state for s in sam.days] == [DayState.OUT] * 3 + [DayState.AVAILABLE] * 4
    assert sam.days[0].reasons == ("Holiday",)
    assert [r.name for r in result.out_on(date(2026, 4, 5))] == ["Sam Stone"]
    assert result.out_on(date(2026, 4, 6)) == []


def test_all_day_block_ending_during_the_last_day_includes_it() -> None:
    blocks = [block(5, local(BERLIN, 2026, 4, 3), local(BERLIN, 2026, 4, 4, 23, 59, 59), all_day=True)]
    tara = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN).row(5)
    assert tara is not None
    assert [s.state for s in tara.days[:3]] == [DayState.OUT, DayState.OUT, DayState.AVAILABLE]


def test_all_day_block_is_placed_on_the_business_days_whatever_zone_it_was_written_in() -> None:
    # Written by someone in New York: Thu 18:00 NY is Fri 00:00 in Berlin.
    blocks = [block(6, local(NEW_YORK, 2026, 4, 2, 18), local(NEW_YORK, 2026, 4, 3, 18), all_day=True)]
    umar = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN).row(6)
    assert umar is not None
    assert [s.state for s in umar.days[:2]] == [DayState.OUT, DayState.AVAILABLE]


def test_all_day_block_started_before_the_range_covers_its_first_days() -> None:
    blocks = [block(4, local(BERLIN, 2026, 3, 30), local(BERLIN, 2026, 4, 5), all_day=True)]
    sam = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN).row(4)
    assert sam is not None
    assert [s.state for s in sam.days] == [DayState.OUT, DayState.OUT] + [DayState.AVAILABLE] * 5


def test_partial_block_shows_local_hours() -> None:
    blocks = [
        block(4, local(BERLIN, 2026, 4, 3, 9), local(BERLIN, 2026, 4, 3, 11), name="Dentist"),
        block(4, local(BERLIN, 2026, 4, 3, 14), local(BERLIN, 2026, 4, 3, 15, 30), name="Training"),
        block(4, local(BERLIN, 2026, 4, 3, 10), local(BERLIN, 2026, 4, 3, 12), name="Call"),
    ]
    result = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN)
    status = result.status(4, FRI)
    assert status is not None
    assert status.state is DayState.PARTIAL
    assert [s.label for s in status.spans] == ["09:00–11:00", "10:00–12:00", "14:00–15:30"]
    assert status.hours_label == "09:00–12:00, 14:00–15:30"
    assert status.reasons == ("Dentist", "Training", "Call")
    # partially blocked still counts as available, and is not out
    assert "Sam Stone" in [r.name for r in result.available_on(FRI)]
    assert [r.name for r in result.partial_on(FRI)] == ["Sam Stone"]
    assert "Sam Stone" not in [r.name for r in result.fully_available_on(FRI)]


def test_block_spanning_midnight_is_split_across_the_two_days() -> None:
    blocks = [block(5, local(BERLIN, 2026, 4, 3, 22), local(BERLIN, 2026, 4, 4, 2), name="Night shift")]
    tara = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN).row(5)
    assert tara is not None
    assert tara.days[0].hours_label == "22:00–24:00"
    assert tara.days[1].hours_label == "00:00–02:00"
    assert tara.days[2].state is DayState.AVAILABLE


def test_partial_block_over_several_days_makes_the_middle_days_out() -> None:
    blocks = [block(6, local(BERLIN, 2026, 4, 3, 9), local(BERLIN, 2026, 4, 5, 17), name="Course")]
    umar = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN).row(6)
    assert umar is not None
    assert [s.state for s in umar.days[:4]] == [
        DayState.PARTIAL,
        DayState.OUT,
        DayState.PARTIAL,
        DayState.AVAILABLE,
    ]
    assert umar.days[0].hours_label == "09:00–24:00"
    assert umar.days[1].reasons == ("Course",)
    assert umar.days[2].hours_label == "00:00–17:00"


def test_partial_blocks_that_together_fill_the_day_are_out() -> None:
    blocks = [
        block(4, local(BERLIN, 2026, 4, 3, 0), local(BERLIN, 2026, 4, 3, 12)),
        block(4, local(BERLIN, 2026, 4, 3, 12), local(BERLIN, 2026, 4, 3, 23, 59, 59)),
    ]
    status = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN).status(4, FRI)
    assert status is not None and status.state is DayState.OUT


def test_dst_spring_forward_keeps_wall_clock_hours_berlin() -> None:
    day = date(2026, 3, 29)  # 02:00 -> 03:00
    blocks = [
        block(4, local(BERLIN, 2026, 3, 29, 9), local(BERLIN, 2026, 3, 29, 17), name="Shift"),
        block(5, local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 30), all_day=True),
        block(6, local(BERLIN, 2026, 3, 28, 20), local(BERLIN, 2026, 3, 29, 4), name="Night"),
    ]
    days = parse_range("week", date(2026, 3, 27))
    result = compute_availability(TEAM, blocks, POSITIONS, days, BERLIN)
    assert result.status(4, day).hours_label == "09:00–17:00"  # type: ignore[union-attr]
    tara = result.row(5)
    assert tara is not None
    assert [s.state for s in tara.days[1:4]] == [DayState.AVAILABLE, DayState.OUT, DayState.AVAILABLE]
    assert result.status(6, date(2026, 3, 28)).hours_label == "20:00–24:00"  # type: ignore[union-attr]
    assert result.status(6, day).hours_label == "00:00–04:00"  # type: ignore[union-attr]


def test_dst_fall_back_keeps_wall_clock_hours_new_york() -> None:
    day = date(2026, 11, 1)  # 02:00 -> 01:00, a 25-hour day
    blocks = [
        block(4, local(NEW_YORK, 2026, 11, 1, 9), local(NEW_YORK, 2026, 11, 1, 17)),
        block(5, local(NEW_YORK, 2026, 11, 1), local(NEW_YORK, 2026, 11, 2), all_day=True),
        # 00:30 to 03:00 wall clock: three and a half real hours.
        block(6, local(NEW_YORK, 2026, 11, 1, 0, 30), local(NEW_YORK, 2026, 11, 1, 3)),
    ]
    days = [date(2026, 10, 31), day, date(2026, 11, 2)]
    result = compute_availability(TEAM, blocks, POSITIONS, days, NEW_YORK)
    assert result.status(4, day).hours_label == "09:00–17:00"  # type: ignore[union-attr]
    tara = result.row(5)
    assert tara is not None
    assert [s.state for s in tara.days] == [DayState.AVAILABLE, DayState.OUT, DayState.AVAILABLE]
    assert result.status(6, day).hours_label == "00:30–03:00"  # type: ignore[union-attr]


def test_blocks_written_in_utc_show_in_the_business_zone() -> None:
    # A requester in Tokyo asked; the API holds UTC; the business is in New York.
    start = datetime(2026, 4, 3, 13, 0, tzinfo=UTC)  # 09:00 EDT, 22:00 JST
    blocks = [block(4, start, start + timedelta(hours=2))]
    result = compute_availability(TEAM, blocks, POSITIONS, WEEK, NEW_YORK)
    assert result.status(4, FRI).hours_label == "09:00–11:00"  # type: ignore[union-attr]


def test_naive_datetimes_are_read_as_utc() -> None:
    blocks = [block(4, datetime(2026, 4, 3, 7), datetime(2026, 4, 3, 8))]
    result = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN)
    assert result.status(4, FRI).hours_label == "09:00–10:00"  # type: ignore[union-attr]


def test_blocks_outside_the_range_or_without_a_known_member_are_ignored() -> None:
    blocks = [
        block(4, local(BERLIN, 2026, 4, 20, 9), local(BERLIN, 2026, 4, 20, 10)),
        block(4, local(BERLIN, 2026, 4, 1), local(BERLIN, 2026, 4, 3), all_day=True),  # ends at Fri 00:00
        block(None, local(BERLIN, 2026, 4, 3), local(BERLIN, 2026, 4, 4), all_day=True),
        block(999, local(BERLIN, 2026, 4, 3), local(BERLIN, 2026, 4, 4), all_day=True),
        block(4, local(BERLIN, 2026, 4, 3, 12), local(BERLIN, 2026, 4, 3, 12)),  # empty
    ]
    result = compute_availability(TEAM, blocks, POSITIONS, WEEK, BERLIN)
    assert all(s.state is DayState.AVAILABLE for r in result.rows for s in r.days)
    assert result.row(999) is None


def test_non_contiguous_days() -> None:
    days = [date(2026, 4, 10), FRI]
    blocks = [block(4, local(BERLIN, 2026, 4, 6, 9), local(BERLIN, 2026, 4, 10, 10))]
    result = compute_availability(TEAM, blocks, POSITIONS, days, BERLIN)
    assert result.days == (FRI, date(2026, 4, 10))
    sam = result.row(4)
    assert sam is not None
    assert sam.days[0].state is DayState.AVAILABLE
    assert sam.days[1].hours_label == "00:00–10:00"
    with pytest.raises(ValueError):
        result.out_on(date(2026, 4, 4))


def test_thousand_members_five_thousand_blocks() -> None:
    rng = random.Random(7)
    members = [CalendarMember(id=i, first_name=f"Member{i:04d}", last_name="X") for i in range(1, 1001)]
    positions = {i: f"Position {i % 12}" for i in range(1, 1001) if i % 10}
    blocks = []
    expected_out_fri = set()
    for _ in range(5000):
        member = rng.randint(1, 1000)
        day = FRI + timedelta(days=rng.randint(-3, 9))
        if rng.random() < 0.3:
            start = local(BERLIN, day.year, day.month, day.day)
            end = start + timedelta(days=rng.randint(1, 3))  # local midnight: the end day is free
            blocks.append(block(member, start, end, all_day=True))
            if start.date() <= FRI < end.date():
                expected_out_fri.add(member)
        else:
            hour = rng.randint(0, 20)
            start = local(BERLIN, day.year, day.month, day.day, hour)
            blocks.append(block(member, start, start + timedelta(hours=rng.randint(1, 3))))
    result = compute_availability(members, blocks, positions, WEEK, BERLIN)
    assert result.member_count == 1000
    assert len(result.groups) == 13
    assert result.groups[-1].position is None and len(result.groups[-1].rows) == 100
    out_fri = {row.member_id for row in result.out_on(FRI)}
    assert out_fri == expected_out_fri
    assert len(result.available_on(FRI)) + len(out_fri) == 1000
