"""Bring a database to the newest schema with Alembic, from the package's own migrations.

`upgrade(url)` is what `rosterbot db upgrade` and the Procfile's release phase run; the app calls
`ensure_schema(url)` at start so that the embedded SQLite default works with no extra step.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from rosterbot.store.db import make_engine

_STORE_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = _STORE_DIR / "alembic.ini"

# Any fixed number: concurrent upgrades on one PostgreSQL database take turns on this lock.
_PG_LOCK_KEY = 0x726F7374  # "rost"


def alembic_config(database_url: str | None = None) -> Config:
    """The package's Alembic config; script_location is absolute, so the CWD does not matter."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(_STORE_DIR / "migrations"))
    if database_url is not None:
        # ConfigParser treats % as interpolation; a password may contain one.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("rosterbot's migrations have no head revision")
    return head


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate `database_url` to `revision`; at that revision already, nothing happens."""
    config = alembic_config(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several web processes starting at once must not create the same tables twice.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def ensure_schema(database_url: str) -> None:
    """Called by the app at start: the schema is at head afterwards (a no-op when it already is)."""
    if current_revision(database_url) == head_revision():
        return
    upgrade(database_url)
