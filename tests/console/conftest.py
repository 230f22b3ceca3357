"""A console on the real path: the sandbox (business API emulator in memory, Slack stand-in, the web
app) on the shared test database, and a session fed lines as a script would feed them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from rosterbot.config import Settings, load_settings
from rosterbot.console import start_console_sandbox

from .driver import Console


@pytest.fixture
def console_settings(engine: Engine, database_url: str) -> Settings:
    """The shared test database (emptied) for rosterbot; the emulator's state in memory."""
    return load_settings(database_url=database_url, emulator_database_url="sqlite://")


@pytest.fixture
def console(console_settings: Settings) -> Iterator[Console]:
    box = start_console_sandbox(console_settings)
    try:
        yield Console(box)
    finally:
        box.stop()
