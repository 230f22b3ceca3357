"""Time off: request, decide, cancel, list (DESIGN.md, "Time off, and nothing lost").

Nothing here talks to Slack, and nothing after the first commit is lost: a request is stored
(pending) and committed before anything else happens; everything that follows a change — the post
to the approvals channel, the blocked time in the business API, the messages to the requester and
the team — is an outbox row written in the SAME transaction as the change, and the worker
(`services/outbox.py`) delivers it with retries. So the notifier is never called from here: a Slack
or API failure delays a message, it never drops one, and a click is answered at once.

A decision is recorded exactly once: a conditional `UPDATE ... WHERE id = ? AND status = 'pending'`
decides which of two approvers clicking at the same moment wins; the other is told who decided.
"""

from __future__ import annotations

import logging
import threading
import time as monotonic_time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.errors import ApiError, NotFound
from rosterbot.api.models import TeamMember
from rosterbot.config import Settings
from rosterbot.domain import coverage
from rosterbot.domain.availability import Availability
from rosterbot.domain.dates import (
    fold_change,
    fold_note,
    format_day,
    format_days,
    gap_change,
    gap_message,
    local_instant,
)
from rosterbot.domain.leave import BelowZero, LeaveTypeView, RequestUse
from rosterbot.domain.permissions import Operation, check
from rosterbot.domain.roles import Actor, Role
from rosterbot.domain.text import hidden_character_error
from rosterbot.services.audit import Auditor, write_row
from rosterbot.services.errors import InvalidRequest, NotFoundError, NotLinked, PermissionDenied
from rosterbot.services.paging import Page
from rosterbot.store import leave as leave_store
from rosterbot.store import links, outbox, workspace
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest

# The statuses the Slack half shows (slack/ never imports store/).
from rosterbot.store.timeoff import APPROVED as APPROVED
from rosterbot.store.timeoff import PENDING as PENDING

log = logging.getLogger(__name__)

MAX_REASON = 500
MAX_AHEAD = timedelta(days=731)  # also keeps every date far from datetime's limits
MAX_DAYS = 366  # "at most a year", counting the first and the last day
COVERAGE_DAYS = 31  # the availability service answers at most a month at a time
ALREADY_APPROVED = "This request is already approved; ask an owner or admin to cancel it."
Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)


class TeamApi(Protocol):
    """The slice of `BusinessApi` this module uses."""

    def get_member(self, member_id: int) -> TeamMember: ...

    def list_team(self) -> list[TeamMember]: ...


class FreshRoles(Protocol):
    """`IdentityService`'s part in a write: the actor with their role re-read from the API."""

    def actor_for_write(self, actor: Actor) -> Actor: ...


class LeaveBook(Protocol):
    """`LeaveService`'s part in a request: the workspace's leave types, and what a request uses."""

    def types_of(self, slack_team_id: str) -> list[LeaveTypeView]: ...

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
    ) -> RequestUse: ...


# The request form's leave type input (its block id): what the service says about the type lands there.
LEAVE_TYPE_FIELD = "leave_type"


class AvailabilitySource(Protocol):
    """Who is available on each of `days` (local dates in `zone`), from the business API."""

    def availability_for(self, days: Sequence[date], zone: ZoneInfo) -> Availability: ...


def validate_note(note: str | None, *, approve: bool) -> str | None:
    """A decision's note, trimmed (None when empty), or InvalidRequest({"note": …}): a denial needs
    one, of at most MAX_REASON characters, with no control or invisible character (it may span
    lines: it is typed in a multi-line input, like the request's reason). No API call."""
    note = (note or "").strip() or None
    if not approve and note is None:
        raise InvalidRequest({"note": "Give a reason for denying this request."})
    if note is not None and len(note) > MAX_REASON:
        raise InvalidRequest({"note": f"Keep the reason to {MAX_REASON} characters or fewer."})
    if note is not None and (refused := hidden_character_error("A reason", note, multiline=True)):
        raise InvalidRequest({"note": refused})
    return note


@dataclass(frozen=True)
class Approver:
    """A member who may decide requests; `slack_user_ids`: their linked Slack users (maybe none)."""

    member_id: int
    name: str
    email: str | None
    slack_user_ids: tuple[str, ...]


@dataclass(frozen=True)
class RequestInput:
    """What the request modal (or `/timeoff`) collected. `member_id` None: the actor's own."""

    starts_on: date
    ends_on: date
    member_id: int | None = None
    all_day: bool = True
    start_time: time | None = None
    end_time: time | None = None
    reason: str = ""
    leave_type_id: int | None = None  # None: the workspace's first type (Vacation)


@dataclass(frozen=True)
class TimeOffView:
    """A request as the Slack half renders it; names resolved, times in the business's zone."""

    id: int
    slack_team_id: str
    member_id: int
    member_name: str
    member_slack_user_id: str | None  # from the member's link, for a DM; None when not linked
    requested_by_member_id: int
    requested_by_slack_user_id: str
    starts_on: date
    ends_on: date
    all_day: bool
    start_time: time | None
    end_time: time | None
    timezone: str
    reason: str
    status: str  # pending | approved | denied | cancelled
    decided_by_member_id: int | None
    decided_by_slack_user_id: str | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_note: str | None
    blocked_time_id: int | None
    created_at: datetime
    leave_type: LeaveTypeView | None = None  # None where leave types are not wired in
    use: RequestUse | None = None  # what it uses of the allowance: on the worker's views (`view`)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def starts_at(self) -> datetime:
        return period_bounds(self.starts_on, self.ends_on, self.start_time, self.end_time, self.zone)[0]

    @property
    def ends_at(self) -> datetime:
        return period_bounds(self.starts_on, self.ends_on, self.start_time, self.end_time, self.zone)[1]

    @property
    def days(self) -> list[date]:
        return [self.starts_on + timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1)]

    @property
    def period(self) -> str:
        """'Fri 3 Apr – Tue 7 Apr', 'Fri 3 Apr, 09:00–13:00' or 'Fri 3 Apr 14:00 – Sat 4 Apr 10:00'."""
        if self.all_day or self.start_time is None or self.end_time is None:
            return format_days([self.starts_on, self.ends_on])
        if self.starts_on == self.ends_on:
            return f"{format_day(self.starts_on)}, {self.start_time:%H:%M}–{self.end_time:%H:%M}"
        return (
            f"{format_day(self.starts_on)} {self.start_time:%H:%M} – "
            f"{format_day(self.ends_on)} {self.end_time:%H:%M}"
        )

    @property
    def clock_notes(self) -> list[str]:
        """'02:30 is the first 02:30 that night, before clocks go back.' for each of its times that
        happens twice (a part day in the night the clocks go back); what the requester is told."""
        if self.all_day:
            return []
        return repeated_time_notes(self.starts_on, self.ends_on, self.start_time, self.end_time, self.zone)

    @property
    def block_name(self) -> str:
        """The blocked time's name; the marker `(rosterbot #<id>)` is how the worker recognises a
        block it made before (a crash between the API call and the commit must not make two)."""
        name = self.leave_type.name if self.leave_type is not None else "Time off"
        return f"{name} {block_marker(self.id)}"

    @property
    def recorded_at_once(self) -> bool:
        """Approved as it was asked for: its leave type needs no approval (a sick day)."""
        return (
            self.status == APPROVED
            and self.decided_by_member_id == self.requested_by_member_id
            and self.decided_at == self.created_at
        )

    @property
    def reason_private(self) -> bool:
        """Its reason is for the approvers only (the type says so)."""
        return self.leave_type is not None and self.leave_type.reason_private

    @property
    def ref(self) -> str:
        """This request's `PostedMessage.ref`."""
        return request_ref(self.id)


@dataclass(frozen=True)
class DecisionResult:
    """`recorded` False: someone decided first (or it was cancelled); `message` says who and how."""

    recorded: bool
    request: TimeOffView
    message: str


@dataclass(frozen=True)
class CancelResult:
    """`cancelled` False: it was already denied or cancelled; `message` says so."""

    cancelled: bool
    request: TimeOffView
    message: str


@dataclass(frozen=True)
class WorkspaceConfig:
    """The workspace's settings over the environment's defaults."""

    slack_team_id: str
    team_channel: str | None
    approvals_channel: str | None
    zone: ZoneInfo
    digest_time: time
    coverage_minimums: dict[str, int]


def workspace_config(session: Session, settings: Settings, slack_team_id: str) -> WorkspaceConfig:
    row = workspace.get(session, slack_team_id)
    zone_name = (row.timezone if row else None) or settings.timezone
    return WorkspaceConfig(
        slack_team_id=slack_team_id,
        team_channel=(row.team_channel if row else None) or settings.team_channel,
        approvals_channel=(row.approvals_channel if row else None) or settings.approvals_channel,
        zone=ZoneInfo(zone_name),
        digest_time=(row.digest_time if row else None) or settings.digest_time,
        coverage_minimums={
            str(k): int(v) for k, v in ((row.coverage_minimums if row else None) or {}).items()
        },
    )


# How long a process trusts the workspace zones it read: a change made in another process (the
# work process saves the settings; the other web workers) shows within this many seconds.
ZONE_TTL = 30.0


class WorkspaceZones:
    """Each workspace's business zone (its setting, else ROSTERBOT_TIMEZONE), for the time-off
    form's date checks before Slack has its answer, where a database read in a burst of 50 costs
    tens of milliseconds. All workspaces' zones are read in one query (`load`, at start-up: a row
    a Slack workspace) and kept `ttl` seconds; then the next reader still gets them while a
    thread reads them again, so after the first read no request waits for the database.
    `TimeOffService.request` validates again against the stored setting."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        *,
        ttl: float = ZONE_TTL,
        clock: Callable[[], float] = monotonic_time.monotonic,
    ) -> None:
        self._sessions = session_factory
        self._default = ZoneInfo(settings.timezone)
        self._ttl = ttl
        self._clock = clock
        self._zones: dict[str, ZoneInfo] = {}
        self._read_at: float | None = None
        self._refreshing = threading.Lock()

    def __call__(self, slack_team_id: str) -> ZoneInfo:
        if self._read_at is None:
            self.load()
        zone = self._zones.get(slack_team_id, self._default)
        stale = self._read_at is not None and self._clock() - self._read_at >= self._ttl
        if stale and self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="zones", daemon=True).start()
        return zone

    def load(self) -> None:
        """Read every workspace's zone now."""
        read_at = self._clock()
        with session_scope(self._sessions) as session:
            names = workspace.time_zones(session)
        self._zones = {team: ZoneInfo(name) for team, name in names.items()}
        self._read_at = read_at

    def wait_refreshed(self, timeout: float) -> bool:
        """Wait until the read in the background (if one runs) is over; False if it still runs."""
        if not self._refreshing.acquire(timeout=timeout):
            return False
        self._refreshing.release()
        return True

    def forget(self, slack_team_id: str) -> None:
        """A setting changed in this process: read them all again at the next use."""
        self._read_at = None

    def _refresh(self) -> None:
        try:
            self.load()
        except Exception:  # noqa: BLE001 - the zones read before stay in use; retried at the next use
            log.warning("could not read the workspaces' time zones again", exc_info=True)
        finally:
            self._refreshing.release()


def period_bounds(
    starts_on: date, ends_on: date, start_time: time | None, end_time: time | None, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The first and the last instant off, aware in `zone`: from the start time (or midnight) to the
    end time (or 23:59:59 of the last day, as the seed's example blocks a vacation). A time in a
    repeated hour is its first occurrence; compare them in UTC (`in_utc`): Python compares two
    times of one zone by their wall clocks."""
    return (
        local_instant(starts_on, start_time or time(0), zone),
        local_instant(ends_on, end_time or time(23, 59, 59), zone),
    )


def in_utc(bounds: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    return bounds[0].astimezone(UTC), bounds[1].astimezone(UTC)


def request_errors(data: RequestInput, zone: ZoneInfo, now: datetime) -> dict[str, str]:
    """What is wrong with `data` on its own, by field, for a business in `zone` at `now`: the one
    place for a request's rules (the form shows them under its inputs, keyed by these fields)."""
    errors: dict[str, str] = {}
    today = now.astimezone(zone).date()
    if data.starts_on < today:
        errors["starts_on"] = "That date has already passed."
    elif data.starts_on > today + MAX_AHEAD:
        errors["starts_on"] = "Time off can be requested up to two years ahead."
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "The last day can't be before the first day."
    elif (data.ends_on - data.starts_on).days + 1 > MAX_DAYS:
        errors["ends_on"] = f"Ask for at most a year ({MAX_DAYS} days) at a time."
    if not data.all_day:
        passed_from = None if "starts_on" in errors else now
        errors.update(_time_errors(data, zone, order="ends_on" not in errors, now=passed_from))
    if len(data.reason.strip()) > MAX_REASON:
        errors["reason"] = f"Keep the reason to {MAX_REASON} characters or fewer."
    elif refused := hidden_character_error("A reason", data.reason, multiline=True):
        errors["reason"] = refused
    return errors


_NO_TIME = {
    "start_time": "Give a start time, or choose all day.",
    "end_time": "Give an end time, or choose all day.",
}


def _time_errors(data: RequestInput, zone: ZoneInfo, *, order: bool, now: datetime | None) -> dict[str, str]:
    """A part day's times: given; existing that day in `zone` (not in a clock change's gap); with
    `order`, the end after the start in UTC; with `now`, the start not passed."""
    errors: dict[str, str] = {}
    for field, day, at in (
        ("start_time", data.starts_on, data.start_time),
        ("end_time", data.ends_on, data.end_time),
    ):
        change = gap_change(day, at, zone) if at is not None else None
        if at is None:
            errors[field] = _NO_TIME[field]
        elif change is not None:
            errors[field] = gap_message(day, at, change)
    if errors or not order:
        return errors
    start, end = in_utc(period_bounds(data.starts_on, data.ends_on, data.start_time, data.end_time, zone))
    if end <= start:
        errors["end_time"] = "The end time must be after the start time."
    elif now is not None and start < now:
        errors["start_time"] = "That time has already passed."
    return errors


def period_problem(
    starts_on: date, ends_on: date, start_time: time | None, end_time: time | None, zone: ZoneInfo
) -> str:
    """Why a stored part-day period cannot go in the calendar, '' when it can: a request stored
    before its times were checked may hold a time a clock change skips, or end before it starts."""
    if start_time is None or end_time is None:
        return ""
    data = RequestInput(starts_on, ends_on, all_day=False, start_time=start_time, end_time=end_time)
    return " ".join(_time_errors(data, zone, order=True, now=None).values())


def repeated_time_notes(
    starts_on: date, ends_on: date, start_time: time | None, end_time: time | None, zone: ZoneInfo
) -> list[str]:
    """A sentence for each time of a period that happens twice that night (the first is meant)."""
    notes: list[str] = []
    for day, at in ((starts_on, start_time), (ends_on, end_time)):
        if at is not None and fold_change(day, at, zone) is not None and fold_note(at) not in notes:
            notes.append(fold_note(at))
    return notes


def row_bounds(row: TimeOffRequest) -> tuple[datetime, datetime]:
    return period_bounds(row.starts_on, row.ends_on, row.start_time, row.end_time, ZoneInfo(row.timezone))


def block_marker(request_id: int) -> str:
    return f"(rosterbot #{request_id})"


def request_ref(request_id: int) -> str:
    return f"request:{request_id}"


class MemberNames:
    """Member names for messages, from the API's team list, each kept for `ttl` seconds. When the
    API cannot answer, a message says "member #7" rather than waiting for it."""

    def __init__(self, api: TeamApi, ttl: float = 60.0) -> None:
        self._api = api
        self._ttl = ttl
        self._names: dict[int, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def remember(self, member_id: int, name: str) -> None:
        if name:
            with self._lock:
                self._names[member_id] = (monotonic_time.monotonic(), name)

    def name(self, member_id: int) -> str:
        with self._lock:
            at, known = self._names.get(member_id, (float("-inf"), ""))
        if known and monotonic_time.monotonic() - at < self._ttl:
            return known
        try:
            team = self._api.list_team()
        except ApiError as exc:
            log.warning("member names unavailable: %s", exc.message or type(exc).__name__)
            return known or f"member #{member_id}"
        now = monotonic_time.monotonic()
        with self._lock:
            self._names.update({member.id: (now, member.name) for member in team})
            return self._names.get(member_id, (now, ""))[1] or known or f"member #{member_id}"


class TimeOffService:
    def __init__(
        self,
        api: TeamApi,
        session_factory: sessionmaker[Session],
        identity: FreshRoles,
        settings: Settings,
        *,
        availability: AvailabilitySource | None = None,
        clock: Clock = utc_clock,
        names: MemberNames | None = None,
        auditor: Auditor | None = None,
        zones: WorkspaceZones | None = None,
        leave: LeaveBook | None = None,
    ) -> None:
        self.leave = leave
        self._api = api
        self._sessions = session_factory
        self.zones = zones or WorkspaceZones(session_factory, settings)
        self._identity = identity
        self._settings = settings
        self._availability = availability
        self._clock = clock
        self.names = names or MemberNames(api)
        self._auditor = auditor or Auditor(session_factory, clock)

    # -- writes ---------------------------------------------------------------------------------

    def check_input(self, slack_team_id: str, data: RequestInput) -> None:
        """Raise InvalidRequest for what is wrong with `data` on its own (dates passed, the end
        before the start, a long reason): no API call, so a form can answer at once."""
        self._validate(data, self.business_zone(slack_team_id))

    def business_zone(self, slack_team_id: str) -> ZoneInfo:
        """The workspace's time zone (its setting, else ROSTERBOT_TIMEZONE), as read in the last
        `ZONE_TTL` seconds. No API call."""
        return self.zones(slack_team_id)

    def request(self, actor: Actor, data: RequestInput, *, retried: bool = False) -> TimeOffView:
        """Store a pending request and queue its post to the approvals channel, in one transaction.
        `retried`: this request was asked for before and may have been stored then (the process
        doing it died after the commit): the same request by the same person within the hour is
        taken to be that one."""
        actor = self._fresh(actor)
        assert actor.member_id is not None
        member_id = actor.member_id if data.member_id is None else data.member_id
        own = member_id == actor.member_id
        self._require(actor, Operation.TIME_OFF_REQUEST_OWN if own else Operation.TIME_OFF_REQUEST_FOR_OTHER)
        if own:
            self.names.remember(member_id, actor.name)
        else:
            self._member_for_request(member_id)
        leave_type, use = self._leave_use(actor.slack_team_id, member_id, data)

        with session_scope(self._sessions) as session:
            config = workspace_config(session, self._settings, actor.slack_team_id)
            self._validate(data, config.zone)
            now = self._clock()
            if retried:
                wanted = TimeOffRequest(
                    slack_team_id=actor.slack_team_id,
                    member_id=member_id,
                    requested_by_slack_user_id=actor.slack_user_id,
                    starts_on=data.starts_on,
                    ends_on=data.ends_on,
                    all_day=data.all_day,
                    start_time=data.start_time,
                    end_time=data.end_time,
                    reason=data.reason.strip(),
                    leave_type_id=leave_type.id if leave_type is not None else None,
                )
                earlier = requests.same_since(session, wanted, now - timedelta(hours=1))
                if earlier is not None:
                    log.info("time off #%s: stored by an earlier attempt of this request", earlier.id)
                    return self.view(earlier.id)
            row = requests.add(
                session,
                slack_team_id=actor.slack_team_id,
                member_id=member_id,
                requested_by_member_id=actor.member_id,
                requested_by_slack_user_id=actor.slack_user_id,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                all_day=data.all_day,
                start_time=data.start_time,
                end_time=data.end_time,
                timezone=config.zone.key,
                reason=data.reason.strip(),
                at=now,
                leave_type_id=leave_type.id if leave_type is not None else None,
            )
            detail = leave_type.name if leave_type is not None else ""
            if leave_type is not None and not leave_type.needs_approval:
                # Recorded and blocked at once; the approvers are told by the same post, decided.
                requests.decide(
                    session,
                    row.id,
                    slack_team_id=actor.slack_team_id,
                    approve=True,
                    decided_by_member_id=actor.member_id,
                    decided_by_slack_user_id=actor.slack_user_id,
                    note=None,
                    at=now,
                )
                outbox.enqueue(session, outbox.CREATE_BLOCKED_TIME, request_id=row.id, at=now)
                detail += ": recorded at once, no approval needed"
            elif use is not None and use.goes_below_zero:
                detail += f": below zero ({use.shortfall()})"
            outbox.enqueue(session, outbox.POST_APPROVAL, request_id=row.id, at=now)
            self._audit(
                session,
                actor,
                Operation.TIME_OFF_REQUEST_OWN if own else Operation.TIME_OFF_REQUEST_FOR_OTHER,
                row,
                "allowed",
                detail,
            )
            request_id = row.id
        return self.view(request_id)

    def _leave_use(
        self, slack_team_id: str, member_id: int, data: RequestInput
    ) -> tuple[LeaveTypeView | None, RequestUse | None]:
        """The request's leave type and what it uses; InvalidRequest for a type the workspace does
        not have, or a request that would go below zero where the business refuses that."""
        if self.leave is None:
            return None, None
        types = self.leave.types_of(slack_team_id)
        leave_type = types[0] if data.leave_type_id is None else None
        leave_type = leave_type or next((t for t in types if t.id == data.leave_type_id), None)
        if leave_type is None:
            raise InvalidRequest({LEAVE_TYPE_FIELD: "Choose one of the leave types."})
        self._validate(data, self.business_zone(slack_team_id))
        use = self.leave.use_of(
            slack_team_id,
            member_id,
            leave_type.id,
            data.starts_on,
            data.ends_on,
            None if data.all_day else data.start_time,
            None if data.all_day else data.end_time,
        )
        if use.goes_below_zero and use.below_zero is BelowZero.REFUSE:
            raise InvalidRequest(
                {LEAVE_TYPE_FIELD: f"{use.shortfall()} Ask for fewer days, or choose another leave type."}
            )
        return leave_type, use

    def decide(self, actor: Actor, request_id: int, approve: bool, note: str | None = None) -> DecisionResult:
        """Approve or deny once. Approval queues the blocked time in the same transaction."""
        actor = self._fresh(actor)
        assert actor.member_id is not None
        self._require(actor, Operation.TIME_OFF_DECIDE)
        if approve:
            stale = self._refuse_if_member_gone(actor, request_id)
            if stale is not None:
                return stale
        with session_scope(self._sessions) as session:
            row = self._row(session, actor.slack_team_id, request_id)
            if row.member_id == actor.member_id and actor.role is not Role.OWNER:
                self._auditor.refuse(
                    actor,
                    Operation.TIME_OFF_DECIDE,
                    PermissionDenied(Role.OWNER, "Only an owner can approve or deny their own time off."),
                    target=_target(row),
                )
            note = validate_note(note, approve=approve)
            if approve and row.status == requests.PENDING:
                _require_placeable(row)
            now = self._clock()
            won = requests.decide(
                session,
                request_id,
                slack_team_id=actor.slack_team_id,
                approve=approve,
                decided_by_member_id=actor.member_id,
                decided_by_slack_user_id=actor.slack_user_id,
                note=note,
                at=now,
            )
            row = self._row(session, actor.slack_team_id, request_id)
            if won:
                kind = outbox.CREATE_BLOCKED_TIME if approve else outbox.NOTIFY_DECISION
                outbox.enqueue(session, kind, request_id=request_id, at=now)
                outbox.enqueue(session, outbox.UPDATE_APPROVAL, request_id=request_id, at=now)
                detail = "approved" if approve else f"denied: {note}"
                self._audit(session, actor, Operation.TIME_OFF_DECIDE, row, "allowed", detail)
        # Names may need the API: build the view after the commit, never inside the transaction.
        view = self.view(request_id)
        if not won:
            return DecisionResult(False, view, self._already_message(view))
        if approve:
            message = f"Approved {view.member_name}'s time off ({view.period}); adding it to the calendar."
        else:
            message = f"Denied {view.member_name}'s time off ({view.period})."
        return DecisionResult(True, view, message)

    def _refuse_if_member_gone(self, actor: Actor, request_id: int) -> DecisionResult | None:
        """A request of a member who is no longer active (deactivated or removed, in rosterbot or
        in the business system) is not approved: it is closed, and the approver told why."""
        with session_scope(self._sessions) as session:
            row = self._row(session, actor.slack_team_id, request_id)
            member_id, status = row.member_id, row.status
        if status != requests.PENDING:
            return None  # decide() says who decided it
        try:
            member: TeamMember | None = self._api.get_member(member_id)
        except NotFound:
            member = None
        if member is not None and member.is_active:
            return None
        name = member.name if member is not None else self.names.name(member_id)
        why = "deactivated" if member is not None else "removed from the team"
        closed = close_pending_requests(
            self._sessions, actor, member_id, f"{name} was {why}.", at=self._clock(), only=request_id
        )
        view = self.view(request_id)
        if not closed:
            return DecisionResult(False, view, self._already_message(view))
        message = (
            f"{name} is no longer an active team member ({why}), so this request can't be approved; "
            "it has been closed."
        )
        return DecisionResult(False, view, message)

    def cancel(self, actor: Actor, request_id: int) -> CancelResult:
        """Cancel a pending request (its member, or an approver), or an approved one that has not
        started (an approver): the blocked time is then removed by the worker."""
        actor = self._fresh(actor)
        assert actor.member_id is not None
        for _ in range(3):  # the status may move under us (approved meanwhile): judge it again
            with session_scope(self._sessions) as session:
                row = self._row(session, actor.slack_team_id, request_id)
                status = row.status
                if status in (requests.DENIED, requests.CANCELLED):
                    break
                own = actor.member_id in (row.member_id, row.requested_by_member_id)
                if status == requests.PENDING and own:
                    self._require(actor, Operation.TIME_OFF_CANCEL_OWN, _target(row))
                elif status == requests.APPROVED and own and not self._may_decide(actor):
                    self._auditor.refuse(
                        actor,
                        Operation.TIME_OFF_DECIDE,
                        PermissionDenied(Role.ADMIN, ALREADY_APPROVED),
                        target=_target(row),
                    )
                else:
                    self._require(actor, Operation.TIME_OFF_DECIDE, _target(row))
                now = self._clock()
                if status == requests.APPROVED and row_bounds(row)[0] <= now:
                    raise InvalidRequest(
                        {"request": "This time off has already started, so it can't be cancelled."}
                    )
                if not requests.cancel(
                    session, request_id, slack_team_id=actor.slack_team_id, from_statuses=[status], at=now
                ):
                    continue
                if status == requests.APPROVED:
                    # The block may not exist yet: stop its creation. If it is being made right now,
                    # the creating delivery sees the cancellation and removes it (services/outbox.py).
                    outbox.cancel_for_request(session, request_id, [outbox.CREATE_BLOCKED_TIME], at=now)
                    outbox.enqueue(
                        session,
                        outbox.DELETE_BLOCKED_TIME,
                        request_id=request_id,
                        payload={"block_id": row.blocked_time_id},
                        at=now,
                    )
                outbox.enqueue(session, outbox.UPDATE_APPROVAL, request_id=request_id, at=now)
                outbox.enqueue(
                    session,
                    outbox.NOTIFY_CANCELLED,
                    request_id=request_id,
                    payload={"cancelled_by_slack_user_id": actor.slack_user_id},
                    at=now,
                )
                operation = (
                    Operation.TIME_OFF_CANCEL_OWN
                    if own and status == requests.PENDING
                    else (Operation.TIME_OFF_DECIDE)
                )
                self._audit(session, actor, operation, row, "allowed", f"cancelled ({status})")
            view = self.view(request_id)
            return CancelResult(True, view, f"Cancelled {view.member_name}'s time off ({view.period}).")
        else:
            raise InvalidRequest({"request": "This request is changing right now; please try again."})
        view = self.view(request_id)
        return CancelResult(False, view, f"This request was already {view.status}.")

    # -- reads ----------------------------------------------------------------------------------

    def get(self, actor: Actor, request_id: int) -> TimeOffView:
        """One request of the actor's workspace: the member's own, or any for an approver."""
        self._linked(actor)
        with session_scope(self._sessions) as session:
            row = self._row(session, actor.slack_team_id, request_id)
            if actor.member_id not in (row.member_id, row.requested_by_member_id):
                self._require(actor, Operation.TIME_OFF_DECIDE)
            return self._view(session, row)

    def list_for(
        self, actor: Actor, member_id: int | None = None, *, limit: int = 50, offset: int = 0
    ) -> Page[TimeOffView]:
        """A member's requests in the actor's workspace, the latest first (another member's:
        approvers only): `limit` of them from `offset`, and how many there are in all."""
        self._linked(actor)
        assert actor.member_id is not None
        target = actor.member_id if member_id is None else member_id
        if target != actor.member_id:
            self._require(actor, Operation.TIME_OFF_DECIDE)
        with session_scope(self._sessions) as session:
            team = actor.slack_team_id
            total = requests.count_for_member(session, team, target)
            offset = max(0, min(offset, total - 1 if total else 0))  # a stale page: the last one
            rows = requests.for_member(session, team, target, limit=limit, offset=offset)
            return Page([self._view(session, row) for row in rows], total, offset)

    def ahead(self, actor: Actor, *, now: datetime) -> Page[TimeOffView]:
        """The actor's own requests still ahead: pending, or approved and not ended by `now`; by
        start, all of them (a member has few), counted."""
        self._linked(actor)
        assert actor.member_id is not None
        with session_scope(self._sessions) as session:
            day_before = (now - timedelta(days=1)).date()  # zones differ by at most a day from UTC
            rows = requests.ahead_for_member(
                session, actor.slack_team_id, actor.member_id, ending_on_or_after=day_before
            )
            views = [self._view(session, row) for row in rows]
        found = [v for v in views if v.status == PENDING or v.ends_at >= now]
        return Page(found, len(found))

    def pending(self, actor: Actor, *, limit: int = 100, offset: int = 0) -> Page[TimeOffView]:
        """Requests waiting for a decision in the actor's workspace, the oldest first (approvers):
        `limit` of them from `offset`, and how many wait in all."""
        self._linked(actor)
        self._require(actor, Operation.TIME_OFF_DECIDE)
        team = actor.slack_team_id
        with session_scope(self._sessions) as session:
            total = requests.count_pending(session, slack_team_id=team)
            offset = max(0, min(offset, total - 1 if total else 0))  # a stale page: the last one
            rows = requests.pending(session, slack_team_id=team, limit=limit, offset=offset)
            return Page([self._view(session, row) for row in rows], total, offset)

    def coverage_warning(self, request: TimeOffView) -> list[str]:
        """Sentences for each position and day this request would leave short of its workspace
        minimum ("only 1 Stylist left on Fri 3 Apr (minimum 2)"). May raise the API's errors."""
        if self._availability is None or not request.all_day:
            return []  # a partial day leaves the member available (domain/availability.py)
        with session_scope(self._sessions) as session:
            config = workspace_config(session, self._settings, request.slack_team_id)
        if not config.coverage_minimums:
            return []
        days = request.days[:COVERAGE_DAYS]
        availability = self._availability.availability_for(days, request.zone)
        found = coverage.request_shortfalls(availability, config.coverage_minimums, request.member_id, days)
        return [item.sentence for item in found]

    def approvers(self, slack_team_id: str) -> list[Approver]:
        """The active members who may decide requests (owners and admins, by the role the API
        gives now), with their Slack users in `slack_team_id`. May raise the API's errors."""
        team = self._api.list_team()
        with session_scope(self._sessions) as session:
            linked = links.links_in(session, slack_team_id)
        users: dict[int, list[str]] = {}
        for link in linked:
            users.setdefault(link.member_id, []).append(link.slack_user_id)
        return [
            Approver(member.id, member.name, member.email, tuple(users.get(member.id, ())))
            for member in team
            if member.is_active and check(member.role, Operation.TIME_OFF_DECIDE).allowed
        ]

    def view(self, request_id: int) -> TimeOffView:
        """A request for the worker's messages (no actor: the worker acts for the request's own
        workspace, `slack_team_id` of the view)."""
        with session_scope(self._sessions) as session:
            row = requests.get_for_worker(session, request_id)
            if row is None:
                raise NotFoundError(f"There is no time off request #{request_id}.")
            view = self._view(session, row)
        if self.leave is None or view.status not in (PENDING, APPROVED):
            return view
        use = self.leave.use_of(
            view.slack_team_id,
            view.member_id,
            view.leave_type.id if view.leave_type else None,
            view.starts_on,
            view.ends_on,
            view.start_time,
            view.end_time,
            exclude_request=view.id,
        )
        return replace(view, use=use)

    # -- helpers --------------------------------------------------------------------------------

    def _fresh(self, actor: Actor) -> Actor:
        self._linked(actor)
        fresh = self._identity.actor_for_write(actor)
        self._linked(fresh)
        return fresh

    @staticmethod
    def _linked(actor: Actor) -> None:
        if not actor.is_linked:
            raise NotLinked()

    def _require(self, actor: Actor, operation: Operation, target: str = "") -> None:
        self._auditor.require(actor, operation, target=target)

    @staticmethod
    def _may_decide(actor: Actor) -> bool:
        return check(actor.role, Operation.TIME_OFF_DECIDE).allowed

    def _member_for_request(self, member_id: int) -> TeamMember:
        try:
            member = self._api.get_member(member_id)
        except NotFound:
            raise NotFoundError(f"There is no team member #{member_id}.") from None
        if not member.is_active:
            raise NotFoundError(f"{member.name} is not an active team member.")
        self.names.remember(member.id, member.name)
        return member

    def _validate(self, data: RequestInput, zone: ZoneInfo) -> None:
        errors = request_errors(data, zone, self._clock())
        if errors:
            raise InvalidRequest(errors)

    @staticmethod
    def _row(session: Session, slack_team_id: str, request_id: int) -> TimeOffRequest:
        """The request, if the workspace has it: another workspace's is as unknown as a missing one."""
        row = requests.get(session, request_id, slack_team_id=slack_team_id)
        if row is None:
            raise NotFoundError(f"There is no time off request #{request_id}.")
        return row

    def _view(self, session: Session, row: TimeOffRequest) -> TimeOffView:
        view = to_view(session, row, self.names)
        if self.leave is None:
            return view
        types = leave_store.leave_types(session, row.slack_team_id)
        chosen = next((t for t in types if t.id == row.leave_type_id), types[0])
        leave_type = LeaveTypeView(
            chosen.id, chosen.name, chosen.emoji, chosen.counts, chosen.needs_approval, chosen.reason_private
        )
        return replace(view, leave_type=leave_type)

    def _already_message(self, view: TimeOffView) -> str:
        if view.status == requests.CANCELLED:
            return "This request was cancelled, so there is nothing to decide."
        when = view.decided_at.astimezone(view.zone).strftime("%H:%M") if view.decided_at else ""
        today = self._clock().astimezone(view.zone).date()
        if view.decided_at and view.decided_at.astimezone(view.zone).date() != today:
            when = f"{format_day(view.decided_at.astimezone(view.zone).date())} {when}"
        who = view.decided_by_name or "Someone"
        return f"{who} already {view.status} this at {when}.".replace(" at .", ".")

    def _audit(
        self,
        session: Session,
        actor: Actor,
        operation: Operation,
        row: TimeOffRequest,
        outcome: str,
        detail: str = "",
    ) -> None:
        _record(session, actor, operation, row, outcome, detail, at=self._clock())


def _record(
    session: Session,
    actor: Actor,
    operation: Operation,
    row: TimeOffRequest,
    outcome: str,
    detail: str,
    *,
    at: datetime,
) -> None:
    """The audit row of `actor`'s `operation` on the request `row`."""
    write_row(session, actor, operation, outcome, _target(row), detail, at=at)


def _require_placeable(row: TimeOffRequest) -> None:
    """Refuse to approve a request whose period cannot go in the calendar (stored before its times
    were checked): the approval would only fail there, and the requester learn it days later."""
    problem = period_problem(row.starts_on, row.ends_on, row.start_time, row.end_time, ZoneInfo(row.timezone))
    if problem:
        raise InvalidRequest(
            {"request": f"This request can't go in the calendar: {problem} Deny it and ask for it again."}
        )


def close_pending_requests(
    session_factory: sessionmaker[Session],
    actor: Actor,
    member_id: int,
    note: str,
    *,
    at: datetime,
    only: int | None = None,
) -> list[int]:
    """Close (cancel, with `note` saying why) the member's pending requests, or just request `only`,
    in one transaction: a member who is no longer active has nothing left to decide. The approval
    posts are edited and the member told through the outbox. The ids closed.

    Request `only` is one of the actor's workspace. Without it the member has left the business,
    which every workspace shares: their requests close in every workspace."""
    closed: list[int] = []
    scope = actor.slack_team_id if only is not None else None
    with session_scope(session_factory) as session:
        rows = requests.for_member(
            session, scope, member_id, statuses=[requests.PENDING], limit=requests.MAX_ID
        )
        for row in rows:
            if only is not None and row.id != only:
                continue
            if not requests.cancel(
                session,
                row.id,
                slack_team_id=row.slack_team_id,
                from_statuses=[requests.PENDING],
                at=at,
                note=note,
            ):
                continue  # decided meanwhile
            outbox.enqueue(session, outbox.UPDATE_APPROVAL, request_id=row.id, at=at)
            outbox.enqueue(
                session,
                outbox.NOTIFY_CANCELLED,
                request_id=row.id,
                payload={"cancelled_by_slack_user_id": actor.slack_user_id},
                at=at,
            )
            _record(session, actor, Operation.TIME_OFF_DECIDE, row, "allowed", f"closed: {note}", at=at)
            closed.append(row.id)
    return closed


def _target(row: TimeOffRequest) -> str:
    return f"time off #{row.id} (member {row.member_id})"


def to_view(session: Session, row: TimeOffRequest, names: MemberNames) -> TimeOffView:
    member_links = links.links_for_member(session, row.member_id, slack_team_id=row.slack_team_id)
    return TimeOffView(
        id=row.id,
        slack_team_id=row.slack_team_id,
        member_id=row.member_id,
        member_name=names.name(row.member_id),
        member_slack_user_id=member_links[0].slack_user_id if member_links else None,
        requested_by_member_id=row.requested_by_member_id,
        requested_by_slack_user_id=row.requested_by_slack_user_id,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        all_day=row.all_day,
        start_time=row.start_time,
        end_time=row.end_time,
        timezone=row.timezone,
        reason=row.reason,
        status=row.status,
        decided_by_member_id=row.decided_by_member_id,
        decided_by_slack_user_id=row.decided_by_slack_user_id,
        decided_by_name=names.name(row.decided_by_member_id) if row.decided_by_member_id else None,
        decided_at=requests.as_utc(row.decided_at) if row.decided_at else None,
        decision_note=row.decision_note,
        blocked_time_id=row.blocked_time_id,
        created_at=requests.as_utc(row.created_at),
    )
