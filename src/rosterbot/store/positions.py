"""Each member's position (`position_assignments`): the v1 team API has no position field."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rosterbot.store.db import upsert, utcnow
from rosterbot.store.models import PositionAssignment


def assign(
    session: Session, member_id: int, position_id: int, *, assigned_by: str, at: datetime | None = None
) -> None:
    """Give `member_id` the position, replacing the one they had."""
    values = {
        "member_id": member_id,
        "position_id": position_id,
        "assigned_by": assigned_by,
        "assigned_at": at or utcnow(),
    }
    upsert(session, PositionAssignment, values, key=("member_id",))


def unassign(session: Session, member_id: int) -> bool:
    result = session.execute(delete(PositionAssignment).where(PositionAssignment.member_id == member_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def clear_position(session: Session, position_id: int) -> int:
    """Drop every assignment to a position (it was deleted); how many were dropped."""
    result = session.execute(delete(PositionAssignment).where(PositionAssignment.position_id == position_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def position_of(session: Session, member_id: int) -> int | None:
    return session.scalar(
        select(PositionAssignment.position_id).where(PositionAssignment.member_id == member_id)
    )


def assignments(session: Session) -> dict[int, int]:
    """member id -> position id, for every member that has one."""
    rows = session.execute(select(PositionAssignment.member_id, PositionAssignment.position_id))
    return {member_id: position_id for member_id, position_id in rows}


def members_with(session: Session, position_id: int) -> list[int]:
    return list(
        session.scalars(
            select(PositionAssignment.member_id)
            .where(PositionAssignment.position_id == position_id)
            .order_by(PositionAssignment.member_id)
        )
    )
