"""AvailabilityService against a fake business API that counts calls, and the test database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.models import BlockedTime, CalendarMember, Position
from rosterbot.domain.availability import DayState
from rosterbot.domain.roles import Actor, Role
from rosterbot.services.availability import AvailabilityService
from rosterbot.services.errors import InvalidRequest, NotLinked
from rosterbot.store import positions as position_store
from rosterbot.store import workspace
from rosterbot.store.db import session_scope

from .emulated import World

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
FRI = date(2026, 4, 3)
STAFF = Actor("T0DEMO", "U0STAFF01", member_id=4, role=Role.STAFF, name="Sam Stone")
UNLINKED = Actor("T0DEMO", "U0GUEST01")
POSITIONS = [Position(id=42, title="Senior Stylist"), Position(id=43, title="Stylist")]


class FakeApi:
    def __init__(self, members: list[CalendarMember], blocks: list[BlockedTime]) -> None:
        self.members = members
        self.blocks = blocks
        self.calls: Counter[str] = Counter()
        self.ranges: list[tuple[datetime, datetime]] = []

    def calendar_team(self) -> list[CalendarMember]:
        self.calls["calendar_team"] += 1
        return list(self.members)

    def list_blocked_times(self, start: datetime, end: datetime) -> list[BlockedTime]:
        self.calls["list_blocked_times"] += 1
        self.ranges.append((start, end))
        return [b for b in self.blocks if b.from_date < end and b.to_date > start]

    def list_positions(self) -> list[Position]:
        self.calls["list_positions"] += 1
        return list(POSITIONS)

    def total(self) -> int:
        return sum(self.calls.values())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def team(n: int) -> list[CalendarMember]:
    return [CalendarMember(id=i, first_name=f"Member{i:03d}", last_name="Test") for i in range(1, n + 1)]


def block(member: int, start: datetime, end: datetime, all_day: bool = False) -> BlockedTime:
    return BlockedTime(
        id=member * 1000 + start.day,
        employee_id=member,
        name="Off",
        from_date=start,
        to_date=end,
        all_day=all_day,
    )


def assign(sessions: sessionmaker[Session], member_position: dict[int, int]) -> None:
    with session_scope(sessions) as session:
        for member_id, position_id in member_position.items():
            position_store.assign(session, member_id, position_id, assigned_by="U0OWNER01")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_unlinked_actor_is_refused_before_any_api_call(session_factory: sessionmaker[Session]) -> None:
    api = FakeApi(team(3), [])
    service = AvailabilityService(api, session_factory, BERLIN)
    with pytest.raises(NotLinked) as caught:
        service.week(UNLINKED, FRI, 7)
    assert "not linked" in caught.value.message
    with pytest.raises(NotLinked):
        service.for_dates(Actor("T0DEMO", "U0X", member_id=None, role=Role.OWNER), [FRI])
    assert api.total() == 0


def test_two_api_calls_per_week_for_200_members(session_factory: sessionmaker[Session], clock: Clock) -> None:
    members = team(200)
    blocks = [
        block(i, datetime(2026, 4, 3, 9, tzinfo=BERLIN), datetime(2026, 4, 3, 12, tzinfo=BERLIN))
        for i in range(1, 201, 3)
    ]
    assign(session_factory, {i: 42 if i % 2 else 43 for i in range(1, 201)})
    api = FakeApi(members, blocks)
    service = AvailabilityService(api, session_factory, BERLIN, clock=clock)

    first = service.week(STAFF, FRI, 7)
    # cold: the two calls and the positions that fill the title cache
    assert api.calls == Counter(calendar_team=1, list_blocked_times=1, list_positions=1)
    for offset in range(1, 4):
        before = api.total()
        clock.now += 15
        service.week(STAFF, FRI + timedelta(days=7 * offset), 7)
        assert api.total() - before <= 2
    assert api.calls["list_positions"] == 1
    clock.now += 60
    service.week(STAFF, FRI, 7)
    assert api.calls["list_positions"] == 2  # the cache is 60 s old: titles read again

    assert first.member_count == 200
    assert [g.position for g in first.groups] == ["Senior Stylist", "Stylist"]
    assert len(first.groups[0].rows) == 100
    assert len(first.partial_on(FRI)) == 67
    assert first.position_titles == {42: "Senior Stylist", 43: "Stylist"}
    # one blocked-times call for the whole week: local midnight Fri to local midnight next Fri
    assert api.ranges[0] == (datetime(2026, 4, 2, 22, tzinfo=UTC), datetime(2026, 4, 9, 22, tzinfo=UTC))


def test_forget_positions_reads_titles_again(session_factory: sessionmaker[Session], clock: Clock) -> None:
    api = FakeApi(team(2), [])
    service = AvailabilityService(api, session_factory, BERLIN, clock=clock)
    service.for_dates(STAFF, [FRI])
    service.forget_positions()
    service.for_dates(STAFF, [FRI])
    assert api.calls["list_positions"] == 2


def test_days_and_blocks_are_in_the_business_zone(session_factory: sessionmaker[Session]) -> None:
    # The business is in Berlin; the requester is in Los Angeles, where it is still Friday afternoon.
    members = team(3)
    blocks = [
        block(1, datetime(2026, 4, 4, tzinfo=BERLIN), datetime(2026, 4, 5, tzinfo=BERLIN), all_day=True),
        block(2, datetime(2026, 4, 4, 7, tzinfo=UTC), datetime(2026, 4, 4, 9, tzinfo=UTC)),
    ]
    assign(session_factory, {1: 42, 2: 43})
    api = FakeApi(members, blocks)
    service = AvailabilityService(api, session_factory, BERLIN)
    now = datetime(2026, 4, 3, 16, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    today = service.today(STAFF, now)
    assert today == date(2026, 4, 4)

    result = service.for_dates(STAFF, [today])
    assert [r.name for r in result.out_on(today)] == ["Member001 Test"]
    assert result.status(2, today).hours_label == "09:00–11:00"  # type: ignore[union-attr]
    assert result.status(3, today).state is DayState.AVAILABLE  # type: ignore[union-attr]
    assert [g.position for g in result.groups] == ["Senior Stylist", "Stylist", None]


def test_zone_per_workspace_and_dst_bounds(session_factory: sessionmaker[Session]) -> None:
    api = FakeApi(team(1), [])
    zones = {"T0DEMO": BERLIN, "T0NY": NEW_YORK}
    service = AvailabilityService(api, session_factory, zones.__getitem__)
    service.week(STAFF, date(2026, 3, 29), 1)  # Berlin springs forward: 23 hours
    service.week(Actor("T0NY", "U1", member_id=4, role=Role.STAFF), date(2026, 11, 1), 1)  # 25 hours
    assert api.ranges == [
        (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC)),
        (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 2, 5, tzinfo=UTC)),
    ]


def test_shortfalls_from_workspace_minimums(session_factory: sessionmaker[Session]) -> None:
    members = team(4)
    assign(session_factory, {1: 42, 2: 42, 3: 43, 4: 43})
    blocks = [
        block(1, datetime(2026, 4, 3, tzinfo=BERLIN), datetime(2026, 4, 4, tzinfo=BERLIN), all_day=True)
    ]
    api = FakeApi(members, blocks)
    service = AvailabilityService(api, session_factory, BERLIN)
    availability = service.week(STAFF, FRI, 2)
    assert service.shortfalls(STAFF, availability) is None  # no minimums configured
    with session_scope(session_factory) as session:
        workspace.save(session, "T0DEMO", coverage_minimums={"42": 2, "43": 2})
    found = service.shortfalls(STAFF, availability)
    assert found is not None
    assert [item.sentence for item in found] == ["only 1 Senior Stylist left on Fri 3 Apr (minimum 2)"]
    with pytest.raises(NotLinked):
        service.shortfalls(UNLINKED, availability)


def test_availability_for_serves_other_services_without_an_actor(
    session_factory: sessionmaker[Session],
) -> None:
    api = FakeApi(team(2), [])
    service = AvailabilityService(api, session_factory, BERLIN)
    result = service.availability_for([FRI, FRI + timedelta(days=2)], NEW_YORK)
    assert result.days == (FRI, FRI + timedelta(days=2))
    assert result.zone is NEW_YORK
    assert api.ranges == [(datetime(2026, 4, 3, 4, tzinfo=UTC), datetime(2026, 4, 6, 4, tzinfo=UTC))]


@pytest.mark.parametrize("days", [0, 32])
def test_too_few_or_too_many_days(session_factory: sessionmaker[Session], days: int) -> None:
    api = FakeApi(team(1), [])
    service = AvailabilityService(api, session_factory, BERLIN)
    with pytest.raises(InvalidRequest):
        service.week(STAFF, FRI, days)
    with pytest.raises(InvalidRequest):
        service.for_dates(STAFF, [FRI, FRI + timedelta(days=40)] if days else [])
    assert api.total() == 0


def test_against_the_emulator_over_loopback(world: World, session_factory: sessionmaker[Session]) -> None:
    """The real client and the business API emulator: what went out, and what came back."""
    sam = world.member_id("sam@demo-salon.example")
    tara = world.member_id("tara@demo-salon.example")
    senior = next(p.id for p in world.emulator.positions() if p.title == "Senior Stylist")
    assign(session_factory, {sam: senior, tara: senior})
    world.emulator.add_blocked_times(
        "Holiday", datetime(2026, 4, 3, tzinfo=BERLIN), datetime(2026, 4, 6, tzinfo=BERLIN), True, [sam]
    )
    world.emulator.add_blocked_times(
        "Dentist",
        datetime(2026, 4, 3, 9, tzinfo=BERLIN),
        datetime(2026, 4, 3, 11, tzinfo=BERLIN),
        False,
        [tara],
    )
    actor = world.actor("U0STAFF03")
    assert actor.is_linked
    world.emulator.clear_requests()

    service = AvailabilityService(world.api, session_factory, BERLIN)
    result = service.week(actor, FRI, 7)

    sent = [(r.method, r.path) for r in world.emulator.requests]
    assert len(sent) == 3, sent
    assert sum(1 for _, path in sent if path.endswith("/positions")) == 1
    assert ("GET", "/api/v1/bookings/calendar/events") in sent
    assert [r.name for r in result.out_on(FRI)] == ["Sam Stone"]
    assert result.status(tara, FRI).hours_label == "09:00–11:00"  # type: ignore[union-attr]
    assert result.status(sam, date(2026, 4, 6)).state is DayState.AVAILABLE  # type: ignore[union-attr]
    assert result.groups[0].position == "Senior Stylist"
    assert {r.name for r in result.groups[0].rows} == {"Sam Stone", "Tara Singh"}

    world.emulator.clear_requests()
    service.week(actor, FRI, 7)
    assert len(world.emulator.requests) == 2
