"""Engines and sessions: one place that knows SQLite and PostgreSQL differ."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.store.models import Base


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite: usable from any thread, WAL, foreign keys on.
    PostgreSQL: connections checked before use, so a restarted server costs no request."""
    if is_sqlite(url):
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # An in-memory database has no WAL; it answers "memory" and that is fine.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: repositories return rows that callers read after the commit.
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    session = session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def utcnow() -> datetime:
    return datetime.now(UTC)


def _insert_for(session: Session, model: type[Base]) -> Any:
    """The dialect's INSERT (SQLite and PostgreSQL both know ON CONFLICT)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return pg_insert(model)
    if name == "sqlite":
        return sqlite_insert(model)
    raise NotImplementedError(f"rosterbot's store supports SQLite and PostgreSQL, not {name}")


def insert_or_ignore(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row; False when a row with the same key is already there. Race-safe: two
    sessions inserting the same key at once leave one row, and exactly one of them gets True."""
    primary_key = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    statement = _insert_for(session, model).values(**values).on_conflict_do_nothing().returning(*primary_key)
    # RETURNING, not rowcount: an ORM-enabled INSERT does not report a row count on every driver.
    return session.execute(statement).first() is not None


def upsert(session: Session, model: type[Base], values: dict[str, Any], key: Sequence[str]) -> None:
    """Insert one row, or update the row with the same `key` columns to `values`."""
    statement = _insert_for(session, model).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=changes))
