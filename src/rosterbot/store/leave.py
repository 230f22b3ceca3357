"""Leave: each workspace's leave types (`leave_types`, the defaults made on first use), its leave
settings (`leave_settings`), members' own allowances (`member_allowances`) and closed days
(`closed_days`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rosterbot.store.db import insert_or_ignore, upsert, utcnow
from rosterbot.store.models import ClosedDay, LeaveSettings, LeaveType, MemberAllowance

_UNSET: Any = object()

# name, emoji, counts, needs_approval, reason_private: what a workspace starts with.
DEFAULT_TYPES = (
    ("Vacation", ":palm_tree:", True, True, False),
    ("Sick leave", ":face_with_thermometer:", False, False, True),
    ("Unpaid", ":money_with_wings:", False, True, False),
)


def leave_types(session: Session, slack_team_id: str) -> list[LeaveType]:
    """The workspace's leave types in their order; the defaults are made the first time they are
    asked for (two workers doing so at once make them once: the name is unique per workspace)."""
    rows = _types(session, slack_team_id)
    if rows:
        return rows
    at = utcnow()
    for position, (name, emoji, counts, approval, private) in enumerate(DEFAULT_TYPES):
        insert_or_ignore(
            session,
            LeaveType,
            {
                "slack_team_id": slack_team_id,
                "name": name,
                "emoji": emoji,
                "counts": counts,
                "needs_approval": approval,
                "reason_private": private,
                "position": position,
                "created_at": at,
            },
        )
    session.flush()
    return _types(session, slack_team_id)


def _types(session: Session, slack_team_id: str) -> list[LeaveType]:
    query = (
        select(LeaveType)
        .where(LeaveType.slack_team_id == slack_team_id)
        .order_by(LeaveType.position, LeaveType.id)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def leave_type(session: Session, slack_team_id: str, type_id: int) -> LeaveType | None:
    """The workspace's leave type `type_id`; another workspace's is as unknown as a missing one."""
    if not 0 < type_id <= 2**31 - 1:
        return None
    row = session.get(LeaveType, type_id)
    return row if row is not None and row.slack_team_id == slack_team_id else None


def type_named(session: Session, slack_team_id: str, name: str) -> LeaveType | None:
    """The workspace's leave type called `name`, whatever its case."""
    query = select(LeaveType).where(
        LeaveType.slack_team_id == slack_team_id, func.lower(LeaveType.name) == name.lower()
    )
    return session.scalars(query).first()


def add_type(
    session: Session,
    slack_team_id: str,
    *,
    name: str,
    emoji: str,
    counts: bool,
    needs_approval: bool,
    reason_private: bool,
    at: datetime,
) -> LeaveType:
    position = session.scalar(
        select(func.max(LeaveType.position)).where(LeaveType.slack_team_id == slack_team_id)
    )
    row = LeaveType(
        slack_team_id=slack_team_id,
        name=name,
        emoji=emoji,
        counts=counts,
        needs_approval=needs_approval,
        reason_private=reason_private,
        position=(position if position is not None else -1) + 1,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def settings(session: Session, slack_team_id: str) -> LeaveSettings | None:
    return session.get(LeaveSettings, slack_team_id)


def save_settings(
    session: Session, slack_team_id: str, *, at: datetime | None = None, **changes: Any
) -> LeaveSettings:
    """Create or change the workspace's leave settings: each named column takes its value (None
    clears it: the default again); columns not named keep theirs."""
    row = session.get(LeaveSettings, slack_team_id, with_for_update=True)
    if row is None:
        row = LeaveSettings(slack_team_id=slack_team_id)
        session.add(row)
    for name, value in changes.items():
        if name not in LeaveSettings.__table__.columns or name in ("slack_team_id", "updated_at"):
            raise TypeError(f"no leave setting {name!r}")
        setattr(row, name, value)
    row.updated_at = at or utcnow()
    session.flush()
    return row


def settings_for_token(session: Session, token: str) -> LeaveSettings | None:
    """The workspace whose calendar feed has `token` (compare it again in constant time)."""
    return session.scalars(select(LeaveSettings).where(LeaveSettings.calendar_token == token)).first()


def member_allowances(session: Session, slack_team_id: str) -> dict[int, Decimal]:
    rows = session.scalars(select(MemberAllowance).where(MemberAllowance.slack_team_id == slack_team_id))
    return {row.member_id: row.days for row in rows}


def set_member_allowance(
    session: Session, slack_team_id: str, member_id: int, days: Decimal | None, *, by: str, at: datetime
) -> None:
    """Give the member their own allowance, or (None) the workspace's again."""
    if days is None:
        session.execute(
            delete(MemberAllowance).where(
                MemberAllowance.slack_team_id == slack_team_id, MemberAllowance.member_id == member_id
            )
        )
        return
    values = {
        "slack_team_id": slack_team_id,
        "member_id": member_id,
        "days": days,
        "set_by": by,
        "set_at": at,
    }
    upsert(session, MemberAllowance, values, key=["slack_team_id", "member_id"])


def closed_days(
    session: Session, slack_team_id: str, first: date | None = None, last: date | None = None
) -> dict[date, str]:
    """The workspace's closed days (from `first` to `last`, when given), by day: their names."""
    query = select(ClosedDay).where(ClosedDay.slack_team_id == slack_team_id)
    if first is not None:
        query = query.where(ClosedDay.day >= first)
    if last is not None:
        query = query.where(ClosedDay.day <= last)
    return {row.day: row.name for row in session.scalars(query.order_by(ClosedDay.day))}


def add_closed_days(
    session: Session, slack_team_id: str, days: Sequence[date], name: str, *, by: str, at: datetime
) -> None:
    """Mark the days closed (a day already closed takes the new name)."""
    for day in days:
        values = {"slack_team_id": slack_team_id, "day": day, "name": name, "added_by": by, "added_at": at}
        upsert(session, ClosedDay, values, key=["slack_team_id", "day"])


def remove_closed_days(session: Session, slack_team_id: str, days: Sequence[date]) -> int:
    """Open the days again; how many were closed."""
    result = session.execute(
        delete(ClosedDay).where(ClosedDay.slack_team_id == slack_team_id, ClosedDay.day.in_(list(days)))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
