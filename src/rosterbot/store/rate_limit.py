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

from sqlalchemy import Double, Engine, bindparam, case, cast, extract, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

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
        engine: Engine,
        name: str,
        rate: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        fallback: Callable[[], None] | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._engine = engine
        self._name = name
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._fallback = fallback
        self._failing = False
        # Built once: a reservation is on the path of every API call, so it is compiled once too.
        self._statement = _reservation(engine.dialect.name, self._interval, given_clock=clock is not None)

    def reserve(self) -> Slot:
        """The next free slot, taken: nobody else gets it or one closer to it than the interval."""
        values: dict[str, Any] = {"name": self._name}
        if self._clock is not None:
            values["now"] = self._clock()
        with self._engine.begin() as connection:
            next_slot, reserved_at = connection.execute(self._statement, values).one()
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


def _reservation(dialect: str, interval: float, *, given_clock: bool) -> Any:
    """The upsert that takes the next slot of limit `:name` and returns (next free slot, now)."""
    now = bindparam("now", type_=Double()) if given_clock else _database_now(dialect)
    taken = case((RateLimit.next_slot > now, RateLimit.next_slot), else_=now) + interval
    if dialect == "postgresql":
        insert: Any = pg_insert(RateLimit)
    elif dialect == "sqlite":
        insert = sqlite_insert(RateLimit)
    else:
        raise NotImplementedError(f"rosterbot's store supports SQLite and PostgreSQL, not {dialect}")
    return (
        insert.values(name=bindparam("name"), next_slot=now + interval)
        .on_conflict_do_update(index_elements=[RateLimit.name], set_={"next_slot": taken})
        .returning(RateLimit.next_slot, now)
    )


def _database_now(dialect: str) -> Any:
    """Now on the database's clock, one for all machines, in seconds since the epoch. PostgreSQL's
    clock_timestamp() is read when the row is ours, not when the transaction began."""
    if dialect == "postgresql":
        return cast(extract("epoch", func.clock_timestamp()), Double())
    # SQLite reads 'now' once per statement, to the millisecond.
    return (func.julianday("now") - UNIX_EPOCH_JULIAN_DAY) * 86400.0
