"""The owners lock as the services use it (DESIGN.md, "Trust"): every write that could leave the
business without an active owner runs inside it and re-reads what it checks there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.services.errors import Busy
from rosterbot.store.locks import LockTimeout, business_lock


@contextmanager
def owners_serialised(session_factory: sessionmaker[Session], business_id: int) -> Iterator[None]:
    """One such write of the business at a time, in every process; Busy when the wait is too long.
    (Only the lock raises LockTimeout: the body never takes it again.)"""
    try:
        with business_lock(session_factory, business_id):
            yield
    except LockTimeout:
        raise Busy() from None
