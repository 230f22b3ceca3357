"""The tables rosterbot keeps. The business API owns the team and positions; we keep what it lacks."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Double,
    Index,
    MetaData,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class MemberLink(Base):
    """A Slack user linked to a business team member (by e-mail, or by hand)."""

    __tablename__ = "member_links"
    __table_args__ = (UniqueConstraint("slack_team_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    linked_by: Mapped[str] = mapped_column(String(32))  # a Slack user id, or "email" when automatic
    linked_at: Mapped[datetime]


class PositionAssignment(Base):
    """The v1 team API has no position field, so rosterbot keeps each member's position."""

    __tablename__ = "position_assignments"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position_id: Mapped[int] = mapped_column(index=True)
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime]


class TimeOffRequest(Base):
    """A request for time off, in the business's local dates (and times, when not all day)."""

    __tablename__ = "time_off_requests"
    __table_args__ = (Index("ix_time_off_requests_status_member", "status", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int]
    requested_by_member_id: Mapped[int]
    requested_by_slack_user_id: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    all_day: Mapped[bool] = mapped_column(default=True)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|denied|cancelled
    decided_by_member_id: Mapped[int | None]
    decided_by_slack_user_id: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)  # the reason given with a denial
    blocked_time_id: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    # The leave type (`leave_types.id`); None only for a row written before leave types existed,
    # which reads as the workspace's first type (Vacation).
    leave_type_id: Mapped[int | None]


class OutboxItem(Base):
    """Work to finish outside the transaction that decided it (a blocked time to create or delete,
    a message to post); the worker delivers it with retries and never does it twice."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    request_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Every write, allowed or denied: who, what, on whom, and how it ended."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    actor_member_id: Mapped[int | None]
    actor_role: Mapped[str | None] = mapped_column(String(16))
    operation: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(16))  # allowed|denied|failed
    detail: Mapped[str] = mapped_column(Text, default="")


class SlackDelivery(Base):
    """A Slack delivery already processed (event id, or a view submission's hash): retries and
    double clicks are handled once."""

    __tablename__ = "slack_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime]


class PostedMessage(Base):
    """A message the bot posted that a later change edits instead of posting anew.

    (slack_team_id, kind, ref, channel) is unique: e.g. (T.., "approval", "request:7", C..),
    (T.., "digest", "2026-11-25", C..). Inserting the row first is how one digest a day is claimed
    among many workers; each workspace claims its own, even in a channel another shares.
    """

    __tablename__ = "posted_messages"
    __table_args__ = (UniqueConstraint("slack_team_id", "kind", "ref", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    posted_at: Mapped[datetime]


class WorkspaceSettings(Base):
    """Per Slack workspace: channels, time zone, digest time, coverage minimums."""

    __tablename__ = "workspace_settings"

    slack_team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_channel: Mapped[str | None] = mapped_column(String(32))
    approvals_channel: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str | None] = mapped_column(String(64))
    digest_time: Mapped[time | None] = mapped_column(Time)
    # position id (as a string key) -> minimum number of available members on any day
    coverage_minimums: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class ChannelProblem(Base):
    """The last time the bot could not post in a channel, and why (Slack's error code): shown next
    to the channel in that workspace's `/team settings` until a post there succeeds. Workspace ""
    is the environment's default channels', which any workspace without its own may use."""

    __tablename__ = "channel_problems"

    slack_team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    error: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime]


class RateLimit(Base):
    """The next free slot of a rate limit that every process on this database keeps together (the
    business API's): reserving one moves it on by the limit's interval."""

    __tablename__ = "rate_limits"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_slot: Mapped[float] = mapped_column(Double)  # seconds since the epoch


class LeaveType(Base):
    """A kind of time off of a workspace: whether it counts against the allowance, needs approval,
    and who may read its reasons (the team, or only approvers)."""

    __tablename__ = "leave_types"
    __table_args__ = (UniqueConstraint("slack_team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    emoji: Mapped[str] = mapped_column(String(64), default="")
    counts: Mapped[bool] = mapped_column(default=True)  # against the yearly allowance
    needs_approval: Mapped[bool] = mapped_column(default=True)
    reason_private: Mapped[bool] = mapped_column(default=False)  # approvers only see the reason
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class LeaveSettings(Base):
    """Per Slack workspace: the allowance, the leave year, the working week and hours, the public
    holidays' region, what to do below zero, and the calendar feed's token. A missing row (or
    column) means the defaults of `domain/leave.py`."""

    __tablename__ = "leave_settings"

    slack_team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    allowance_days: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    carry_over_cap: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    year_start_month: Mapped[int | None]
    working_weekdays: Mapped[str | None] = mapped_column(String(7))  # "01234": Monday is 0
    work_starts: Mapped[time | None] = mapped_column(Time)
    work_ends: Mapped[time | None] = mapped_column(Time)
    part_day_step: Mapped[str | None] = mapped_column(String(16))
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    below_zero: Mapped[str | None] = mapped_column(String(16))
    first_year: Mapped[int | None]  # the first leave year with allowances: carry-over starts there
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime]


class MemberAllowance(Base):
    """A member's own yearly allowance, over the workspace's."""

    __tablename__ = "member_allowances"

    slack_team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    days: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime]


class ClosedDay(Base):
    """A day the business is closed (its own, besides the public holidays)."""

    __tablename__ = "closed_days"

    slack_team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime]
