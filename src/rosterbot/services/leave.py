"""Leave: types, allowances, closed days and balances (`domain/leave.py` counts; this decides who
may see and change what, and reads and writes the store).

Anyone linked may see the leave types, the policy, the closed days and their own balance; another
member's balance needs `LEAVE_BALANCE_OTHERS`. Changes re-read the actor's role from the API, need
their own operation (types, allowances and working time, closed days), are checked field by field
(`InvalidRequest` keyed by the form's input ids) and are audited.

A balance is of one leave year and counts every pending and approved request of a type that counts
against the allowance, day by day in the business's zone: days before today approved are taken,
today on booked; pending days hold their place too, so `remaining` is what may still be asked for.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.errors import NotFound
from rosterbot.api.models import TeamMember
from rosterbot.config import Settings
from rosterbot.domain.leave import (
    MAX_ALLOWANCE,
    MONTH_NAMES,
    BelowZero,
    LeaveCalendar,
    LeavePolicy,
    LeaveTypeView,
    LeaveYear,
    Remaining,
    RequestUse,
    Step,
    Used,
    WorkingTime,
    YearUse,
    by_leave_year,
    carried_over,
    count_days,
    days_between,
    format_amount,
    format_number,
    holiday_region_error,
    split_used,
    weekdays_text,
)
from rosterbot.domain.permissions import Operation
from rosterbot.domain.roles import Actor
from rosterbot.domain.text import hidden_character_error
from rosterbot.services.audit import Auditor
from rosterbot.services.errors import InvalidRequest, NotFoundError
from rosterbot.services.member_names import TeamApi
from rosterbot.services.timeoff import Clock, FreshRoles, utc_clock
from rosterbot.services.workspace import Change
from rosterbot.services.workspace_config import workspace_config
from rosterbot.store import leave as leave_store
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope
from rosterbot.store.models import LeaveSettings, LeaveType, TimeOffRequest

# Field names: also the forms' input block ids (InvalidRequest.field_errors keys).
ALLOWANCE = "leave_allowance"
CARRY_OVER = "leave_carry_over"
YEAR_START = "leave_year_start"
WORKING_DAYS = "working_days"
WORK_STARTS = "work_starts"
WORK_ENDS = "work_ends"
PART_DAY_STEP = "part_day_step"
HOLIDAY_COUNTRY = "holiday_country"
HOLIDAY_SUBDIVISION = "holiday_subdivision"
BELOW_ZERO = "below_zero"
TYPE_NAME = "type_name"
TYPE_EMOJI = "type_emoji"
CLOSED_NAME = "closed_name"
CLOSED_DAYS = "closed_days"
MEMBER_ALLOWANCE = "member_allowance"

MAX_TYPE_NAME = 40
MAX_CLOSED_NAME = 80
MAX_CLOSED_SPAN = 31  # days closed at once: a closure longer than a month is no closed day
_EMOJI = re.compile(r"^:[a-z0-9_+'-]{1,60}:$")
POLICY_TARGET = "leave settings"


@dataclass(frozen=True)
class LeaveTypeInput:
    name: str
    emoji: str = ""
    counts: bool = True
    needs_approval: bool = True
    reason_private: bool = False


@dataclass(frozen=True)
class PolicyChanges:
    """What to change; None keeps a setting. `holiday_country` "" clears it (no public holidays),
    and so does `holiday_subdivision` ""."""

    allowance: Fraction | None = None
    carry_over_cap: Fraction | None = None
    year_start_month: int | None = None
    working_weekdays: frozenset[int] | None = None
    work_starts: time | None = None
    work_ends: time | None = None
    part_day_step: Step | None = None
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    below_zero: BelowZero | None = None


@dataclass(frozen=True)
class TypeBalance:
    leave_type: LeaveTypeView
    used: Used


@dataclass(frozen=True)
class Balance:
    """A member's leave year: the allowance (their own, or the workspace's), the days carried over,
    and per type what is taken, booked and pending. `types`: those that count against the
    allowance; `other_types`: the rest (reported, not counted)."""

    member_id: int
    member_name: str
    year: int
    year_name: str
    first_day: date
    last_day: date
    allowance: Fraction
    own_allowance: bool
    carried_over: Fraction
    types: tuple[TypeBalance, ...]
    other_types: tuple[TypeBalance, ...] = ()

    @property
    def used(self) -> Used:
        return sum((t.used for t in self.types), Used())

    @property
    def remaining(self) -> Fraction:
        return Remaining(self.allowance, self.carried_over, self.used).remaining


class LeaveService:
    def __init__(
        self,
        api: TeamApi,
        session_factory: sessionmaker[Session],
        identity: FreshRoles,
        auditor: Auditor,
        settings: Settings,
        *,
        clock: Clock = utc_clock,
    ) -> None:
        self._api = api
        self._sessions = session_factory
        self._identity = identity
        self._auditor = auditor
        self._settings = settings
        self._clock = clock

    # -- leave types ----------------------------------------------------------------------------

    def types(self, actor: Actor) -> list[LeaveTypeView]:
        """The workspace's leave types (the defaults, the first time)."""
        self._auditor.require(actor, Operation.VIEW, audit=False)
        return self.types_of(actor.slack_team_id)

    def types_of(self, slack_team_id: str) -> list[LeaveTypeView]:
        with session_scope(self._sessions) as session:
            return [type_view(row) for row in leave_store.leave_types(session, slack_team_id)]

    def save_type(self, actor: Actor, data: LeaveTypeInput, type_id: int | None = None) -> LeaveTypeView:
        """Add a leave type, or change `type_id` (admin or owner)."""
        fresh = self._fresh(actor)
        target = f"leave type #{type_id}" if type_id else "leave types"
        self._auditor.require(fresh, Operation.LEAVE_TYPES_MANAGE, target=target)
        name, emoji = data.name.strip(), normalise_emoji(data.emoji)
        errors = type_errors(name, emoji)
        if errors:
            raise InvalidRequest(errors)

        def save() -> LeaveTypeView:
            team = fresh.slack_team_id
            with session_scope(self._sessions) as session:
                leave_store.leave_types(session, team)  # the defaults first, so a new type follows them
                same = leave_store.type_named(session, team, name)
                if same is not None and same.id != type_id:
                    raise InvalidRequest({TYPE_NAME: f"There is already a leave type called {same.name}."})
                if type_id is None:
                    row = leave_store.add_type(
                        session,
                        team,
                        name=name,
                        emoji=emoji,
                        counts=data.counts,
                        needs_approval=data.needs_approval,
                        reason_private=data.reason_private,
                        at=self._clock(),
                    )
                else:
                    found = leave_store.leave_type(session, team, type_id)
                    if found is None:
                        raise NotFoundError(f"There is no leave type #{type_id}.")
                    row = found
                    row.name, row.emoji, row.counts = name, emoji, data.counts
                    row.needs_approval, row.reason_private = data.needs_approval, data.reason_private
                    session.flush()
                return type_view(row)

        detail = f"{name}: counts={data.counts} approval={data.needs_approval} private={data.reason_private}"
        return self._auditor.perform(fresh, Operation.LEAVE_TYPES_MANAGE, save, target=target, detail=detail)

    # -- policy ---------------------------------------------------------------------------------

    def policy(self, slack_team_id: str) -> LeavePolicy:
        """The workspace's leave settings, defaults filled in (no actor: for counting)."""
        with session_scope(self._sessions) as session:
            return policy_of(leave_store.settings(session, slack_team_id))

    def show_policy(self, actor: Actor) -> LeavePolicy:
        self._auditor.require(actor, Operation.VIEW, audit=False)
        return self.policy(actor.slack_team_id)

    def update_policy(self, actor: Actor, changes: PolicyChanges) -> LeavePolicy:
        """Change the allowance, leave year, working time, holidays' region or below-zero rule."""
        fresh = self._fresh(actor)
        self._auditor.require(fresh, Operation.LEAVE_ALLOWANCES_SET, target=POLICY_TARGET)
        before = self.policy(fresh.slack_team_id)
        errors = policy_errors(changes, before)
        if errors:
            raise InvalidRequest(errors)
        columns = _policy_columns(changes)
        if not columns:
            return before
        team = fresh.slack_team_id

        def save() -> None:
            with session_scope(self._sessions) as session:
                row = leave_store.settings(session, team)
                if row is None or row.first_year is None:
                    # Carry-over counts from the year the business started keeping allowances.
                    columns["first_year"] = before.year.of(self._today(session, team))
                leave_store.save_settings(session, team, at=self._clock(), **columns)

        detail = "; ".join(f"{name}: {value}" for name, value in columns.items())
        self._auditor.perform(
            fresh, Operation.LEAVE_ALLOWANCES_SET, save, target=POLICY_TARGET, detail=detail
        )
        return self.policy(team)

    def set_member_allowance(self, actor: Actor, member_id: int, days: Fraction | None) -> None:
        """Give a member their own yearly allowance, or (None) the workspace's again."""
        fresh = self._fresh(actor)
        target = f"allowance of member {member_id}"
        self._auditor.require(fresh, Operation.LEAVE_ALLOWANCES_SET, target=target)
        if days is not None and (error := amount_error(days)):
            raise InvalidRequest({MEMBER_ALLOWANCE: error})
        self._member(member_id)

        def save() -> None:
            with session_scope(self._sessions) as session:
                leave_store.set_member_allowance(
                    session,
                    fresh.slack_team_id,
                    member_id,
                    None if days is None else _decimal(days),
                    by=fresh.slack_user_id,
                    at=self._clock(),
                )

        shown = "the workspace's" if days is None else str(days)
        self._auditor.perform(fresh, Operation.LEAVE_ALLOWANCES_SET, save, target=target, detail=shown)

    # -- closed days ----------------------------------------------------------------------------

    def closed_days(self, actor: Actor, first: date, last: date) -> dict[date, str]:
        self._auditor.require(actor, Operation.VIEW, audit=False)
        with session_scope(self._sessions) as session:
            return leave_store.closed_days(session, actor.slack_team_id, first, last)

    def add_closed_days(self, actor: Actor, first: date, last: date, name: str) -> list[date]:
        """Close the business from `first` to `last` (at most a month); the days closed."""
        fresh = self._fresh(actor)
        target = f"closed days {first.isoformat()}–{last.isoformat()}"
        self._auditor.require(fresh, Operation.CLOSED_DAYS_MANAGE, target=target)
        name = name.strip()
        errors = closed_errors(first, last, name)
        if errors:
            raise InvalidRequest(errors)
        days = list(days_between(first, last))

        def save() -> None:
            with session_scope(self._sessions) as session:
                leave_store.add_closed_days(
                    session, fresh.slack_team_id, days, name, by=fresh.slack_user_id, at=self._clock()
                )

        self._auditor.perform(fresh, Operation.CLOSED_DAYS_MANAGE, save, target=target, detail=name)
        return days

    def remove_closed_days(self, actor: Actor, first: date, last: date) -> int:
        """Open the days from `first` to `last` again; how many were closed."""
        fresh = self._fresh(actor)
        target = f"closed days {first.isoformat()}–{last.isoformat()}"
        self._auditor.require(fresh, Operation.CLOSED_DAYS_MANAGE, target=target)
        errors = closed_errors(first, last, "")
        if errors:
            raise InvalidRequest(errors)

        def save() -> int:
            with session_scope(self._sessions) as session:
                return leave_store.remove_closed_days(
                    session, fresh.slack_team_id, list(days_between(first, last))
                )

        return self._auditor.perform(
            fresh, Operation.CLOSED_DAYS_MANAGE, save, target=target, detail="removed"
        )

    def days_off(self, slack_team_id: str, first: date, last: date) -> dict[date, str]:
        """The business's days off from `first` to `last`: public holidays and closed days."""
        with session_scope(self._sessions) as session:
            return days_off_in(session, slack_team_id, first, last)

    # -- balances -------------------------------------------------------------------------------

    def balance(self, actor: Actor, member_id: int | None = None, year: int | None = None) -> Balance:
        """A member's balance for a leave year (default: the one today is in): the actor's own, or
        another's (owners and admins)."""
        own = member_id is None or member_id == actor.member_id
        operation = Operation.LEAVE_BALANCE_OWN if own else Operation.LEAVE_BALANCE_OTHERS
        self._auditor.require(actor, operation, audit=False)
        assert actor.member_id is not None
        if own:
            target, name = actor.member_id, actor.name
        else:
            assert member_id is not None
            target, name = member_id, self._member(member_id).name
        return self.balance_of(actor.slack_team_id, target, name, year)

    def balance_of(self, slack_team_id: str, member_id: int, name: str, year: int | None = None) -> Balance:
        """The balance without an actor (the worker's approval post, reports)."""
        with session_scope(self._sessions) as session:
            today, reader = self._ledger(session, slack_team_id)
            return reader.balance(
                member_id, name, year if year is not None else reader.policy.year.of(today), today
            )

    def use_of(
        self,
        slack_team_id: str,
        member_id: int,
        type_id: int | None,
        starts_on: date,
        ends_on: date,
        start_time: time | None = None,
        end_time: time | None = None,
        *,
        exclude_request: int | None = None,
    ) -> RequestUse:
        """What a request (`exclude_request`: one already stored, not counted twice) uses of the
        member's allowance, year by year, and the days off it covers."""
        with session_scope(self._sessions) as session:
            today, reader = self._ledger(session, slack_team_id)
            return reader.use(
                member_id, type_id, starts_on, ends_on, start_time, end_time, today, exclude_request
            )

    # -- reports --------------------------------------------------------------------------------

    def report(self, actor: Actor, year: int | None = None) -> LeaveReport:
        """The leave year's balances (a row per member and type) and its requests, as CSV, dates
        and times in the business's zone (owners and admins; audited, as it hands data out)."""
        fresh = self._fresh(actor)
        target = f"leave report {year or 'this year'}"
        self._auditor.require(fresh, Operation.LEAVE_REPORT, target=target)
        team = fresh.slack_team_id
        team_members = self._api.list_team()
        members = [m for m in team_members if m.is_active]
        names = {m.id: m.name for m in team_members}

        def build() -> LeaveReport:
            with session_scope(self._sessions) as session:
                zone = workspace_config(session, self._settings, team).zone
                today, ledger = self._clock().astimezone(zone).date(), _Ledger(session, team, zone)
                chosen = year if year is not None else ledger.policy.year.of(today)
                balances = [ledger.balance(m.id, m.name, chosen, today) for m in members]
                first, last = ledger.policy.year.first_day(chosen), ledger.policy.year.last_day(chosen)
                rows = requests.touching(session, team, first, last, statuses=requests.STATUSES)
                listed = [ledger.request_line(row, names, first, last, zone) for row in rows]
                return LeaveReport(
                    year=chosen,
                    year_name=ledger.policy.year.name(chosen),
                    zone=zone.key,
                    balances=balances,
                    balances_csv=balances_csv(balances),
                    requests_csv=requests_csv(listed),
                    request_count=len(listed),
                )

        return self._auditor.perform(fresh, Operation.LEAVE_REPORT, build, target=target)

    # -- helpers --------------------------------------------------------------------------------

    def _fresh(self, actor: Actor) -> Actor:
        """The actor with their role read just now (unlinked: the permission check refuses them)."""
        return self._identity.actor_for_write(actor)

    def _member(self, member_id: int) -> TeamMember:
        try:
            return self._api.get_member(member_id)
        except NotFound:
            raise NotFoundError(f"There is no team member #{member_id}.") from None

    def _ledger(self, session: Session, slack_team_id: str) -> tuple[date, _Ledger]:
        zone = workspace_config(session, self._settings, slack_team_id).zone
        return self._clock().astimezone(zone).date(), _Ledger(session, slack_team_id, zone)

    def _today(self, session: Session, slack_team_id: str) -> date:
        zone = workspace_config(session, self._settings, slack_team_id).zone
        return self._clock().astimezone(zone).date()


@dataclass(frozen=True)
class ReportedRequest:
    """A request of the leave year as the report lists it: local dates and times, days counted in
    that year, its reason only when its type shows reasons to the team."""

    id: int
    member: str
    leave_type: str
    status: str
    first_day: date
    last_day: date
    start: str  # 'HH:MM', '' for all day
    end: str
    zone: str
    days: Fraction  # working days of it in the leave year
    reason: str
    requested_at: str  # local 'YYYY-MM-DD HH:MM'
    decided_by: str
    decided_at: str


@dataclass(frozen=True)
class LeaveReport:
    year: int
    year_name: str
    zone: str
    balances: list[Balance]
    balances_csv: str
    requests_csv: str
    request_count: int


BALANCE_COLUMNS = (
    "member_id", "member", "leave_type", "counts_against_allowance",
    "allowance", "carried_over", "taken", "booked", "pending", "remaining",
)  # fmt: skip
REQUEST_COLUMNS = (
    "request_id", "member", "leave_type", "status", "first_day", "last_day", "from", "to",
    "time_zone", "days_in_year", "reason", "requested_at", "decided_by", "decided_at",
)  # fmt: skip


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run: a leading =, +, - or @ gets an apostrophe before it."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def balances_csv(balances: Sequence[Balance]) -> str:
    """A row per member and leave type: for a type that counts, the allowance, carried over and
    remaining days it shares with the member's other counting types; for one that does not, its use."""
    rows: list[list[object]] = []
    for balance in balances:
        for kind in (*balance.types, *balance.other_types):
            counts = kind.leave_type.counts
            pot = (
                (format_number(balance.allowance), format_number(balance.carried_over))
                if counts
                else ("", "")
            )
            rows.append(
                [
                    balance.member_id,
                    _cell(balance.member_name),
                    _cell(kind.leave_type.name),
                    "yes" if counts else "no",
                    *pot,
                    format_number(kind.used.taken),
                    format_number(kind.used.booked),
                    format_number(kind.used.pending),
                    format_number(balance.remaining) if counts else "",
                ]
            )
    return _csv(BALANCE_COLUMNS, rows)


def requests_csv(listed: Sequence[ReportedRequest]) -> str:
    rows = [
        [
            r.id, _cell(r.member), _cell(r.leave_type), r.status,
            r.first_day.isoformat(), r.last_day.isoformat(), r.start, r.end, r.zone,
            format_number(r.days), _cell(r.reason), r.requested_at, _cell(r.decided_by), r.decided_at,
        ]
        for r in listed
    ]  # fmt: skip
    return _csv(REQUEST_COLUMNS, rows)


class _Ledger:
    """One workspace's leave as read in one session: its policy, types, allowances and requests."""

    def __init__(self, session: Session, slack_team_id: str, zone: ZoneInfo) -> None:
        self.session = session
        self.team = slack_team_id
        self.zone = zone
        self.policy = policy_of(leave_store.settings(session, slack_team_id))
        self.types = leave_store.leave_types(session, slack_team_id)
        self.own = leave_store.member_allowances(session, slack_team_id)

    def allowance(self, member_id: int) -> Fraction:
        own = self.own.get(member_id)
        return Fraction(own) if own is not None else self.policy.allowance

    def _years(self, year: int) -> range:
        first = self.policy.first_year if self.policy.first_year is not None else year
        return range(min(first, year), year + 1)

    def _usage(
        self, member_id: int, years: range, today: date, exclude: int | None = None
    ) -> dict[int, dict[int, Used]]:
        """Per leave year, per type id: the member's pending and approved days."""
        leave_year = self.policy.year
        first, last = leave_year.first_day(years.start), leave_year.last_day(years.stop - 1)
        rows = requests.touching(self.session, self.team, first, last, member_id=member_id)
        calendar = self.policy.calendar(
            first, last, leave_store.closed_days(self.session, self.team, first, last)
        )
        usage: dict[int, dict[int, Used]] = {}
        for row in rows:
            if row.id == exclude:
                continue
            type_id = _type_of(self.types, row.leave_type_id).id
            counted = {day: share for day, share in _count_row(calendar, row).items() if first <= day <= last}
            for year in years:
                in_year = {d: s for d, s in counted.items() if leave_year.of(d) == year}
                if not in_year:
                    continue
                used = split_used(in_year, approved=row.status == requests.APPROVED, today=today)
                per_type = usage.setdefault(year, {})
                per_type[type_id] = per_type.get(type_id, Used()) + used
        return usage

    def balance(
        self, member_id: int, name: str, year: int, today: date, exclude: int | None = None
    ) -> Balance:
        years = self._years(year)
        usage = self._usage(member_id, years, today, exclude)
        counting = {t.id for t in self.types if t.counts}
        allowance = self.allowance(member_id)
        approved = {
            y: sum((u.approved for tid, u in per_type.items() if tid in counting), Fraction(0))
            for y, per_type in usage.items()
        }
        carried = carried_over(
            year,
            allowance={y: allowance for y in years},
            approved=approved,
            cap=self.policy.carry_over_cap,
            first_year=years.start,
        )
        this_year = usage.get(year, {})
        views = [(type_view(t), this_year.get(t.id, Used())) for t in self.types]
        return Balance(
            member_id=member_id,
            member_name=name,
            year=year,
            year_name=self.policy.year.name(year),
            first_day=self.policy.year.first_day(year),
            last_day=self.policy.year.last_day(year),
            allowance=allowance,
            own_allowance=member_id in self.own,
            carried_over=carried,
            types=tuple(TypeBalance(v, u) for v, u in views if v.counts),
            other_types=tuple(TypeBalance(v, u) for v, u in views if not v.counts),
        )

    def request_line(
        self, row: TimeOffRequest, names: Mapping[int, str], first: date, last: date, zone: ZoneInfo
    ) -> ReportedRequest:
        leave_type = _type_of(self.types, row.leave_type_id)
        closed = leave_store.closed_days(self.session, self.team, first, last)
        calendar = self.policy.calendar(first, last, closed)
        counted = sum((s for d, s in _count_row(calendar, row).items() if first <= d <= last), Fraction(0))

        def local(moment: datetime | None) -> str:
            return requests.as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

        return ReportedRequest(
            id=row.id,
            member=names.get(row.member_id, f"member #{row.member_id}"),
            leave_type=leave_type.name,
            status=row.status,
            first_day=row.starts_on,
            last_day=row.ends_on,
            start="" if row.all_day or row.start_time is None else row.start_time.strftime("%H:%M"),
            end="" if row.all_day or row.end_time is None else row.end_time.strftime("%H:%M"),
            zone=row.timezone,
            days=counted,
            reason="" if leave_type.reason_private else row.reason,
            requested_at=local(row.created_at),
            decided_by=names.get(row.decided_by_member_id, "") if row.decided_by_member_id else "",
            decided_at=local(row.decided_at),
        )

    def use(
        self,
        member_id: int,
        type_id: int | None,
        starts_on: date,
        ends_on: date,
        start_time: time | None,
        end_time: time | None,
        today: date,
        exclude: int | None,
    ) -> RequestUse:
        leave_type = type_view(_type_of(self.types, type_id))
        calendar = self.policy.calendar(
            starts_on, ends_on, leave_store.closed_days(self.session, self.team, starts_on, ends_on)
        )
        counted = count_days(
            calendar, starts_on, ends_on, zone=self.zone, start_time=start_time, end_time=end_time
        )
        days_off = {day: why for day in days_between(starts_on, ends_on) if (why := calendar.day_off(day))}
        total = sum(counted.values(), Fraction(0))
        if not leave_type.counts:
            return RequestUse(leave_type, total, (), days_off, self.policy.below_zero)
        uses = []
        for year, days in sorted(by_leave_year(counted, self.policy.year).items()):
            remaining = self.balance(member_id, "", year, today, exclude).remaining
            uses.append(YearUse(year, self.policy.year.name(year), days, remaining))
        return RequestUse(leave_type, total, tuple(uses), days_off, self.policy.below_zero)


def days_off_in(session: Session, slack_team_id: str, first: date, last: date) -> dict[date, str]:
    """The workspace's days off from `first` to `last` ('🎉 Christmas Day', '🚪 Closed: Stocktake');
    a day outside the working week is not one of them (it is no day off for everyone)."""
    policy = policy_of(leave_store.settings(session, slack_team_id))
    calendar = policy.calendar(first, last, leave_store.closed_days(session, slack_team_id, first, last))
    return {day: why for day in days_between(first, last) if (why := calendar.day_off(day))}


def _count_row(calendar: LeaveCalendar, row: TimeOffRequest) -> dict[date, Fraction]:
    return count_days(
        calendar,
        row.starts_on,
        row.ends_on,
        zone=ZoneInfo(row.timezone),
        start_time=None if row.all_day else row.start_time,
        end_time=None if row.all_day else row.end_time,
    )


def _type_of(rows: Sequence[LeaveType], type_id: int | None) -> LeaveType:
    for row in rows:
        if row.id == type_id:
            return row
    return rows[0]


def type_view(row: LeaveType) -> LeaveTypeView:
    return LeaveTypeView(row.id, row.name, row.emoji, row.counts, row.needs_approval, row.reason_private)


def policy_of(row: LeaveSettings | None) -> LeavePolicy:
    if row is None:
        return LeavePolicy()
    default = LeavePolicy()
    working = WorkingTime(
        weekdays=frozenset(int(c) for c in row.working_weekdays)
        if row.working_weekdays
        else default.working.weekdays,
        starts=row.work_starts or default.working.starts,
        ends=row.work_ends or default.working.ends,
        step=Step(row.part_day_step) if row.part_day_step else default.working.step,
    )
    return LeavePolicy(
        allowance=Fraction(row.allowance_days) if row.allowance_days is not None else default.allowance,
        carry_over_cap=Fraction(row.carry_over_cap) if row.carry_over_cap is not None else Fraction(0),
        year=LeaveYear(row.year_start_month or 1),
        working=working,
        holiday_country=row.holiday_country or None,
        holiday_subdivision=row.holiday_subdivision or None,
        below_zero=BelowZero(row.below_zero) if row.below_zero else default.below_zero,
        first_year=row.first_year,
    )


def parse_amount(text: str) -> Fraction:
    """'12', '12.5', '2,5' as days; ValueError when it is not a number."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return Fraction(value)


def amount_error(days: Fraction) -> str | None:
    if not 0 <= days <= MAX_ALLOWANCE or (days * 100).denominator != 1:
        return f"Enter a number of days from 0 to {MAX_ALLOWANCE}, like 25 or 12.5."
    return None


def _decimal(days: Fraction) -> Decimal:
    return (Decimal(days.numerator) / Decimal(days.denominator)).quantize(Decimal("0.01"))


def normalise_emoji(text: str) -> str:
    """'palm_tree', ':palm_tree:' -> ':palm_tree:'; '' stays ''."""
    text = text.strip().lower()
    if text and not text.startswith(":"):
        text = f":{text}:"
    return text


def type_errors(name: str, emoji: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors[TYPE_NAME] = "Give the leave type a name."
    elif len(name) > MAX_TYPE_NAME:
        errors[TYPE_NAME] = f"Keep the name to {MAX_TYPE_NAME} characters or fewer."
    elif refused := hidden_character_error("A name", name):
        errors[TYPE_NAME] = refused
    if emoji and not _EMOJI.match(emoji):
        errors[TYPE_EMOJI] = "Give an emoji by its name, like :palm_tree:, or leave it empty."
    return errors


def closed_errors(first: date, last: date, name: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if last < first:
        errors[CLOSED_DAYS] = "The last day can't be before the first day."
    elif (last - first).days + 1 > MAX_CLOSED_SPAN:
        errors[CLOSED_DAYS] = f"Close at most {MAX_CLOSED_SPAN} days at a time."
    if len(name) > MAX_CLOSED_NAME:
        errors[CLOSED_NAME] = f"Keep the name to {MAX_CLOSED_NAME} characters or fewer."
    elif refused := hidden_character_error("A name", name):
        errors[CLOSED_NAME] = refused
    return errors


def policy_errors(changes: PolicyChanges, before: LeavePolicy) -> dict[str, str]:
    """Sentences about what is wrong, keyed by field; empty when all is well. Pure."""
    errors: dict[str, str] = {}
    for name, amount in ((ALLOWANCE, changes.allowance), (CARRY_OVER, changes.carry_over_cap)):
        if amount is not None and (error := amount_error(amount)):
            errors[name] = error
    if changes.year_start_month is not None and not 1 <= changes.year_start_month <= 12:
        errors[YEAR_START] = "Choose the month the leave year starts in."
    if changes.working_weekdays is not None and (
        not changes.working_weekdays or not changes.working_weekdays <= set(range(7))
    ):
        errors[WORKING_DAYS] = "Choose at least one working day."
    starts = changes.work_starts or before.working.starts
    ends = changes.work_ends or before.working.ends
    for name, at in ((WORK_STARTS, changes.work_starts), (WORK_ENDS, changes.work_ends)):
        if at is not None and (at.second or at.microsecond or at.tzinfo is not None):
            errors[name] = "Choose a time in hours and minutes, like 09:00."
    if WORK_STARTS not in errors and WORK_ENDS not in errors and ends <= starts:
        errors[WORK_ENDS] = f"The working day must end after it starts ({starts:%H:%M})."
    country = before.holiday_country if changes.holiday_country is None else changes.holiday_country.upper()
    if changes.holiday_subdivision is not None:
        subdivision: str | None = changes.holiday_subdivision.upper()
    elif changes.holiday_country is not None:
        subdivision = None  # another country's subdivision means nothing (`_policy_columns` clears it)
    else:
        subdivision = before.holiday_subdivision
    if problem := holiday_region_error(country or None, subdivision or None):
        field_name = HOLIDAY_SUBDIVISION if country and "subdivision" in problem else HOLIDAY_COUNTRY
        errors[field_name] = problem
    return errors


def _policy_columns(changes: PolicyChanges) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    if changes.allowance is not None:
        columns["allowance_days"] = _decimal(changes.allowance)
    if changes.carry_over_cap is not None:
        columns["carry_over_cap"] = _decimal(changes.carry_over_cap)
    if changes.year_start_month is not None:
        columns["year_start_month"] = changes.year_start_month
    if changes.working_weekdays is not None:
        columns["working_weekdays"] = "".join(str(d) for d in sorted(changes.working_weekdays))
    if changes.work_starts is not None:
        columns["work_starts"] = changes.work_starts
    if changes.work_ends is not None:
        columns["work_ends"] = changes.work_ends
    if changes.part_day_step is not None:
        columns["part_day_step"] = changes.part_day_step.value
    if changes.holiday_country is not None:
        columns["holiday_country"] = changes.holiday_country.upper() or None
        if changes.holiday_subdivision is None:
            columns["holiday_subdivision"] = None  # another country's subdivision means nothing
    if changes.holiday_subdivision is not None:
        columns["holiday_subdivision"] = changes.holiday_subdivision.upper() or None
    if changes.below_zero is not None:
        columns["below_zero"] = changes.below_zero.value
    return columns


POLICY_LABELS = (
    (ALLOWANCE, "Yearly allowance"),
    (CARRY_OVER, "Carry-over cap"),
    (YEAR_START, "Leave year starts"),
    (WORKING_DAYS, "Working days"),
    (WORK_STARTS, "Working hours"),
    (PART_DAY_STEP, "Part days count in"),
    (HOLIDAY_COUNTRY, "Public holidays"),
    (BELOW_ZERO, "Below zero"),
)


def policy_fields(policy: LeavePolicy) -> dict[str, str]:
    """Each setting as people read it, by field ('20 days', 'January', 'Tue–Sat', …)."""
    working = policy.working
    return {
        ALLOWANCE: format_amount(policy.allowance),
        CARRY_OVER: format_amount(policy.carry_over_cap) if policy.carry_over_cap else "none",
        YEAR_START: MONTH_NAMES[policy.year.start_month - 1],
        WORKING_DAYS: weekdays_text(working.weekdays),
        WORK_STARTS: f"{working.starts:%H:%M}–{working.ends:%H:%M}",
        PART_DAY_STEP: "half days" if working.step is Step.HALF_DAY else "hours",
        HOLIDAY_COUNTRY: policy.region or "none",
        BELOW_ZERO: "refuse the request" if policy.below_zero is BelowZero.REFUSE else "warn the approvers",
    }


def policy_changes(before: LeavePolicy, after: LeavePolicy) -> list[Change]:
    """What changed between two policies, as the settings confirmation lists it."""
    old, new = policy_fields(before), policy_fields(after)
    return [
        Change(name, label, old[name], new[name]) for name, label in POLICY_LABELS if old[name] != new[name]
    ]
