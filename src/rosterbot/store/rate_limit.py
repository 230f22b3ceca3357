"""One rate limit for the whole deployment: the business API's, kept by every process on every
machine through the database they share.

A row holds the limit's next free slot. A caller reserves one in a single statement (an upsert that
moves the slot on by the interval and returns it: PostgreSQL locks the row, SQLite its file, only
for that statement) and then sleeps outside any transaction until its slot. So there is no polling,
slots are never closer than the interval, and callers are served in the order they reserved.
Slots are read on the database's clock, so machines whose clocks differ still keep the spacing;
tests give a clock of their own. If the database cannot answer, the call is not held up: it goes
through `fallback` (the process's own limiter), and the API's 429s, which the client waits out,
cover the rest until the database is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Double, case, cast, extract, func, literal
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.store.db import _insert_for
from rosterbot.store.models import RateLimit

log = logging.getLogger(__name__)

BUSINESS_API = "business_api"
# Julian day of 1970-01-01 00:00 UTC: SQLite's clock in seconds since the epoch.
UNIX_EPOCH_JULIAN_DAY = 2440587.5


@dataclass(frozen=True)
class Slot:
    at: float  # when the request may leave: seconds since the epoch, on the limit's clock
    wait: float  # seconds from the reservation until then


class SharedRateLimit:
    """At most `rate` requests a second under `name`, summed over every process that builds one on
    the same database. Safe to share between threads; `acquire()` is the transport's `Limiter`."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        name: str,
        rate: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        fallback: Callable[[], None] | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._session_factory = session_factory
        self._name = name
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._fallback = fallback
        self._failing = False

    def reserve(self) -> Slot:
        """The next free slot, taken: nobody else gets it or one closer to it than the interval."""
        table = RateLimit.__table__
        with self._session_factory() as session, session.begin():
            now = self._now(session.get_bind().dialect.name)
            taken = case((table.c.next_slot > now, table.c.next_slot), else_=now) + self._interval
            statement = (
                _insert_for(session, RateLimit)
                .values(name=self._name, next_slot=now + self._interval)
                .on_conflict_do_update(index_elements=[table.c.name], set_={"next_slot": taken})
                .returning(table.c.next_slot, now)
            )
            next_slot, reserved_at = session.execute(statement).one()
        slot = next_slot - self._interval
        return Slot(at=slot, wait=max(0.0, slot - reserved_at))

    def acquire(self) -> None:
        """Return at this caller's slot."""
        try:
            slot = self.reserve()
        except SQLAlchemyError as exc:
            if self._fallback is None:
                raise
            if not self._failing:
                log.warning(
                    "rate limit %s: the database did not answer (%s); each process keeps "
                    "it on its own until it does",
                    self._name,
                    type(exc).__name__,
                )
                self._failing = True
            self._fallback()
            return
        if self._failing:
            log.info("rate limit %s: shared through the database again", self._name)
            self._failing = False
        if slot.wait > 0:
            self._sleep(slot.wait)

    def _now(self, dialect: str) -> Any:
        """Now, as SQL: the given clock's reading, or else the database's own clock (one for all
        machines). PostgreSQL's clock_timestamp() is read when the row is ours, not at BEGIN."""
        if self._clock is not None:
            return literal(self._clock(), Double())
        if dialect == "postgresql":
            return cast(extract("epoch", func.clock_timestamp()), Double())
        # SQLite reads 'now' once per statement, to the millisecond.
        return (func.julianday("now") - UNIX_EPOCH_JULIAN_DAY) * 86400.0
