"""Waking workers when a job is written: PostgreSQL's LISTEN/NOTIFY.

`store.outbox.enqueue` sends `NOTIFY rosterbot_jobs` in the transaction that writes the item; a
worker blocked in `Listener.wait` returns as soon as that transaction commits, on whichever machine
it runs. SQLite has no such signal: there `Listener` is None and workers poll (the embedded default
runs one process, whose own writes wake its worker directly).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sqlalchemy import Engine

from rosterbot.store.outbox import WAKE_CHANNEL

log = logging.getLogger(__name__)


class Listener:
    """One connection of its own, in LISTEN on the jobs channel."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None

    @classmethod
    def for_engine(cls, engine: Engine) -> Listener | None:
        """A listener on PostgreSQL; None on a database without NOTIFY."""
        return cls(engine) if engine.dialect.name == "postgresql" else None

    def wait(self, timeout: float) -> bool:
        """Block until a job is announced (True) or `timeout` seconds pass (False). A connection
        that fails is opened again at the next call; meanwhile it returns at once (False), so the
        caller polls."""
        try:
            connection = self._connect()
            for _ in connection.notifies(timeout=timeout, stop_after=1):
                return True
            return False
        except Exception:  # noqa: BLE001 - the database restarting: poll until it is back
            log.warning("lost the job notifications connection; polling until it is back", exc_info=True)
            self.close()
            return False

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._connection.close()
            self._connection = None

    def _connect(self) -> Any:
        if self._connection is None:
            raw = self._engine.raw_connection()
            connection = raw.driver_connection  # psycopg's own: LISTEN needs it outside the pool
            raw.detach()
            assert connection is not None
            connection.autocommit = True
            connection.execute(f"LISTEN {WAKE_CHANNEL}")
            self._connection = connection
        return self._connection
