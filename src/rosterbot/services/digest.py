"""The daily digest and the reminders: what the worker schedules besides the outbox.

Both only write outbox rows (delivered, retried, by `services/outbox.py`), each claimed so that
however many workers run, it happens once:
- the digest: one a day per team channel, at the workspace's `digest_time` in its zone. Claimed by
  inserting `PostedMessage(kind="digest", ref=<local date>, channel)` in the same transaction as
  its outbox row; the unique constraint lets one worker through.
- a reminder: for a request pending longer than `reminder_after_hours`, once per such period,
  claimed with a conditional UPDATE of `reminded_at`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.config import Settings
from rosterbot.domain import coverage
from rosterbot.domain.availability import Availability
from rosterbot.domain.coverage import Shortfall
from rosterbot.services.timeoff import AvailabilitySource, Clock, WorkspaceConfig, utc_clock, workspace_config
from rosterbot.store import outbox
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope
from rosterbot.store.models import WorkspaceSettings

log = logging.getLogger(__name__)

DIGEST = "digest"  # PostedMessage.kind
DEFAULT_WINDOW = timedelta(hours=3)  # a worker down at digest time still sends it, if not too late


@dataclass(frozen=True, eq=False)
class Digest:
    """One day's digest for a workspace: who is in and out, and where coverage falls short."""

    slack_team_id: str
    day: date
    availability: Availability
    shortfalls: list[Shortfall]
    pending_requests: int  # requests still waiting for a decision


class DigestService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        availability: AvailabilitySource,
        *,
        clock: Clock = utc_clock,
        window: timedelta = DEFAULT_WINDOW,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings
        self._availability = availability
        self._clock = clock
        self._window = window

    def enqueue_due_digests(self) -> int:
        """Queue today's digest for every workspace whose digest time has come (and is less than
        `window` ago); returns how many this call claimed."""
        now = self._clock()
        claimed = 0
        with session_scope(self._sessions) as session:
            configs = self._workspaces(session)
        for config in configs:
            if not config.team_channel:
                continue
            local = now.astimezone(config.zone)
            due = datetime.combine(local.date(), config.digest_time, tzinfo=config.zone)
            if not due <= local < due + self._window:
                continue
            day = local.date()
            with session_scope(self._sessions) as session:
                if outbox.claim_message(session, DIGEST, day.isoformat(), config.team_channel, at=now):
                    outbox.enqueue(
                        session,
                        outbox.POST_DIGEST,
                        payload={
                            "slack_team_id": config.slack_team_id,
                            "day": day.isoformat(),
                            "channel": config.team_channel,
                        },
                        at=now,
                    )
                    claimed += 1
        return claimed

    def enqueue_reminders(self, *, limit: int = 100) -> int:
        """Queue a reminder for each request pending longer than `reminder_after_hours` and not
        reminded within that time; returns how many this call claimed."""
        now = self._clock()
        threshold = now - timedelta(hours=self._settings.reminder_after_hours)
        claimed = 0
        with session_scope(self._sessions) as session:
            for row in requests.due_for_reminder(session, created_before=threshold, limit=limit):
                if requests.mark_reminded(session, row.id, at=now, not_since=threshold):
                    outbox.enqueue(session, outbox.SEND_REMINDER, request_id=row.id, at=now)
                    claimed += 1
        return claimed

    def build(self, slack_team_id: str, day: date) -> Digest:
        """The digest for `day` (calls the business API)."""
        with session_scope(self._sessions) as session:
            config = workspace_config(session, self._settings, slack_team_id)
            waiting = requests.count_pending(session, slack_team_id=slack_team_id or None)
        availability = self._availability.availability_for([day], config.zone)
        found = (
            coverage.shortfalls(availability, config.coverage_minimums) if config.coverage_minimums else []
        )
        return Digest(slack_team_id, day, availability, found, waiting)

    def _workspaces(self, session: Session) -> list[WorkspaceConfig]:
        """Every configured workspace; with none, the environment's settings alone (team id "")."""
        team_ids = list(
            session.scalars(select(WorkspaceSettings.slack_team_id).order_by(WorkspaceSettings.slack_team_id))
        )
        return [workspace_config(session, self._settings, team_id) for team_id in team_ids or [""]]
