"""`SingleFlight`: concurrent reads of the same thing share one call; `SharedReads`: the business
API reads that many people make at once, shared while in flight and for a few seconds after.

Fifty people who open a form in the same second are fifty identity resolutions at once; each
would read the same team from the business API (5 calls a second, 2 s each when slow). With a
single flight the first caller reads and the others wait for its answer (or its error).

A burst of `/availability week` or `/team list` (one user typing it 100 times, or a channel of
people at once) asks the same reads again as soon as the first ones have answered; with a `ttl`
the answer also serves the callers of the next few seconds, so the burst costs one read of each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from rosterbot.api.models import BlockedTime, CalendarMember, Position, TeamMember

V = TypeVar("V")

# How long a shared read serves later callers: long enough to absorb a burst, short enough that
# a change made elsewhere (another process, the business's own app) shows within seconds.
READ_TTL = 3.0
MAX_KEPT = 64


class SingleFlight(Generic[V]):
    """`ttl` 0: only calls in flight are shared. Otherwise a value (never an error) also serves
    the callers of the next `ttl` seconds of `clock`; `forget()` drops it (a write was made)."""

    def __init__(self, ttl: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._calls: dict[Hashable, Future[V]] = {}
        self._values: dict[Hashable, tuple[float, V]] = {}
        self._ttl = ttl
        self._clock = clock
        self._generation = 0  # bumped by forget(): a call started before it is not kept

    def do(self, key: Hashable, call: Callable[[], V]) -> V:
        """`call()`, unless a call for `key` is already running (then its outcome), or one
        answered less than `ttl` seconds ago (then its value)."""
        with self._lock:
            kept = self._values.get(key)
            if kept is not None and self._clock() - kept[0] < self._ttl:
                return kept[1]
            running = self._calls.get(key)
            if running is None:
                mine: Future[V] = Future()
                self._calls[key] = mine
                generation = self._generation
        if running is not None:
            return running.result()
        try:
            value = call()
        except BaseException as error:
            mine.set_exception(error)
            raise
        else:
            mine.set_result(value)
            with self._lock:
                if self._ttl > 0 and generation == self._generation:
                    now = self._clock()
                    if len(self._values) >= MAX_KEPT:  # e.g. many date ranges: keep the fresh ones
                        self._values = {k: v for k, v in self._values.items() if now - v[0] < self._ttl}
                    self._values[key] = (now, value)
            return value
        finally:
            with self._lock:
                if self._calls.get(key) is mine:
                    del self._calls[key]

    def forget(self) -> None:
        """Drop kept values; later callers do not join a call started before now either."""
        with self._lock:
            self._generation += 1
            self._values.clear()
            self._calls.clear()


class ReadsApi(Protocol):
    """The reads of `BusinessApi` that `SharedReads` shares."""

    def list_team(self) -> list[TeamMember]: ...

    def calendar_team(self) -> list[CalendarMember]: ...

    def list_blocked_times(self, start: datetime, end: datetime) -> list[BlockedTime]: ...

    def list_positions(self) -> list[Position]: ...


class SharedReads:
    """The reads behind `/team list`, `/availability`, linking by e-mail and the digest, each
    shared by identical callers in flight or within `ttl` seconds (one object per process, given
    to every service that reads them). Every write this process makes to the team or to blocked
    times calls `forget()`, so a user who changed something reads the change at once; a change
    made by another process shows within `ttl` seconds. Each caller gets its own list."""

    def __init__(
        self, api: ReadsApi, *, ttl: float = READ_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._api = api
        self._team: SingleFlight[list[TeamMember]] = SingleFlight(ttl, clock)
        self._calendar: SingleFlight[list[CalendarMember]] = SingleFlight(ttl, clock)
        self._blocks: SingleFlight[list[BlockedTime]] = SingleFlight(ttl, clock)
        self._positions: SingleFlight[list[Position]] = SingleFlight(ttl, clock)

    def list_team(self) -> list[TeamMember]:
        return list(self._team.do("team", self._api.list_team))

    def calendar_team(self) -> list[CalendarMember]:
        return list(self._calendar.do("calendar", self._api.calendar_team))

    def list_blocked_times(self, start: datetime, end: datetime) -> list[BlockedTime]:
        return list(self._blocks.do((start, end), lambda: self._api.list_blocked_times(start, end)))

    def list_positions(self) -> list[Position]:
        """For `AvailabilityService`'s titles, which it keeps a minute anyway (`/position` commands
        read the API themselves)."""
        return list(self._positions.do("positions", self._api.list_positions))

    def forget(self) -> None:
        """A write was made: the next read of anything asks the API."""
        for flight in (self._team, self._calendar, self._blocks, self._positions):
            flight.forget()
