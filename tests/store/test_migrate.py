"""Alembic migrations: from an empty database to head, a second run changing nothing, the schema
matching the models, and no dependence on the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from rosterbot.store import migrate
from rosterbot.store.db import make_engine
from rosterbot.store.models import Base

TABLES = {table.name for table in Base.metadata.sorted_tables}


@pytest.fixture
def empty_url(database_url: str, _migrated_engine: Engine, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or the PostgreSQL test database with every table
    dropped (the test upgrades it back to head, so later tests find it as they expect)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'empty.db'}"
    with _migrated_engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    return database_url


def test_upgrade_from_empty_then_again_is_a_no_op(
    empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the package finds its own migrations, wherever we stand
    assert migrate.current_revision(empty_url) is None

    migrate.upgrade(empty_url)

    engine = make_engine(empty_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert migrate.current_revision(empty_url) == migrate.head_revision() == "0002"
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO slack_deliveries (key, received_at) VALUES ('kept', CURRENT_TIMESTAMP)")
            )

        migrate.upgrade(empty_url)  # again: nothing to do, nothing lost
        migrate.ensure_schema(empty_url)

        assert migrate.current_revision(empty_url) == "0002"
        with engine.connect() as connection:
            assert connection.execute(text("SELECT key FROM slack_deliveries")).scalars().all() == ["kept"]
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == ["0002"]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(_migrated_engine: Engine) -> None:
    with _migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_ensure_schema_creates_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate.ensure_schema(url)
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
    assert migrate.current_revision(url) == migrate.head_revision()


def test_sqlite_engine_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
