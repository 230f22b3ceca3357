"""Locks that serialise "read, check, write" across processes: one per business for the writes that
could leave it without an active owner (`business_lock`), one per member for a time-off request's
balance check (`member_lock`).

Two owners deactivating each other at the same moment both see another owner before either write
lands; holding the lock around "re-read the team, check, write" makes the second one see the first
one's write. Likewise two requests of one member checked against the same remaining days.

PostgreSQL: a transaction-level advisory lock, so every process and machine on the database waits
its turn (the lock goes with the transaction, even if the process dies). SQLite (the
embedded default, one process): a process lock, since holding SQLite's own write lock across API
calls would stop every other writer, the audit log of this very write included. Both take a
process lock first, so the threads of one process queue without each holding a connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

# First key of the two-key advisory lock: which of rosterbot's locks this is ("ownr", "leav").
OWNERS_LOCK = 0x6F776E72
LEAVE_LOCK = 0x6C656176
LOCK_TIMEOUT = 30.0  # seconds a write waits for its turn before it is told to try again

_locks: dict[tuple[str, int, int], threading.Lock] = {}
_locks_guard = threading.Lock()


class LockTimeout(Exception):
    """The lock (a business's, a member's) was not free within the timeout."""


def _process_lock(database: str, kind: int, key: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault((database, kind, key), threading.Lock())


def business_lock(
    session_factory: sessionmaker[Session], business_id: int, *, timeout: float = LOCK_TIMEOUT
) -> AbstractContextManager[None]:
    """Hold the owners lock of `business_id` (the API's company id) while inside; LockTimeout when
    it stays taken for `timeout` seconds. Not reentrant."""
    return _held(session_factory, OWNERS_LOCK, business_id, timeout)


def member_lock(
    session_factory: sessionmaker[Session], member_id: int, *, timeout: float = LOCK_TIMEOUT
) -> AbstractContextManager[None]:
    """Hold the leave lock of team member `member_id` while inside (as `business_lock`)."""
    return _held(session_factory, LEAVE_LOCK, member_id, timeout)


@contextmanager
def _held(session_factory: sessionmaker[Session], kind: int, key: int, timeout: float) -> Iterator[None]:
    with session_factory() as session:
        engine = session.get_bind().engine
    lock = _process_lock(engine.url.render_as_string(hide_password=True), kind, key)
    if not lock.acquire(timeout=timeout):
        raise LockTimeout(f"lock {kind:x}/{key} stayed taken for {timeout:g} s")
    try:
        if engine.dialect.name != "postgresql":
            yield
            return
        with session_factory() as session, session.begin():
            # SET takes no bind parameters; the value is our own integer.
            session.execute(text(f"SET LOCAL lock_timeout = {int(timeout * 1000)}"))
            try:
                session.execute(select(func.pg_advisory_xact_lock(kind, key)))
            except OperationalError as exc:  # lock_timeout ran out
                raise LockTimeout(f"lock {kind:x}/{key} stayed taken for {timeout:g} s") from exc
            yield
    finally:
        lock.release()
