"""Time off against the real business API emulator on loopback, through the real client, with a
recording notifier standing in for Slack and a clock the tests move.

One emulator per test module, reset before each test to the demo business (members 1..9 in
DEMO_TEAM order); the rosterbot database is emptied before each test (tests/conftest.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.client import BusinessApi
from rosterbot.config import (
    Settings,
    load_settings,
)
from rosterbot.domain.roles import Actor, Role
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, DEMO_SLACK_TEAM_ID, DEMO_TEAM, TEAM_CHANNEL_ID
from rosterbot.services.availability import AvailabilityService
from rosterbot.services.digest import DigestService
from rosterbot.services.identity import IdentityService
from rosterbot.services.notify import RecordingNotifier
from rosterbot.services.outbox import OutboxDelivery, RetryPolicy
from rosterbot.services.timeoff import TimeOffService
from rosterbot.services.timeoff_rules import RequestInput
from rosterbot.services.timeoff_views import TimeOffView
from rosterbot.store import outbox as outbox_store
from rosterbot.store.db import session_scope
from rosterbot.store.models import OutboxItem
from support import emulator_api

TEAM = DEMO_SLACK_TEAM_ID
ZONE = "Europe/Berlin"
MEMBER_IDS = {person.slack_user_id: n for n, person in enumerate(DEMO_TEAM, start=1)}
OWNER, ADMIN, ADMIN2 = "U0OWNER01", "U0ADMIN01", "U0ADMIN02"
SAM, TARA, UMAR, VERA = "U0STAFF01", "U0STAFF02", "U0STAFF03", "U0STAFF04"
POLICY = RetryPolicy(max_attempts=3, base_seconds=10, max_seconds=40, lease_seconds=120)


class MovingClock:
    """UTC now, moved only by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    emulator: EmulatorState
    api: BusinessApi
    sessions: sessionmaker[Session]
    settings: Settings
    clock: MovingClock
    notifier: RecordingNotifier
    identity: IdentityService
    availability: AvailabilityService
    timeoff: TimeOffService
    digests: DigestService
    outbox: OutboxDelivery
    extra_apis: list[BusinessApi] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(ZONE)

    def today(self) -> date:
        return self.clock.now.astimezone(self.zone).date()

    def actor(self, slack_user_id: str) -> Actor:
        person = next(p for p in DEMO_TEAM if p.slack_user_id == slack_user_id)
        return Actor(
            TEAM,
            slack_user_id,
            member_id=MEMBER_IDS[slack_user_id],
            role=Role(person.role),
            name=f"{person.first_name} {person.last_name}",
        )

    def ask(self, slack_user_id: str, days_ahead: int = 10, length: int = 1, **fields: Any) -> TimeOffView:
        """A request by `slack_user_id` for `length` days starting `days_ahead` days from today."""
        start = self.today() + timedelta(days=days_ahead)
        data = RequestInput(starts_on=start, ends_on=start + timedelta(days=length - 1), **fields)
        return self.timeoff.request(self.actor(slack_user_id), data)

    def new_api(self) -> BusinessApi:
        api = emulator_api(self.emulator_url)
        self.extra_apis.append(api)
        return api

    def new_delivery(self, api: BusinessApi | None = None) -> OutboxDelivery:
        """Another worker: its own API client, the same database and notifier."""
        api = api or self.new_api()
        return OutboxDelivery(
            api,
            self.sessions,
            self.notifier,
            self.settings,
            self.timeoff,
            self.digests,
            clock=self.clock,
            policy=POLICY,
            rng=random.Random(7),
        )

    def drain(self, delivery: OutboxDelivery | None = None) -> int:
        """Deliver until nothing is due now; returns how many items were taken."""
        total = 0
        while (taken := (delivery or self.outbox).deliver_due(10)) > 0:
            total += taken
        return total

    def items(self, **filters: Any) -> list[OutboxItem]:
        with session_scope(self.sessions) as session:
            return outbox_store.items(session, **filters)

    def blocks_for(self, member_slack_user: str) -> list[Any]:
        member_id = MEMBER_IDS[member_slack_user]
        return [
            b for b in self.emulator.blocked_times() if b.employee_id == member_id and "rosterbot" in b.name
        ]

    def block_writes(self, method: str) -> list[Any]:
        return [w for w in self.emulator.writes() if w.method == method and "blocked-times" in w.path]

    emulator_url: str = ""


@pytest.fixture
def world(
    business_emulator: tuple[str, EmulatorState], session_factory: sessionmaker[Session]
) -> Iterator[World]:
    url, state = business_emulator
    api = emulator_api(url)
    settings = load_settings(
        company_id=1,
        timezone=ZONE,
        team_channel=TEAM_CHANNEL_ID,
        approvals_channel=APPROVALS_CHANNEL_ID,
        reminder_after_hours=24,
    )
    clock = MovingClock(datetime.now(UTC).replace(microsecond=0))
    notifier = RecordingNotifier()
    identity = IdentityService(api, session_factory)
    availability = AvailabilityService(api, session_factory, ZoneInfo(ZONE))
    timeoff = TimeOffService(api, session_factory, identity, settings, availability=availability, clock=clock)
    digests = DigestService(session_factory, settings, availability, clock=clock)
    delivery = OutboxDelivery(
        api,
        session_factory,
        notifier,
        settings,
        timeoff,
        digests,
        clock=clock,
        policy=POLICY,
        rng=random.Random(3),
    )
    world = World(
        state,
        api,
        session_factory,
        settings,
        clock,
        notifier,
        identity,
        availability,
        timeoff,
        digests,
        delivery,
        emulator_url=url,
    )
    yield world
    for extra in world.extra_apis:
        extra.close()
    api.close()
