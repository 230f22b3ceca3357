"""The daily digest and the reminders: what the worker schedules besides the outbox.

Both only write outbox rows (delivered, retried, by `services/outbox.py`), each claimed so that
however many workers run, it happens once:
- the digest: one a local day per workspace and team channel, at or after the workspace's
  `digest_time` in its zone (see `digest_day` for how late it may come). Claimed by inserting
  `PostedMessage(slack_team_id, kind="digest", ref=<local date>, channel)` in the same transaction
  as its outbox row; the unique constraint lets one worker through, so no day's digest is ever
  sent twice.
- a reminder: for a request pending longer than `reminder_after_hours`, once per such period,
  claimed with a conditional UPDATE of `reminded_at`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.config import Settings
from rosterbot.domain import coverage
from rosterbot.domain.availability import Availability
from rosterbot.domain.coverage import Shortfall
from rosterbot.services.leave import days_off_in
from rosterbot.services.timeoff import AvailabilitySource, Clock, utc_clock
from rosterbot.services.workspace_config import WorkspaceConfig, workspace_config
from rosterbot.store import outbox
from rosterbot.store import timeoff as requests
from rosterbot.store import workspace as workspace_store
from rosterbot.store.db import session_scope
from rosterbot.store.models import WorkspaceSettings

log = logging.getLogger(__name__)

DIGEST = "digest"  # PostedMessage.kind
# What ZoneInfo raises for a name it cannot load ("Mars/Base", "", a directory such as "America").
_BAD_ZONE = (ZoneInfoNotFoundError, ValueError, OSError)


def digest_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """When `day`'s digest is due, in UTC: `at` (to the minute) on that local day. On a clock
    change's gap (02:30 the day Berlin skips from 02:00 to 03:00) fold=0 lands as far past the jump
    as the time lies in the gap (03:30); on a repeated hour it is the first 02:30."""
    wall = datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None), tzinfo=zone)
    return wall.astimezone(UTC)


def digest_day(now: datetime, zone: ZoneInfo, at: time) -> date | None:
    """The local day whose digest is to be sent at `now`, or None between two digests' halves.

    Each day's digest goes out once, at or after its time: a worker down at the time (a deploy, a
    restart, a crash) sends it when it is back, also after midnight (a 23:30 digest with the worker
    back at 00:15 is the day before's, and says which day it is for). It may come late until the
    next day's digest is nearer than its own time, i.e. half the time between the two (about 12
    hours, measured in real time so clock changes count as they are); past that it is skipped in
    favour of the next day's, which comes at its own time: a digest that late is read as the next
    day's and would only crowd it. So a worker started at 07:00 for an 08:30 digest does not post
    yesterday's first."""
    today = now.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):
        due = digest_moment(day, at, zone)
        upto = due + (digest_moment(day + timedelta(days=1), at, zone) - due) / 2
        if due <= now < upto:
            return day
    return None


@dataclass(frozen=True, eq=False)
class Digest:
    """One day's digest for a workspace: who is in and out, and where coverage falls short."""

    slack_team_id: str
    day: date
    availability: Availability
    shortfalls: list[Shortfall]
    pending_requests: int  # requests still waiting for a decision
    late: bool = False  # built after its day ended (the worker was down at its time): say which day


class DigestService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        availability: AvailabilitySource,
        *,
        clock: Clock = utc_clock,
    ) -> None:
        self._sessions = session_factory
        self._settings = settings
        self._availability = availability
        self._clock = clock
        self._bad_zones: set[tuple[str, str]] = set()  # (workspace, zone) warned about already

    def enqueue_due_digests(self) -> int:
        """Queue the digest of each workspace whose digest is due (`digest_day`) and not sent yet;
        returns how many this call claimed. A workspace whose zone cannot be loaded is skipped
        with a warning: the others' digests (and the worker's other work) go on."""
        now = self._clock()
        claimed = 0
        for config in self._workspaces():
            if not config.team_channel:
                continue
            day = digest_day(now, config.zone, config.digest_time)
            if day is None:
                continue
            with session_scope(self._sessions) as session:
                if outbox.claim_message(
                    session, config.slack_team_id, DIGEST, day.isoformat(), config.team_channel, at=now
                ):
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
            days_off = days_off_in(session, slack_team_id, day, day)
        availability = replace(self._availability.availability_for([day], config.zone), days_off=days_off)
        found = (
            coverage.shortfalls(availability, config.coverage_minimums) if config.coverage_minimums else []
        )
        late = self._clock().astimezone(config.zone).date() > day
        return Digest(slack_team_id, day, availability, found, waiting, late=late)

    def _workspaces(self) -> list[WorkspaceConfig]:
        """Every configured workspace whose settings load; with none, the environment's settings
        alone (team id "")."""
        with session_scope(self._sessions) as session:
            team_ids = list(
                session.scalars(
                    select(WorkspaceSettings.slack_team_id).order_by(WorkspaceSettings.slack_team_id)
                )
            )
            configs: list[WorkspaceConfig] = []
            for team_id in team_ids or [""]:
                try:
                    configs.append(workspace_config(session, self._settings, team_id))
                except _BAD_ZONE:
                    row = workspace_store.get(session, team_id)
                    zone = (row.timezone if row else None) or self._settings.timezone
                    if (team_id, zone) not in self._bad_zones:  # once a process: it passes every few seconds
                        self._bad_zones.add((team_id, zone))
                        log.warning(
                            "no digest for workspace %s: its time zone %r cannot be loaded", team_id, zone
                        )
        return configs
