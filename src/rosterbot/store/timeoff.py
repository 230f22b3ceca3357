"""Time off requests (`time_off_requests`).

Every change of status is a conditional UPDATE (`... WHERE id = ? AND status IN (...)`): the
database decides which of two racing writers wins, and the loser sees a rowcount of 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import or_, select, update
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


def get(session: Session, request_id: int) -> TimeOffRequest | None:
    if not 0 < request_id <= MAX_ID:
        return None
    return session.get(TimeOffRequest, request_id, populate_existing=True)


def decide(
    session: Session,
    request_id: int,
    *,
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
    session: Session, request_id: int, *, from_statuses: Iterable[str], at: datetime, note: str | None = None
) -> bool:
    """Cancel a request that is still in one of `from_statuses` (`note`: why, when rosterbot closed
    it); False when it moved on meanwhile."""
    values: dict[str, Any] = {"status": CANCELLED, "updated_at": at}
    if note is not None:
        values["decision_note"] = note
    return _transition(session, request_id, set(from_statuses), **values)


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


def for_member(
    session: Session, member_id: int, *, statuses: Iterable[str] | None = None, limit: int = 50
) -> list[TimeOffRequest]:
    """A member's requests, the latest start first."""
    query = select(TimeOffRequest).where(TimeOffRequest.member_id == member_id)
    if statuses is not None:
        query = query.where(TimeOffRequest.status.in_(list(statuses)))
    query = query.order_by(TimeOffRequest.starts_on.desc(), TimeOffRequest.id.desc()).limit(limit)
    return list(session.scalars(query))


def pending(session: Session, *, slack_team_id: str | None = None, limit: int = 100) -> list[TimeOffRequest]:
    """Requests waiting for a decision, the oldest first."""
    query = select(TimeOffRequest).where(TimeOffRequest.status == PENDING)
    if slack_team_id is not None:
        query = query.where(TimeOffRequest.slack_team_id == slack_team_id)
    return list(session.scalars(query.order_by(TimeOffRequest.created_at, TimeOffRequest.id).limit(limit)))


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
    session: Session, first: date, last: date, *, statuses: Iterable[str] = (PENDING, APPROVED)
) -> list[TimeOffRequest]:
    """Requests in `statuses` that touch any day from `first` to `last` inclusive."""
    query = select(TimeOffRequest).where(
        TimeOffRequest.status.in_(list(statuses)),
        TimeOffRequest.starts_on <= last,
        TimeOffRequest.ends_on >= first,
    )
    return list(session.scalars(query.order_by(TimeOffRequest.starts_on, TimeOffRequest.id)))


def _transition(session: Session, request_id: int, from_statuses: set[str], **values: Any) -> bool:
    result = session.execute(
        update(TimeOffRequest)
        .where(TimeOffRequest.id == request_id, TimeOffRequest.status.in_(sorted(from_statuses)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
