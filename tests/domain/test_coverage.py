from datetime import date, datetime
from zoneinfo import ZoneInfo

from rosterbot.api.models import BlockedTime, CalendarMember
from rosterbot.domain.availability import compute_availability
from rosterbot.domain.coverage import (
    Shortfall,
    describe,
    plural,
    request_shortfalls,
    resolve_minimums,
    shortfalls,
)
from rosterbot.domain.dates import parse_range

BERLIN = ZoneInfo("Europe/Berlin")
FRI = date(2026, 4, 3)
SAT = date(2026, 4, 4)
TEAM = [
    CalendarMember(id=4, first_name="Sam", last_name="Stone"),
    CalendarMember(id=5, first_name="Tara", last_name="Singh"),
    CalendarMember(id=6, first_name="Umar", last_name="Sato"),
    CalendarMember(id=7, first_name="Vera", last_name="Silva"),
    CalendarMember(id=8, first_name="Will", last_name="Shaw"),
]
POSITIONS = {4: "Senior Stylist", 5: "Senior Stylist", 6: "Stylist", 7: "Stylist", 8: "Colorist"}
TITLES = {42: "Senior Stylist", 43: "Stylist", 44: "Colorist"}


def off(member: int, day: date, *, hours: tuple[int, int] | None = None) -> BlockedTime:
    if hours is None:
        start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
        end = datetime(day.year, day.month, day.day + 1, tzinfo=BERLIN)
        return BlockedTime(
            id=member * 100 + day.day,
            employee_id=member,
            name="Off",
            from_date=start,
            to_date=end,
            all_day=True,
        )
    start = datetime(day.year, day.month, day.day, hours[0], tzinfo=BERLIN)
    end = datetime(day.year, day.month, day.day, hours[1], tzinfo=BERLIN)
    return BlockedTime(
        id=member * 1000 + day.day, employee_id=member, name="Dentist", from_date=start, to_date=end
    )


def availability(blocks: list[BlockedTime]):  # type: ignore[no-untyped-def]
    return compute_availability(TEAM, blocks, POSITIONS, parse_range("week", FRI), BERLIN, TITLES)


def test_shortfall_sentences() -> None:
    assert (
        Shortfall("Senior Stylist", FRI, 1, 2).sentence
        == "only 1 Senior Stylist left on Fri 3 Apr (minimum 2)"
    )
    assert (
        Shortfall("Senior Stylist", FRI, 0, 2).sentence == "no Senior Stylist left on Fri 3 Apr (minimum 2)"
    )
    assert Shortfall("Stylist", SAT, 2, 3).sentence == "only 2 Stylists left on Sat 4 Apr (minimum 3)"
    assert Shortfall("Stylist", SAT, 2, 3).missing == 1
    assert plural("Coach") == "Coaches" and plural("Secretary") == "Secretaries" and plural("Day") == "Days"


def test_minimums_by_id_digit_string_or_title() -> None:
    assert resolve_minimums({"42": 2, 43: 1, "Colorist": 1, "99": 1, "Stylist": 0}, TITLES) == {
        "Senior Stylist": 2,
        "Stylist": 1,
        "Colorist": 1,
    }  # 99: a position removed since, whose minimum no longer counts


def test_shortfalls_per_day_and_position() -> None:
    result = availability([off(4, FRI), off(6, SAT), off(7, SAT), off(5, SAT, hours=(9, 12))])
    found = shortfalls(result, {"42": 2, "43": 1})
    # Sat: Tara is only partly out, so two Senior Stylists would be fine; both Stylists are out.
    assert found == [
        Shortfall("Senior Stylist", FRI, 1, 2),
        Shortfall("Stylist", SAT, 0, 1),
    ]
    assert describe(found) == (
        "only 1 Senior Stylist left on Fri 3 Apr (minimum 2); no Stylist left on Sat 4 Apr (minimum 1)"
    )


def test_no_minimums_no_shortfalls() -> None:
    assert shortfalls(availability([off(4, FRI)]), {}) == []


def test_position_nobody_holds_is_short_every_day() -> None:
    found = shortfalls(availability([]), {"Manager": 1})
    assert len(found) == 7 and {f.available for f in found} == {0}


def test_request_would_cause_a_shortfall() -> None:
    result = availability([off(4, SAT)])
    found = request_shortfalls(result, {42: 2}, 5, [FRI, SAT, date(2026, 4, 20)])
    assert [f.sentence for f in found] == [
        "only 1 Senior Stylist left on Fri 3 Apr (minimum 2)",
        "no Senior Stylist left on Sat 4 Apr (minimum 2)",
    ]


def test_request_causes_nothing_when_already_out_or_no_minimum_or_no_position() -> None:
    result = availability([off(5, FRI)])
    assert request_shortfalls(result, {42: 1}, 5, [FRI]) == []  # already out that day
    assert request_shortfalls(result, {42: 1}, 4, [SAT]) == []  # Tara is still there
    assert request_shortfalls(result, {43: 5}, 8, [FRI]) == []  # no minimum for Colorist
    assert request_shortfalls(result, {42: 1}, 999, [FRI]) == []  # unknown member
