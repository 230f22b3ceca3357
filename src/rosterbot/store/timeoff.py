"""Time off requests (`time_off_requests`).

Each request belongs to the Slack workspace it was made in (`slack_team_id`): every read or change
made for someone names that workspace, and a request of another workspace is simply not found.
Only the worker reads by id alone (`get_for_worker`): the row's own workspace then decides where
its messages go.

Every change of status is a conditional UPDATE (`... WHERE id = ? AND status IN (...)`): the
database decides which of two racing writers wins, and the loser sees a rowcount of 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from rosterbot.store.models import TimeOffRequest

PENDING = "pending"
APPROVED = "approved"
DENIED = "denied"
CANCELLED = "cancelled"
STATUSES = (PENDING, APPROVED, DENIED, CANCELLED)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; we only ever store UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def add(
    session: Session,
    *,
    slack_team_id: str,
    member_id: int,
    requested_by_member_id: int,
    requested_by_slack_user_id: str,
    starts_on: date,
    ends_on: date,
    all_day: bool,
    start_time: time | None,
    end_time: time | None,
    timezone: str,
    reason: str,
    at: datetime,
    leave_type_id: int | None = None,
) -> TimeOffRequest:
    row = TimeOffRequest(
        slack_team_id=slack_team_id,
        member_id=member_id,
        requested_by_member_id=requested_by_member_id,
        requested_by_slack_user_id=requested_by_slack_user_id,
        starts_on=starts_on,
        ends_on=ends_on,
        all_day=all_day,
        start_time=None if all_day else start_time,
        end_time=None if all_day else end_time,
        timezone=timezone,
        reason=reason,
        leave_type_id=leave_type_id,
        status=PENDING,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row


# The id column is a 32-bit integer: PostgreSQL refuses to compare it with anything larger
# (NumericValueOutOfRange), so an id out of that range is simply not found.
MAX_ID = 2**31 - 1


def same_since(session: Session, wanted: TimeOffRequest, since: datetime) -> TimeOffRequest | None:
    """The newest request of the workspace made since `since` by the same person, for the same
    member, days, times, type and reason as `wanted` (which is not stored)."""
    same = (
        select(TimeOffRequest)
        .where(
            TimeOffRequest.slack_team_id == wanted.slack_team_id,
            TimeOffRequest.member_id == wanted.member_id,
            TimeOffRequest.requested_by_slack_user_id == wanted.requested_by_slack_user_id,
            TimeOffRequest.starts_on == wanted.starts_on,
            TimeOffRequest.ends_on == wanted.ends_on,
            TimeOffRequest.all_day == wanted.all_day,
            TimeOffRequest.reason == wanted.reason,
            TimeOffRequest.created_at >= as_utc(since),
        )
        .order_by(TimeOffRequest.id.desc())
    )
    return next(
        (
            row
            for row in session.scalars(same)
            if (row.start_time, row.end_time, row.leave_type_id)
            == (wanted.start_time, wanted.end_time, wanted.leave_type_id)
        ),
        None,
    )


def get(session: Session, request_id: int, *, slack_team_id: str) -> TimeOffRequest | None:
    """The request, if it belongs to the workspace `slack_team_id`."""
    row = get_for_worker(session, request_id)
    return row if row is not None and row.slack_team_id == slack_team_id else None


def get_for_worker(session: Session, request_id: int) -> TimeOffRequest | None:
    """The request in whichever workspace it is: for the worker, which acts for that workspace."""
    if not 0 < request_id <= MAX_ID:
        return None
    return session.get(TimeOffRequest, request_id, populate_existing=True)


def decide(
    session: Session,
    request_id: int,
    *,
    slack_team_id: str,
    approve: bool,
    decided_by_member_id: int,
    decided_by_slack_user_id: str,
    note: str | None,
    at: datetime,
) -> bool:
    """Record a decision on a pending request; False when it is no longer pending (someone else
    decided first, or it was cancelled)."""
    return _transition(
        session,
        slack_team_id,
        request_id,
        {PENDING},
        status=APPROVED if approve else DENIED,
        decided_by_member_id=decided_by_member_id,
        decided_by_slack_user_id=decided_by_slack_user_id,
        decided_at=at,
        decision_note=note,
        updated_at=at,
    )


def cancel(
    session: Session,
    request_id: int,
    *,
    slack_team_id: str,
    from_statuses: Iterable[str],
    at: datetime,
    note: str | None = None,
) -> bool:
    """Cancel a request that is still in one of `from_statuses` (`note`: why, when rosterbot closed
    it); False when it moved on meanwhile."""
    values: dict[str, Any] = {"status": CANCELLED, "updated_at": at}
    if note is not None:
        values["decision_note"] = note
    return _transition(session, slack_team_id, request_id, set(from_statuses), **values)


def set_blocked_time(session: Session, request_id: int, block_id: int, *, at: datetime) -> bool:
    """Remember the blocked time made for an approved request; False when the request is no
    longer approved (cancelled while the block was being made: the caller must remove it)."""
    result = session.execute(
        update(TimeOffRequest)
        .where(TimeOffRequest.id == request_id, TimeOffRequest.status == APPROVED)
        .values(blocked_time_id=block_id, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_blocked_time(session: Session, request_id: int, block_id: int, *, at: datetime) -> None:
    session.execute(
        update(TimeOffRequest)
        .where(TimeOffRequest.id == request_id, TimeOffRequest.blocked_time_id == block_id)
        .values(blocked_time_id=None, updated_at=at)
        .execution_options(synchronize_session=False)
    )


def mark_reminded(session: Session, request_id: int, *, at: datetime, not_since: datetime) -> bool:
    """Claim the reminder for a pending request not reminded since `not_since`; of two workers
    racing, one gets True."""
    result = session.execute(
        update(TimeOffRequest)
        .where(
            TimeOffRequest.id == request_id,
            TimeOffRequest.status == PENDING,
            or_(TimeOffRequest.reminded_at.is_(None), TimeOffRequest.reminded_at <= not_since),
        )
        .values(reminded_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _member_query(slack_team_id: str | None, member_id: int, statuses: Iterable[str] | None) -> Any:
    query = select(TimeOffRequest).where(TimeOffRequest.member_id == member_id)
    if slack_team_id is not None:
        query = query.where(TimeOffRequest.slack_team_id == slack_team_id)
    if statuses is not None:
        query = query.where(TimeOffRequest.status.in_(list(statuses)))
    return query


def for_member(
    session: Session,
    slack_team_id: str | None,
    member_id: int,
    *,
    statuses: Iterable[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[TimeOffRequest]:
    """A member's requests made in the workspace `slack_team_id`, the latest start first: `limit`
    of them from `offset`. None: in every workspace (only for a member leaving the business, which
    all workspaces share)."""
    query = _member_query(slack_team_id, member_id, statuses).order_by(
        TimeOffRequest.starts_on.desc(), TimeOffRequest.id.desc()
    )
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_for_member(
    session: Session, slack_team_id: str | None, member_id: int, *, statuses: Iterable[str] | None = None
) -> int:
    """How many requests a member has in the workspace (in `statuses`), whatever a page holds."""
    counted = _member_query(slack_team_id, member_id, statuses).with_only_columns(
        func.count(TimeOffRequest.id)
    )
    return int(session.scalar(counted) or 0)


def ahead_for_member(
    session: Session, slack_team_id: str, member_id: int, *, ending_on_or_after: date
) -> list[TimeOffRequest]:
    """A member's pending requests in the workspace, and approved ones ending on or after that
    day, by start: the few a member has ahead (dates are at most two years out), so all of them."""
    query = select(TimeOffRequest).where(
        TimeOffRequest.slack_team_id == slack_team_id,
        TimeOffRequest.member_id == member_id,
        or_(
            TimeOffRequest.status == PENDING,
            and_(TimeOffRequest.status == APPROVED, TimeOffRequest.ends_on >= ending_on_or_after),
        ),
    )
    return list(session.scalars(query.order_by(TimeOffRequest.starts_on, TimeOffRequest.id)))


def _pending_query(slack_team_id: str | None) -> Any:
    query = select(TimeOffRequest).where(TimeOffRequest.status == PENDING)
    if slack_team_id is not None:
        query = query.where(TimeOffRequest.slack_team_id == slack_team_id)
    return query


def pending(
    session: Session, *, slack_team_id: str | None, limit: int = 100, offset: int = 0
) -> list[TimeOffRequest]:
    """Requests of the workspace `slack_team_id` waiting for a decision, the oldest first: `limit`
    of them from `offset`. None: every workspace's (only the digest of a bot with no workspace
    settings at all asks that)."""
    query = _pending_query(slack_team_id).order_by(TimeOffRequest.created_at, TimeOffRequest.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_pending(session: Session, *, slack_team_id: str | None) -> int:
    """How many requests wait for a decision: all of them, whatever a page of `pending` holds."""
    counted = _pending_query(slack_team_id).with_only_columns(func.count(TimeOffRequest.id))
    return int(session.scalar(counted) or 0)


def due_for_reminder(session: Session, *, created_before: datetime, limit: int = 100) -> list[TimeOffRequest]:
    """Pending requests older than `created_before` and not reminded since then."""
    query = (
        select(TimeOffRequest)
        .where(
            TimeOffRequest.status == PENDING,
            TimeOffRequest.created_at <= created_before,
            or_(TimeOffRequest.reminded_at.is_(None), TimeOffRequest.reminded_at <= created_before),
        )
        .order_by(TimeOffRequest.created_at, TimeOffRequest.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def overlapping(
    session: Session,
    slack_team_id: str,
    first: date,
    last: date,
    *,
    statuses: Iterable[str] = (PENDING, APPROVED),
) -> list[TimeOffRequest]:
    """The workspace's requests in `statuses` that touch any day from `first` to `last` inclusive."""
    query = select(TimeOffRequest).where(
        TimeOffRequest.slack_team_id == slack_team_id,
        TimeOffRequest.status.in_(list(statuses)),
        TimeOffRequest.starts_on <= last,
        TimeOffRequest.ends_on >= first,
    )
    return list(session.scalars(query.order_by(TimeOffRequest.starts_on, TimeOffRequest.id)))


def touching(
    session: Session,
    slack_team_id: str,
    first: date,
    last: date,
    *,
    member_id: int | None = None,
    statuses: Iterable[str] = (PENDING, APPROVED),
) -> list[TimeOffRequest]:
    """The workspace's requests in `statuses` touching any day from `first` to `last` (of one
    member, when given), by member and start: what a leave year's balances and report count."""
    query = select(TimeOffRequest).where(
        TimeOffRequest.slack_team_id == slack_team_id,
        TimeOffRequest.status.in_(list(statuses)),
        TimeOffRequest.starts_on <= last,
        TimeOffRequest.ends_on >= first,
    )
    if member_id is not None:
        query = query.where(TimeOffRequest.member_id == member_id)
    order = (TimeOffRequest.member_id, TimeOffRequest.starts_on, TimeOffRequest.id)
    return list(session.scalars(query.order_by(*order)))


def _transition(
    session: Session, slack_team_id: str, request_id: int, from_statuses: set[str], **values: Any
) -> bool:
    result = session.execute(
        update(TimeOffRequest)
        .where(
            TimeOffRequest.id == request_id,
            TimeOffRequest.slack_team_id == slack_team_id,
            TimeOffRequest.status.in_(sorted(from_statuses)),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
