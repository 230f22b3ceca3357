"""Each workspace's settings over the environment's defaults (`workspace_config`, read in the
caller's transaction), and the process's cache of every workspace's business zone
(`WorkspaceZones`), which the time-off form's checks use before Slack has its answer."""

from __future__ import annotations

import logging
import threading
import time as monotonic_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.config import Settings
from rosterbot.store import workspace
from rosterbot.store.db import session_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceConfig:
    """The workspace's settings over the environment's defaults."""

    slack_team_id: str
    team_channel: str | None
    approvals_channel: str | None
    zone: ZoneInfo
    digest_time: time
    coverage_minimums: dict[str, int]


def workspace_config(session: Session, settings: Settings, slack_team_id: str) -> WorkspaceConfig:
    row = workspace.get(session, slack_team_id)
    zone_name = (row.timezone if row else None) or settings.timezone
    return WorkspaceConfig(
        slack_team_id=slack_team_id,
        team_channel=(row.team_channel if row else None) or settings.team_channel,
        approvals_channel=(row.approvals_channel if row else None) or settings.approvals_channel,
        zone=ZoneInfo(zone_name),
        digest_time=(row.digest_time if row else None) or settings.digest_time,
        coverage_minimums={
            str(k): int(v) for k, v in ((row.coverage_minimums if row else None) or {}).items()
        },
    )


# How long a process trusts the workspace zones it read: a change made in another process (the
# work process saves the settings; the other web workers) shows within this many seconds.
ZONE_TTL = 30.0


class WorkspaceZones:
    """Each workspace's business zone (its setting, else ROSTERBOT_TIMEZONE), for the time-off
    form's date checks before Slack has its answer, where a database read in a burst of 50 costs
    tens of milliseconds. All workspaces' zones are read in one query (`load`, at start-up: a row
    a Slack workspace) and kept `ttl` seconds; then the next reader still gets them while a
    thread reads them again, so after the first read no request waits for the database.
    `TimeOffService.request` validates again against the stored setting."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        *,
        ttl: float = ZONE_TTL,
        clock: Callable[[], float] = monotonic_time.monotonic,
    ) -> None:
        self._sessions = session_factory
        self._default = ZoneInfo(settings.timezone)
        self._ttl = ttl
        self._clock = clock
        self._zones: dict[str, ZoneInfo] = {}
        self._read_at: float | None = None
        self._refreshing = threading.Lock()

    def __call__(self, slack_team_id: str) -> ZoneInfo:
        if self._read_at is None:
            self.load()
        zone = self._zones.get(slack_team_id, self._default)
        stale = self._read_at is not None and self._clock() - self._read_at >= self._ttl
        if stale and self._refreshing.acquire(blocking=False):
            threading.Thread(target=self._refresh, name="zones", daemon=True).start()
        return zone

    def load(self) -> None:
        """Read every workspace's zone now."""
        read_at = self._clock()
        with session_scope(self._sessions) as session:
            names = workspace.time_zones(session)
        self._zones = {team: ZoneInfo(name) for team, name in names.items()}
        self._read_at = read_at

    def wait_refreshed(self, timeout: float) -> bool:
        """Wait until the read in the background (if one runs) is over; False if it still runs."""
        if not self._refreshing.acquire(timeout=timeout):
            return False
        self._refreshing.release()
        return True

    def forget(self, slack_team_id: str) -> None:
        """A setting changed in this process: read them all again at the next use."""
        self._read_at = None

    def _refresh(self) -> None:
        try:
            self.load()
        except Exception:  # noqa: BLE001 - the zones read before stay in use; retried at the next use
            log.warning("could not read the workspaces' time zones again", exc_info=True)
        finally:
            self._refreshing.release()
