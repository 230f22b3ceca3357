"""Shared fixtures: a database for the whole run (SQLite, or PostgreSQL when
ROSTERBOT_TEST_DATABASE_URL is set), migrated once, with every table emptied before each test;
`sandbox`, which starts the whole bot on loopback on that database; and `business_emulator`, the
business API emulator alone.

`--today 2027-03-28` (or ROSTERBOT_TEST_TODAY) runs the whole suite as of another day: the process's
clock starts at that moment and ticks on from there (time-machine), so every "now" and "today" the
app, the emulators and the tests read agrees. A bare date means 09:00 UTC that day; an ISO time with
an offset (`2027-03-28T00:30:00+00:00`) pins the hour too."""

from __future__ import annotations

import os
import time as time_module
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from alembic.util.exc import CommandError
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.store.db import is_sqlite, make_engine, make_session_factory
from rosterbot.store.migrate import upgrade
from rosterbot.store.models import Base

if TYPE_CHECKING:
    from rosterbot.emulators.business_api.state import EmulatorState
    from rosterbot.sandbox import Sandbox


# No example may fail for being slow: the machine's speed is not under test.
hypothesis_settings.register_profile("rosterbot", deadline=None)
hypothesis_settings.load_profile("rosterbot")

TODAY_OPTION = "--today"
_TRAVELLER = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        TODAY_OPTION,
        default=os.environ.get("ROSTERBOT_TEST_TODAY") or None,
        help="run the suite as of this day (YYYY-MM-DD, 09:00 UTC) or moment (ISO 8601 with an offset)",
    )


def pinned_moment(value: str) -> datetime:
    """The moment `--today` names: a date at 09:00 UTC, or an ISO time with its offset."""
    if "T" not in value:
        return datetime.combine(date.fromisoformat(value), time(9), tzinfo=UTC)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"{TODAY_OPTION} {value}: give the offset too, e.g. {value}+00:00")
    return moment


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption(TODAY_OPTION)
    if value:
        moment = pinned_moment(value)
        # Processes the tests start keep the same offset from the machine's clock (clock/sitecustomize.py).
        os.environ["TEST_CLOCK_OFFSET_SECONDS"] = repr(moment.timestamp() - time_module.time())
        child_path = [str(Path(__file__).parent / "clock"), os.environ.get("PYTHONPATH", "")]
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in child_path if p)
        # tick=True: time moves on from the pinned moment, so waits and timeouts still pass.
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    value = config.getoption(TODAY_OPTION)
    return f"today pinned to {pinned_moment(value).isoformat()}" if value else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """ROSTERBOT_TEST_DATABASE_URL, or a SQLite file private to this test run."""
    url = os.environ.get("ROSTERBOT_TEST_DATABASE_URL")
    if url:
        return url
    path: Path = tmp_path_factory.mktemp("db") / "rosterbot-test.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _migrated_engine(database_url: str) -> Iterator[Engine]:
    try:
        upgrade(database_url)
    except CommandError as error:
        # A test database another branch migrated (a revision this code does not have): it holds
        # nothing worth keeping, so it starts again from empty.
        if "Can't locate revision" not in str(error) or is_sqlite(database_url):
            raise
        reset = make_engine(database_url)
        with reset.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        reset.dispose()
        upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def empty_all_tables(engine: Engine) -> None:
    tables = [table.name for table in Base.metadata.sorted_tables]
    # A worker of the test before may still be finishing a job (its transaction touches several
    # tables): PostgreSQL may then pick the TRUNCATE as a deadlock's victim; the job ends, try again.
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                else:
                    for name in reversed(tables):
                        connection.execute(text(f"DELETE FROM {name}"))
            return
        except OperationalError as error:
            if "deadlock" not in str(error) or attempt == 4:
                raise


@pytest.fixture
def engine(_migrated_engine: Engine) -> Engine:
    """The migrated test database with every table empty."""
    empty_all_tables(_migrated_engine)
    return _migrated_engine


@pytest.fixture(scope="module")
def module_engine(_migrated_engine: Engine) -> Engine:
    """The migrated test database emptied once, for a module that builds its (large) data once and
    whose tests only read it."""
    empty_all_tables(_migrated_engine)
    return _migrated_engine


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as db_session:
        yield db_session


@pytest.fixture(scope="module")
def sandbox(database_url: str, _migrated_engine: Engine) -> Iterator[Callable[..., Sandbox]]:
    """Start a `Sandbox` (the business API emulator, the Slack stand-in and the web app on
    loopback) on the test database: `sandbox(timezone="Europe/Berlin")` overrides settings by field
    name. Every one started is stopped after the module."""
    from rosterbot.sandbox import Sandbox  # the whole app: only for the tests that use it

    started: list[Sandbox] = []

    def start(**settings: Any) -> Sandbox:
        # The client's shared rate limit (5/s by default, for the live API) would only slow the tests.
        box = Sandbox.start(database_url=database_url, settings={"api_rate_limit": 1000.0, **settings})
        started.append(box)
        return box

    yield start
    for box in started:
        box.stop()


@pytest.fixture(scope="module")
def _business_emulator() -> Iterator[tuple[str, EmulatorState]]:
    from rosterbot.emulators.business_api.config import EmulatorConfig
    from rosterbot.emulators.business_api.server import start_emulator

    server, state = start_emulator(EmulatorConfig())
    yield server.url, state
    server.stop()
    state.close()


@pytest.fixture
def business_emulator(_business_emulator: tuple[str, EmulatorState]) -> tuple[str, EmulatorState]:
    """The business API emulator alone on loopback (one per module): its URL and its state, reset to
    the demo business with no recorded requests before each test."""
    _url, state = _business_emulator
    state.reset()
    state.clear_requests()
    return _business_emulator
