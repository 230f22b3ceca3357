"""Per-workspace settings (`workspace_settings`): channels, time zone, digest time, coverage."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rosterbot.store.db import utcnow
from rosterbot.store.models import WorkspaceSettings

_UNSET: Any = object()


def get(session: Session, slack_team_id: str) -> WorkspaceSettings | None:
    return session.get(WorkspaceSettings, slack_team_id)


def time_zones(session: Session) -> dict[str, str]:
    """Each workspace's time zone setting, for those that set one (one row a Slack workspace)."""
    rows = session.execute(
        select(WorkspaceSettings.slack_team_id, WorkspaceSettings.timezone).where(
            WorkspaceSettings.timezone.is_not(None)
        )
    )
    return {team: zone for team, zone in rows if zone}


def save(
    session: Session,
    slack_team_id: str,
    *,
    team_channel: str | None = _UNSET,
    approvals_channel: str | None = _UNSET,
    timezone: str | None = _UNSET,
    digest_time: time | None = _UNSET,
    coverage_minimums: dict[str, int] | None = _UNSET,
    at: datetime | None = None,
) -> WorkspaceSettings:
    """Create or change the workspace's settings; an argument left out keeps its stored value
    (None clears it)."""
    row = session.get(WorkspaceSettings, slack_team_id, with_for_update=True)
    if row is None:
        row = WorkspaceSettings(slack_team_id=slack_team_id, coverage_minimums={})
        session.add(row)
    changes: dict[str, Any] = {
        "team_channel": team_channel,
        "approvals_channel": approvals_channel,
        "timezone": timezone,
        "digest_time": digest_time,
        "coverage_minimums": coverage_minimums,
    }
    for name, value in changes.items():
        if value is _UNSET:
            continue
        if name == "coverage_minimums":
            value = dict(value or {})  # a new dict, so the JSON column sees the change
        setattr(row, name, value)
    row.updated_at = at or utcnow()
    session.flush()
    return row
