"""`WorkspaceZones`: every workspace's zone from one read; after `ttl` the zones read before are
still answered while a thread reads them again, so a time-off form never waits for the database
after the first read; the process that saves a setting reads again at once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.config import load_settings
from rosterbot.services.workspace_config import WorkspaceZones
from rosterbot.store import workspace
from rosterbot.store.db import session_scope

BERLIN, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def set_zone(session_factory: sessionmaker[Session], team: str, zone: str) -> None:
    with session_scope(session_factory) as session:
        workspace.save(session, team, timezone=zone)


class CountingSessions:
    """A session factory that counts the sessions opened (each read opens one)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.opened = 0
        self.fail = False

    def __call__(self) -> Session:
        if self.fail:
            raise ConnectionError("the database does not answer")
        self.opened += 1
        return self.factory()


@pytest.fixture
def sessions(session_factory: sessionmaker[Session]) -> CountingSessions:
    return CountingSessions(session_factory)


def zones_of(sessions: CountingSessions, clock: Clock) -> WorkspaceZones:
    settings = load_settings(timezone="America/New_York")
    return WorkspaceZones(sessions, settings, ttl=30.0, clock=clock)  # type: ignore[arg-type]


def loaded(
    session_factory: sessionmaker[Session], sessions: CountingSessions, clock: Clock
) -> WorkspaceZones:
    """Zones read once, with T0ONE in Berlin."""
    set_zone(session_factory, "T0ONE", "Europe/Berlin")
    zones = zones_of(sessions, clock)
    zones.load()
    return zones


def test_one_read_answers_every_workspace_and_the_default(
    session_factory: sessionmaker[Session], sessions: CountingSessions
) -> None:
    zones = loaded(session_factory, sessions, Clock())

    assert zones("T0ONE") == BERLIN
    assert zones("T0OTHER") == ZoneInfo("America/New_York")  # no setting: ROSTERBOT_TIMEZONE
    assert sessions.opened == 1


def test_after_the_ttl_the_old_zones_answer_while_a_thread_reads_again(
    session_factory: sessionmaker[Session], sessions: CountingSessions
) -> None:
    clock = Clock()
    zones = loaded(session_factory, sessions, clock)
    set_zone(session_factory, "T0ONE", "Asia/Tokyo")  # saved by another process

    clock.now += 10
    assert zones("T0ONE") == BERLIN and sessions.opened == 1  # within the ttl: no read
    clock.now += 25
    assert zones("T0ONE") == BERLIN  # stale: answered at once, read again in the background
    assert zones.wait_refreshed(5)
    assert zones("T0ONE") == TOKYO
    assert sessions.opened == 2  # one read in the background, however often it was asked


def test_a_failed_read_keeps_the_zones_it_had_and_the_next_one_is_tried(
    session_factory: sessionmaker[Session], sessions: CountingSessions
) -> None:
    clock = Clock()
    zones = loaded(session_factory, sessions, clock)
    set_zone(session_factory, "T0ONE", "Asia/Tokyo")
    sessions.fail = True

    clock.now += 60
    for _ in range(20):
        assert zones("T0ONE") == BERLIN
    assert zones.wait_refreshed(5)
    sessions.fail = False  # the database answers again: a later use reads it

    zones("T0ONE")  # still stale: starts a read
    assert zones.wait_refreshed(5)
    assert zones("T0ONE") == TOKYO


def test_the_process_that_saves_a_setting_reads_again_at_once(
    session_factory: sessionmaker[Session], sessions: CountingSessions
) -> None:
    zones = loaded(session_factory, sessions, Clock())
    set_zone(session_factory, "T0ONE", "Asia/Tokyo")

    zones.forget("T0ONE")

    assert zones("T0ONE") == TOKYO
