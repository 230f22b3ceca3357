"""The audit log: every write, allowed, denied or failed (`audit_log`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rosterbot.store.db import utcnow
from rosterbot.store.models import AuditEntry

OUTCOMES = ("allowed", "denied", "failed")


def record(
    session: Session,
    *,
    slack_team_id: str,
    slack_user_id: str,
    actor_member_id: int | None,
    actor_role: str | None,
    operation: str,
    outcome: str,
    target: str = "",
    detail: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {OUTCOMES}, not {outcome!r}")
    entry = AuditEntry(
        at=at or utcnow(),
        slack_team_id=slack_team_id,
        slack_user_id=slack_user_id,
        actor_member_id=actor_member_id,
        actor_role=actor_role,
        operation=operation,
        # PostgreSQL refuses NUL in text; the audit row must not be lost over a character.
        target=target.replace("\x00", "\ufffd")[:200],
        outcome=outcome,
        detail=detail.replace("\x00", "\ufffd"),
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    *,
    slack_team_id: str | None = None,
    operation: str | None = None,
    outcome: str | None = None,
    slack_user_id: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, optionally narrowed: to one workspace's (`slack_team_id`), an
    operation, an outcome, a Slack user (the same user id may exist in two workspaces)."""
    query = select(AuditEntry)
    if slack_team_id is not None:
        query = query.where(AuditEntry.slack_team_id == slack_team_id)
    if operation is not None:
        query = query.where(AuditEntry.operation == operation)
    if outcome is not None:
        query = query.where(AuditEntry.outcome == outcome)
    if slack_user_id is not None:
        query = query.where(AuditEntry.slack_user_id == slack_user_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
