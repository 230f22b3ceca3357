"""Availability: who is in and out on which local days, for `/availability`, the digest and the
coverage warning on a time-off request.

API calls, whatever the team size: `calendar_team()` and one `list_blocked_times(start, end)` for
the whole range — two per view. Position titles come from `list_positions()`, cached for
`positions_ttl` seconds (60 by default) in this service, so only a view after the cache expired
makes a third call; a service that changes positions may call `forget_positions()`. Each member's
position is read from the store (`position_assignments`).

Permission: viewing is open to every linked actor (DESIGN.md); an unlinked one gets `NotLinked`
before any API call. `availability_for` takes no actor: it serves other services (the digest
worker, the coverage warning on a time-off request) that have already decided; it fits
`services.timeoff.AvailabilitySource`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from rosterbot.api.models import BlockedTime, CalendarMember, Position
from rosterbot.domain.availability import Availability, compute_availability
from rosterbot.domain.coverage import Shortfall, shortfalls
from rosterbot.domain.dates import local_today, range_bounds_utc
from rosterbot.domain.permissions import Operation, check
from rosterbot.domain.roles import Actor
from rosterbot.services.errors import InvalidRequest, NotLinked, PermissionDenied
from rosterbot.store import positions as position_store
from rosterbot.store import workspace

MAX_DAYS = 31  # a grid wider than a month does not fit Slack's sections
POSITIONS_TTL = 60.0


class AvailabilityApi(Protocol):
    """The slice of `BusinessApi` this service uses."""

    def calendar_team(self) -> list[CalendarMember]: ...

    def list_blocked_times(self, start: datetime, end: datetime) -> list[BlockedTime]: ...

    def list_positions(self) -> list[Position]: ...


class AvailabilityService:
    def __init__(
        self,
        api: AvailabilityApi,
        session_factory: Callable[[], Session],
        zone_for_team: Callable[[str], ZoneInfo] | ZoneInfo,
        *,
        positions_ttl: float = POSITIONS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._sessions = session_factory
        self._zone_for_team = zone_for_team
        self._positions_ttl = positions_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._titles: dict[int, str] | None = None
        self._titles_at = 0.0
        # (workspace, first, last) -> its holidays and closed days: set where leave is wired in.
        self.days_off: Callable[[str, date, date], Mapping[date, str]] | None = None

    # -- for people ----------------------------------------------------------------------------

    def zone(self, actor: Actor) -> ZoneInfo:
        """The business's zone for the actor's workspace: every date shown is in it."""
        if isinstance(self._zone_for_team, ZoneInfo):
            return self._zone_for_team
        return self._zone_for_team(actor.slack_team_id)

    def today(self, actor: Actor, now: datetime | None = None) -> date:
        """Today in the business's zone, whatever the zone of the person asking."""
        return local_today(self.zone(actor), now or datetime.now(UTC))

    def week(self, actor: Actor, start: date, days: int = 7) -> Availability:
        """`days` consecutive local days from `start`."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidRequest({"days": f"Ask for 1 to {MAX_DAYS} days at a time."})
        return self.for_dates(actor, [start + timedelta(days=offset) for offset in range(days)])

    def for_dates(self, actor: Actor, dates: Sequence[date]) -> Availability:
        self._require_view(actor)
        found = self.availability_for(dates, self.zone(actor))
        if self.days_off is None:
            return found
        return replace(found, days_off=self.days_off(actor.slack_team_id, found.days[0], found.days[-1]))

    def shortfalls(self, actor: Actor, availability: Availability) -> list[Shortfall] | None:
        """Coverage shortfalls against the workspace's minimums; None when none are set."""
        self._require_view(actor)
        minimums = self._minimums(actor.slack_team_id)
        return shortfalls(availability, minimums) if minimums else None

    # -- for other services --------------------------------------------------------------------

    def availability_for(self, days: Sequence[date], zone: ZoneInfo) -> Availability:
        """Members × `days` (local dates in `zone`) in two API calls, plus positions when the
        cached titles are older than the TTL. No permission check: the caller has decided."""
        if not days:
            raise InvalidRequest({"days": "Ask for at least one day."})
        unique = sorted(set(days))
        if (unique[-1] - unique[0]).days >= MAX_DAYS:
            raise InvalidRequest({"days": f"Ask for at most {MAX_DAYS} days at a time."})
        start, end = range_bounds_utc(unique, zone)
        members = self._api.calendar_team()
        blocks = self._api.list_blocked_times(start, end)
        with self._sessions() as session:
            assigned = position_store.assignments(session)
        titles = self._position_titles()
        positions = {member_id: titles.get(position_id) for member_id, position_id in assigned.items()}
        return compute_availability(members, blocks, positions, unique, zone, titles)

    def forget_positions(self) -> None:
        """Drop the cached titles (a position was created, renamed or deleted)."""
        with self._lock:
            self._titles = None

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _require_view(actor: Actor) -> None:
        if not actor.is_linked:
            raise NotLinked()
        decision = check(actor.role, Operation.VIEW)
        if not decision.allowed:
            raise PermissionDenied(decision.required_role, decision.reason)

    def _position_titles(self) -> dict[int, str]:
        with self._lock:
            if self._titles is not None and self._clock() - self._titles_at < self._positions_ttl:
                return self._titles
        fetched = {position.id: position.title for position in self._api.list_positions()}
        with self._lock:
            self._titles, self._titles_at = fetched, self._clock()
        return fetched

    def _minimums(self, slack_team_id: str) -> dict[str, int]:
        with self._sessions() as session:
            row = workspace.get(session, slack_team_id)
            stored = dict(row.coverage_minimums or {}) if row is not None else {}
        return {str(key): int(value) for key, value in stored.items() if int(value) > 0}
