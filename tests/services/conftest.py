"""The services against the real business API emulator on loopback, through the real client.

One emulator per test module; each test starts with the demo business (plus one inactive admin),
no recorded requests and an empty rosterbot database. Slack users are the demo people; the e-mails
Slack would report resolve them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.client import BusinessApi
from rosterbot.config import (
    EMULATOR_PARTNER_TOKEN,
    EMULATOR_SESSION_COOKIE,
    EMULATOR_USER_TOKEN,
    load_settings,
)
from rosterbot.emulators.business_api.config import EmulatorConfig
from rosterbot.emulators.business_api.server import start_emulator
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.demo import DEMO_TEAM, UNLINKED_SLACK_USER
from rosterbot.services.container import build_services

from .emulated import INACTIVE_EMAIL, INACTIVE_SLACK_USER, FakeClock, World


@pytest.fixture(scope="module")
def _emulator() -> Iterator[tuple[str, EmulatorState]]:
    server, state = start_emulator(EmulatorConfig())
    yield server.url, state
    server.stop()
    state.close()


@pytest.fixture
def world(_emulator: tuple[str, EmulatorState], session_factory: sessionmaker[Session]) -> Iterator[World]:
    url, state = _emulator
    state.reset()
    # An inactive admin: a role that would allow much, on a member who may do nothing.
    state.add_member("admin", "Ines", "Inactive", INACTIVE_EMAIL, None, is_active=False)
    state.clear_requests()
    api = BusinessApi(
        url,
        company_id=1,
        partner_token=SecretStr(EMULATOR_PARTNER_TOKEN),
        user_token=SecretStr(EMULATOR_USER_TOKEN),
        session_cookie=SecretStr(EMULATOR_SESSION_COOKIE),
        rate_limit=10_000,
        max_retries=0,
        backoff_base=0.01,
        max_wait=0.05,
        timeout=5,
    )
    emails = {person.slack_user_id: person.email for person in DEMO_TEAM}
    emails[UNLINKED_SLACK_USER[0]] = UNLINKED_SLACK_USER[3]
    emails[INACTIVE_SLACK_USER] = INACTIVE_EMAIL
    clock = FakeClock()
    services = build_services(
        load_settings(company_id=1),
        api,
        session_factory,
        lookup_email=lambda _team, user: emails.get(user),
        clock=clock,
    )
    yield World(state, api, services, clock, emails)
    api.close()
