"""Per-workspace settings (`workspace_settings`): channels, time zone, digest time, coverage; and
the last failure to post in each channel (`channel_problems`), which `/team settings` shows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rosterbot.store.db import upsert, utcnow
from rosterbot.store.models import ChannelProblem, WorkspaceSettings

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


# The workspace of a problem in one of the environment's default channels (ROSTERBOT_TEAM_CHANNEL,
# ROSTERBOT_APPROVALS_CHANNEL): every workspace that has not chosen its own may be using them.
DEFAULTS = ""


def forget_position(session: Session, position_id: int) -> int:
    """Drop the position's minimum from every workspace (it was deleted); how many had one."""
    rows = session.scalars(select(WorkspaceSettings).with_for_update()).all()
    dropped = 0
    for row in rows:
        minimums = {str(k): v for k, v in (row.coverage_minimums or {}).items()}
        if minimums.pop(str(position_id), None) is not None:
            row.coverage_minimums = minimums  # a new dict, so the JSON column sees the change
            dropped += 1
    session.flush()
    return dropped



def stored_channels(session: Session) -> set[tuple[str, str]]:
    """Every team and approvals channel a workspace has set, as (workspace, channel)."""
    rows = session.execute(
        select(
            WorkspaceSettings.slack_team_id,
            WorkspaceSettings.team_channel,
            WorkspaceSettings.approvals_channel,
        )
    )
    return {(team, channel) for team, *channels in rows for channel in channels if channel}


def channel_failed(
    session: Session, slack_team_id: str, channel: str, error: str, *, at: datetime | None = None
) -> None:
    """Remember that the bot could not post in the workspace's `channel` (Slack's `error` code),
    replacing the last."""
    # An upsert: two workers may fail in the same channel at once.
    values = {
        "slack_team_id": slack_team_id,
        "channel": channel,
        "error": error[:64],
        "failed_at": at or utcnow(),
    }
    upsert(session, ChannelProblem, values, key=["slack_team_id", "channel"])


def channel_worked(session: Session, slack_team_id: str, channel: str) -> None:
    """A post in the workspace's `channel` went through: its last failure no longer holds, nor one
    found there as an environment's default channel."""
    session.execute(
        delete(ChannelProblem).where(
            ChannelProblem.slack_team_id.in_([slack_team_id, DEFAULTS]), ChannelProblem.channel == channel
        )
    )


def channel_problems(session: Session, slack_team_id: str, channels: Iterable[str | None]) -> dict[str, str]:
    """The last failure (Slack's error code) of each of `channels` that has one in the workspace
    (or as an environment's default channel); never another workspace's."""
    wanted = {channel for channel in channels if channel}
    if not wanted:
        return {}
    rows = session.scalars(
        select(ChannelProblem)
        .where(
            ChannelProblem.slack_team_id.in_([slack_team_id, DEFAULTS]), ChannelProblem.channel.in_(wanted)
        )
        .order_by(ChannelProblem.failed_at)
    )
    return {row.channel: row.error for row in rows}  # the latest wins
