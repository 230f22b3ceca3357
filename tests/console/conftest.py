"""A console on the real path: the sandbox (business API emulator in memory, Slack stand-in, the web
app) on the shared test database, and a session fed lines as a script would feed them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Engine

from rosterbot.config import Settings, load_settings
from rosterbot.console import start_console_sandbox

from .driver import Console


@pytest.fixture
def console_settings(engine: Engine, database_url: str) -> Settings:
    """The shared test database (emptied) for rosterbot; the emulator's state in memory; the daily
    digest (which the console's worker posts in #team once due) not due while the test runs."""
    return load_settings(
        database_url=database_url, emulator_database_url="sqlite://", digest_time=digest_not_due()
    )


def digest_not_due() -> time:
    """A digest time an hour from now on the console's clock (UTC): neither today's digest nor
    yesterday's late one is due within that hour, whatever the hour."""
    return (datetime.now(UTC) + timedelta(hours=1)).time().replace(second=0, microsecond=0)


@pytest.fixture
def console(console_settings: Settings) -> Iterator[Console]:
    box = start_console_sandbox(console_settings)
    try:
        yield Console(box)
    finally:
        box.stop()
