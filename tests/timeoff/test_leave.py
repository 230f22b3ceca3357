"""Leave types, allowances, closed days and balances through the services, with requests made and
decided by the time-off service. Dates are relative to the pinned today; each test puts its requests
in a leave year that starts after today, so nothing depends on where in the year today falls."""

from __future__ import annotations

from datetime import date, time, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from rosterbot.domain.leave import LeavePolicy, Step, Used, public_holidays
from rosterbot.services.audit import Auditor
from rosterbot.services.errors import InvalidRequest, NotFoundError, PermissionDenied
from rosterbot.services.leave import (
    ALLOWANCE,
    CLOSED_DAYS,
    HOLIDAY_COUNTRY,
    HOLIDAY_SUBDIVISION,
    TYPE_EMOJI,
    TYPE_NAME,
    WORK_ENDS,
    LeaveService,
    LeaveTypeInput,
    PolicyChanges,
)
from rosterbot.services.timeoff_rules import RequestInput
from rosterbot.services.timeoff_views import TimeOffView
from rosterbot.slack.blocks.availability import digest_blocks, digest_text
from rosterbot.store.db import session_scope
from rosterbot.store.models import AuditEntry, LeaveType
from support import texts

from .conftest import ADMIN, MEMBER_IDS, OWNER, SAM, TARA, TEAM, World

EVERY_DAY = frozenset(range(7))


@pytest.fixture
def leave(world: World) -> LeaveService:
    return LeaveService(
        world.api,
        world.sessions,
        world.identity,
        Auditor(world.sessions, world.clock),
        world.settings,
        clock=world.clock,
    )


def next_year(leave: LeaveService, world: World) -> tuple[int, date]:
    """The leave year after today's, and its first day."""
    policy = leave.policy(TEAM)
    year = policy.year.of(world.today()) + 1
    return year, policy.year.first_day(year)


def ask(world: World, who: str, first: date, last: date, **fields: object) -> TimeOffView:
    return world.timeoff.request(world.actor(who), RequestInput(first, last, **fields))  # type: ignore[arg-type]


def approve(world: World, view: TimeOffView) -> None:
    assert world.timeoff.decide(world.actor(OWNER), view.id, approve=True).recorded


def test_the_default_leave_types_are_made_once_on_first_use(world: World, leave: LeaveService) -> None:
    types = leave.types(world.actor(SAM))
    assert [(t.name, t.counts, t.needs_approval, t.reason_private) for t in types] == [
        ("Vacation", True, True, False),
        ("Sick leave", False, False, True),
        ("Unpaid", False, True, False),
    ]
    assert types[0].label == ":palm_tree: Vacation"
    assert leave.types(world.actor(TARA)) == types
    with session_scope(world.sessions) as session:
        assert len(session.scalars(select(LeaveType)).all()) == 3


def test_owners_and_admins_add_and_edit_leave_types(world: World, leave: LeaveService) -> None:
    added = leave.save_type(world.actor(ADMIN), LeaveTypeInput("Training", "books", counts=False))
    assert (added.name, added.emoji, added.counts, added.needs_approval) == (
        "Training",
        ":books:",
        False,
        True,
    )
    edited = leave.save_type(
        world.actor(OWNER), LeaveTypeInput("Course", ":books:", needs_approval=False), added.id
    )
    assert edited.id == added.id and (edited.name, edited.counts, edited.needs_approval) == (
        "Course",
        True,
        False,
    )
    assert [t.name for t in leave.types(world.actor(SAM))] == ["Vacation", "Sick leave", "Unpaid", "Course"]

    with pytest.raises(InvalidRequest) as same:
        leave.save_type(world.actor(ADMIN), LeaveTypeInput("vacation"))
    assert same.value.field_errors == {TYPE_NAME: "There is already a leave type called Vacation."}
    with pytest.raises(InvalidRequest) as bad:
        leave.save_type(world.actor(ADMIN), LeaveTypeInput("", "not an emoji"))
    assert set(bad.value.field_errors) == {TYPE_NAME, TYPE_EMOJI}
    with pytest.raises(NotFoundError):
        leave.save_type(world.actor(ADMIN), LeaveTypeInput("Other"), 9999)
    with pytest.raises(PermissionDenied):
        leave.save_type(world.actor(SAM), LeaveTypeInput("Nap"))
    assert [t.name for t in leave.types(world.actor(SAM))] == ["Vacation", "Sick leave", "Unpaid", "Course"]
    with session_scope(world.sessions) as session:
        outcomes = session.scalars(
            select(AuditEntry.outcome)
            .where(AuditEntry.operation == "leave.types_manage")
            .order_by(AuditEntry.id)
        ).all()
    assert outcomes == ["allowed", "allowed", "denied"]  # wrong input is refused, not audited


def test_a_balance_counts_pending_booked_and_taken(world: World, leave: LeaveService) -> None:
    leave.update_policy(world.actor(OWNER), PolicyChanges(allowance=Fraction(12), working_weekdays=EVERY_DAY))
    year, first = next_year(leave, world)
    pending = ask(world, SAM, first + timedelta(days=2), first + timedelta(days=4))  # 3 days
    booked = ask(world, SAM, first + timedelta(days=10), first + timedelta(days=11))  # 2 days
    approve(world, booked)
    ask(world, TARA, first + timedelta(days=2), first + timedelta(days=8))  # someone else's

    balance = leave.balance(world.actor(SAM), year=year)
    assert (balance.allowance, balance.carried_over, balance.own_allowance) == (12, 0, False)
    [vacation] = balance.types
    assert vacation.leave_type.name == "Vacation"
    assert vacation.used == Used(taken=0, booked=2, pending=3)
    assert balance.remaining == 7
    assert [t.leave_type.name for t in balance.other_types] == ["Sick leave", "Unpaid"]

    # Once the days have passed, the approved ones are taken; the pending still only held.
    world.clock.advance(days=(first - world.today()).days + 20)
    later = leave.balance_of(TEAM, MEMBER_IDS[SAM], "Sam Stone", year)
    assert later.types[0].used == Used(taken=2, booked=0, pending=3) and later.remaining == 7
    del pending


def test_holidays_and_closed_days_count_nothing(world: World, leave: LeaveService) -> None:
    leave.update_policy(
        world.actor(ADMIN),
        PolicyChanges(working_weekdays=EVERY_DAY, holiday_country="DE", holiday_subdivision="BE"),
    )
    year, first = next_year(leave, world)
    holidays = public_holidays("DE", "BE", first, first + timedelta(days=300))
    holiday = min(day for day in holidays if day >= first + timedelta(days=5))  # the request in one year
    leave.add_closed_days(
        world.actor(ADMIN), holiday + timedelta(days=2), holiday + timedelta(days=2), "Stocktake"
    )
    # 5 days, a holiday and a closed day among them
    start, end = holiday - timedelta(days=1), holiday + timedelta(days=3)

    use = leave.use_of(TEAM, MEMBER_IDS[SAM], None, start, end)
    assert use.days == 3 and [(u.year, u.days, u.remaining) for u in use.years] == [(year, 3, 20)]
    assert use.days_off == {
        holiday: f"🎉 {holidays[holiday]}",
        holiday + timedelta(days=2): "🚪 Closed: Stocktake",
    }

    approve(world, ask(world, SAM, start, end))
    assert leave.balance(world.actor(OWNER), MEMBER_IDS[SAM], year).types[0].used.booked == 3
    # Opening the day again counts it
    assert (
        leave.remove_closed_days(world.actor(ADMIN), holiday + timedelta(days=2), holiday + timedelta(days=2))
        == 1
    )
    assert leave.balance(world.actor(OWNER), MEMBER_IDS[SAM], year).types[0].used.booked == 4


def test_carry_over_is_capped(world: World, leave: LeaveService) -> None:
    leave.update_policy(
        world.actor(OWNER),
        PolicyChanges(allowance=Fraction(10), carry_over_cap=Fraction(3), working_weekdays=EVERY_DAY),
    )
    year, first = next_year(leave, world)
    # Nothing taken this year, nor the next: the cap is carried each time
    assert leave.balance(world.actor(SAM), year=year).carried_over == 3
    assert leave.balance(world.actor(SAM), year=year + 1).carried_over == 3
    # 11 of the next year's 13 approved: 2 carried into the year after
    approve(world, ask(world, SAM, first + timedelta(days=1), first + timedelta(days=11)))
    balance = leave.balance(world.actor(SAM), year=year)
    assert (balance.allowance, balance.carried_over, balance.used.approved, balance.remaining) == (
        10,
        3,
        11,
        2,
    )
    assert leave.balance(world.actor(SAM), year=year + 1).carried_over == 2
    # A pending request holds its days, but only approved days are no longer carried over
    ask(world, TARA, first + timedelta(days=1), first + timedelta(days=11))
    assert leave.balance(world.actor(TARA), year=year + 1).carried_over == 3


def test_a_member_s_own_allowance(world: World, leave: LeaveService) -> None:
    leave.set_member_allowance(world.actor(ADMIN), MEMBER_IDS[SAM], Fraction(51, 2))
    balance = leave.balance(world.actor(SAM))
    assert (balance.allowance, balance.own_allowance) == (Fraction(51, 2), True)
    assert leave.balance(world.actor(TARA)).allowance == LeavePolicy().allowance
    leave.set_member_allowance(world.actor(ADMIN), MEMBER_IDS[SAM], None)
    assert leave.balance(world.actor(SAM)).own_allowance is False
    with pytest.raises(PermissionDenied):
        leave.balance(world.actor(SAM), MEMBER_IDS[TARA])
    with pytest.raises(NotFoundError):
        leave.set_member_allowance(world.actor(ADMIN), 999, Fraction(3))


def test_part_days_and_a_request_over_the_year_s_end(world: World, leave: LeaveService) -> None:
    leave.update_policy(
        world.actor(OWNER),
        PolicyChanges(
            working_weekdays=EVERY_DAY, work_starts=time(9), work_ends=time(18), part_day_step=Step.HOUR
        ),
    )
    year, first = next_year(leave, world)
    part = leave.use_of(
        TEAM, MEMBER_IDS[SAM], None, first + timedelta(days=3), first + timedelta(days=3), time(9), time(12)
    )
    assert part.days == Fraction(3, 9)
    over = leave.use_of(TEAM, MEMBER_IDS[SAM], None, first - timedelta(days=2), first + timedelta(days=1))
    assert [(u.year, u.days) for u in over.years] == [(year - 1, 2), (year, 2)]


def test_a_type_that_does_not_count_uses_no_allowance(world: World, leave: LeaveService) -> None:
    sick = leave.types(world.actor(SAM))[1]
    _, first = next_year(leave, world)
    use = leave.use_of(TEAM, MEMBER_IDS[SAM], sick.id, first + timedelta(days=7), first + timedelta(days=8))
    assert use.leave_type.name == "Sick leave" and use.years == ()


def test_settings_are_checked_field_by_field(world: World, leave: LeaveService) -> None:
    with pytest.raises(InvalidRequest) as bad:
        leave.update_policy(
            world.actor(OWNER),
            PolicyChanges(
                allowance=Fraction(400), work_starts=time(18), work_ends=time(9), holiday_country="XX"
            ),
        )
    assert set(bad.value.field_errors) == {ALLOWANCE, WORK_ENDS, HOLIDAY_COUNTRY}
    with pytest.raises(InvalidRequest) as region:
        leave.update_policy(world.actor(OWNER), PolicyChanges(holiday_country="DE", holiday_subdivision="XX"))
    assert set(region.value.field_errors) == {HOLIDAY_SUBDIVISION}
    assert leave.policy(TEAM) == LeavePolicy()  # nothing changed
    with pytest.raises(InvalidRequest) as span:
        leave.add_closed_days(world.actor(OWNER), world.today(), world.today() + timedelta(days=40), "Summer")
    assert set(span.value.field_errors) == {CLOSED_DAYS}
    with pytest.raises(PermissionDenied):
        leave.update_policy(world.actor(SAM), PolicyChanges(allowance=Fraction(30)))

    policy = leave.update_policy(
        world.actor(OWNER), PolicyChanges(holiday_country="gb", holiday_subdivision="sct")
    )
    assert policy.region == "GB-SCT" and policy.first_year == policy.year.of(world.today())
    assert leave.update_policy(world.actor(OWNER), PolicyChanges(holiday_country="DE")).region == "DE"


def test_the_digest_marks_a_holiday_or_closed_day(world: World, leave: LeaveService) -> None:
    closed = world.today() + timedelta(days=3)
    leave.add_closed_days(world.actor(ADMIN), closed, closed, "Stocktake")
    digest = world.digests.build(TEAM, closed)
    assert digest.availability.days_off == {closed: "🚪 Closed: Stocktake"}
    assert "🚪 Closed: Stocktake: the business is closed today." in texts(
        digest_blocks(digest.availability, closed)
    )
    assert "Closed: Stocktake, closed" in digest_text(digest.availability, closed)
    assert world.digests.build(TEAM, closed + timedelta(days=1)).availability.days_off == {}
