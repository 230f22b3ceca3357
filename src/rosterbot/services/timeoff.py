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
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.errors import NotFound
from rosterbot.api.models import TeamMember
from rosterbot.config import Settings
from rosterbot.domain import coverage
from rosterbot.domain.availability import Availability
from rosterbot.domain.dates import format_day
from rosterbot.domain.leave import BelowZero, LeaveTypeView, RequestUse
from rosterbot.domain.permissions import Operation, check
from rosterbot.domain.roles import Actor, Role
from rosterbot.services.audit import Auditor, write_row
from rosterbot.services.errors import (
    REQUEST_BUSY,
    Busy,
    InvalidRequest,
    NotFoundError,
    NotLinked,
    PermissionDenied,
)
from rosterbot.services.member_names import MemberNames, TeamApi
from rosterbot.services.paging import Page
from rosterbot.services.timeoff_rules import (
    LEAVE_TYPE_FIELD,
    RequestDraft,
    RequestInput,
    checked_request,
    period_bounds,
    period_problem,
    request_errors,
    validate_note,
)
from rosterbot.services.timeoff_views import (
    APPROVED,
    PENDING,
    Approver,
    CancelResult,
    DecisionResult,
    TimeOffView,
    ViewSources,
    to_view,
)
from rosterbot.services.workspace_config import WorkspaceZones, workspace_config
from rosterbot.store import leave as leave_store
from rosterbot.store import links, outbox
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope
from rosterbot.store.locks import LockTimeout, member_lock
from rosterbot.store.models import TimeOffRequest

log = logging.getLogger(__name__)

COVERAGE_DAYS = 31  # the availability service answers at most a month at a time
ALREADY_APPROVED = "This request is already approved; ask an owner or admin to cancel it."
Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)


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


class AvailabilitySource(Protocol):
    """Who is available on each of `days` (local dates in `zone`), from the business API."""

    def availability_for(self, days: Sequence[date], zone: ZoneInfo) -> Availability: ...


def row_bounds(row: TimeOffRequest) -> tuple[datetime, datetime]:
    return period_bounds(row.starts_on, row.ends_on, row.start_time, row.end_time, ZoneInfo(row.timezone))


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

    def check_input(self, slack_team_id: str, draft: RequestDraft) -> RequestInput:
        """The request `draft` holds, or InvalidRequest for what is wrong with it on its own (no
        first day, dates passed, the end before the start, a long reason), by field: no API
        call, so a form can answer at once. `request` checks it again."""
        return checked_request(draft, self.business_zone(slack_team_id), self._clock())

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
        # One request of a member at a time from the balance check to the commit: two sent at the
        # same moment would both see the days the other is about to use (a per-member lock, in
        # every process; only where leave is counted).
        balance: AbstractContextManager[None] = (
            nullcontext() if self.leave is None else member_lock(self._sessions, member_id)
        )
        try:
            with balance:
                request_id = self._store_request(actor, member_id, own, data, retried)
        except LockTimeout:
            raise Busy(REQUEST_BUSY) from None
        return self.view(request_id)  # built after the transaction, as every view

    def _store_request(
        self, actor: Actor, member_id: int, own: bool, data: RequestInput, retried: bool
    ) -> int:
        assert actor.member_id is not None
        leave_type, use = self._leave_use(actor.slack_team_id, member_id, data)
        asked = _asked(actor, member_id, data, leave_type)
        if retried and (earlier := self._stored_before(asked)) is not None:
            log.info("time off #%s: stored by an earlier attempt of this request", earlier)
            return earlier
        with session_scope(self._sessions) as session:
            config = workspace_config(session, self._settings, actor.slack_team_id)
            self._validate(data, config.zone)
            now = self._clock()
            row = requests.add(
                session, **asked, requested_by_member_id=actor.member_id, timezone=config.zone.key, at=now
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
            return row.id

    def _stored_before(self, asked: dict[str, Any]) -> int | None:
        """The id of the same request (`_asked`) stored within the hour: a retried request whose
        first attempt committed before its process died."""
        wanted = TimeOffRequest(**asked)
        with session_scope(self._sessions) as session:
            earlier = requests.same_since(session, wanted, self._clock() - timedelta(hours=1))
            return earlier.id if earlier is not None else None

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
            sources = self._sources(session, actor.slack_team_id, [row])
        return to_view(row, sources, self.names)

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
            sources = self._sources(session, team, rows)
        return Page(self._views(rows, sources), total, offset)

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
            sources = self._sources(session, actor.slack_team_id, rows)
        views = self._views(rows, sources)
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
            sources = self._sources(session, team, rows)
        return Page(self._views(rows, sources), total, offset)

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
            sources = self._sources(session, row.slack_team_id, [row])
        view = to_view(row, sources, self.names)
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

    def _sources(self, session: Session, slack_team_id: str, rows: Sequence[TimeOffRequest]) -> ViewSources:
        """What the views of `rows` (of one workspace) need beside them, read in their transaction:
        the members' Slack users and the workspace's leave types, one query each for all rows."""
        if not rows:
            return ViewSources({})
        users = links.first_users(session, slack_team_id, {row.member_id for row in rows})
        if self.leave is None:
            return ViewSources(users)
        types = [
            LeaveTypeView(t.id, t.name, t.emoji, t.counts, t.needs_approval, t.reason_private)
            for t in leave_store.leave_types(session, slack_team_id)
        ]
        return ViewSources(users, types)

    def _views(self, rows: Sequence[TimeOffRequest], sources: ViewSources) -> list[TimeOffView]:
        """The views of rows whose transaction has committed: names may wait for the API."""
        return [to_view(row, sources, self.names) for row in rows]

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


def _asked(
    actor: Actor, member_id: int, data: RequestInput, leave_type: LeaveTypeView | None
) -> dict[str, Any]:
    """What makes a time-off request the one asked for (who asked, for whom, when, what type, why):
    the columns it is stored with, and what a retry looks for (`TimeOffService._stored_before`)."""
    return {
        "slack_team_id": actor.slack_team_id,
        "member_id": member_id,
        "requested_by_slack_user_id": actor.slack_user_id,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "all_day": data.all_day,
        "start_time": data.start_time,
        "end_time": data.end_time,
        "reason": data.reason.strip(),
        "leave_type_id": leave_type.id if leave_type is not None else None,
    }
