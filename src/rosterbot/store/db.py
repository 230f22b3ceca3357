"""Engines and sessions: one place that knows SQLite and PostgreSQL differ."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.store.models import Base

# A pooled connection idle for longer than this is checked before use (`_ping_when_idle`).
IDLE_PING_SECONDS = 2.0
# Connections a process keeps open to PostgreSQL: as many as SQLAlchemy's default allows at most
# (5 + 10 overflow), all kept. An overflow connection is closed when it is returned, so under load
# the default opened a new PostgreSQL connection (a new server process) for a third of the requests;
# past 15 at once a thread now waits for a connection instead.
POOL_SIZE = 15


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite: usable from any thread, WAL, foreign keys on.
    PostgreSQL: a connection that lay idle is checked before use (`_ping_when_idle`), so a
    restarted server costs no request; a pool of `POOL_SIZE` kept connections, no overflow."""
    if is_sqlite(url):
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a connection before use when it was idle for `IDLE_PING_SECONDS` (SQLAlchemy's
    `pool_pre_ping` checks every one: under load that round trip was half of storing a job on the
    ack path). A connection back from use moments ago worked then; if the server died since, the
    statement fails, SQLAlchemy drops the whole pool, and the caller's retry gets fresh ones."""

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the connection did not answer")


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


@contextmanager
def autocommit_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose each statement commits as it runs: no BEGIN, no COMMIT, one round trip for
    one statement on PostgreSQL. Only for work that is one statement (storing a job on the ack
    path)."""
    engine = session_factory.kw["bind"]
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with connection, Session(bind=connection) as session:
        yield session


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
