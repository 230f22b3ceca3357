"""Time-off requests as the Slack half and the worker show them (`TimeOffView`), the outcomes of a
decision and a cancellation, and the approvers. A view is built from rows read in a transaction,
after it commits: its names come through the API's cache (`MemberNames`), which may wait for the
API, and that must not hold a transaction open."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rosterbot.domain.dates import format_day, format_days
from rosterbot.domain.leave import LeaveTypeView, RequestUse
from rosterbot.services.member_names import MemberNames
from rosterbot.services.timeoff_rules import period_bounds, repeated_time_notes
from rosterbot.store import timeoff as requests
from rosterbot.store.models import TimeOffRequest

# The statuses the Slack half shows (slack/ never imports store/).
from rosterbot.store.timeoff import APPROVED as APPROVED
from rosterbot.store.timeoff import PENDING as PENDING


@dataclass(frozen=True)
class Approver:
    """A member who may decide requests; `slack_user_ids`: their linked Slack users (maybe none)."""

    member_id: int
    name: str
    email: str | None
    slack_user_ids: tuple[str, ...]


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


def block_marker(request_id: int) -> str:
    return f"(rosterbot #{request_id})"


def request_ref(request_id: int) -> str:
    return f"request:{request_id}"


@dataclass(frozen=True)
class ViewSources:
    """What the views of one workspace's requests need from the store beside their rows, read in
    the rows' transaction with one query each for the whole list (not one a row)."""

    slack_users: Mapping[int, str]  # member id -> the member's first linked Slack user
    leave_types: Sequence[LeaveTypeView] = ()  # the workspace's, in order; none: not wired in

    def leave_type_of(self, row: TimeOffRequest) -> LeaveTypeView | None:
        """The request's type; a type since removed reads as the first (Vacation)."""
        if not self.leave_types:
            return None
        return next((t for t in self.leave_types if t.id == row.leave_type_id), self.leave_types[0])


def to_view(row: TimeOffRequest, sources: ViewSources, names: MemberNames) -> TimeOffView:
    """The view of a row read in a transaction that has committed (`names` may ask the API)."""
    return TimeOffView(
        id=row.id,
        slack_team_id=row.slack_team_id,
        member_id=row.member_id,
        member_name=names.name(row.member_id),
        member_slack_user_id=sources.slack_users.get(row.member_id),
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
        leave_type=sources.leave_type_of(row),
    )
