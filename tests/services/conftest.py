"""The services against the real business API emulator on loopback, through the real client.

One emulator per test module; each test starts with the demo business (plus one inactive admin),
no recorded requests and an empty rosterbot database. Slack users are the demo people; the e-mails
Slack would report resolve them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.config import (
    load_settings,
)
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.demo import DEMO_TEAM, UNLINKED_SLACK_USER
from rosterbot.services.container import build_services
from support import emulator_api

from .emulated import INACTIVE_EMAIL, INACTIVE_SLACK_USER, FakeClock, World


@pytest.fixture
def world(
    business_emulator: tuple[str, EmulatorState], session_factory: sessionmaker[Session]
) -> Iterator[World]:
    url, state = business_emulator
    # An inactive admin: a role that would allow much, on a member who may do nothing.
    state.add_member("admin", "Ines", "Inactive", INACTIVE_EMAIL, None, is_active=False)
    state.clear_requests()  # what the test sends, only
    api = emulator_api(url)
    emails = {person.slack_user_id: person.email for person in DEMO_TEAM}
    emails[UNLINKED_SLACK_USER[0]] = UNLINKED_SLACK_USER[3]
    emails[INACTIVE_SLACK_USER] = INACTIVE_EMAIL
    clock = FakeClock()
    services = build_services(
        # The emulator is changed behind the services' back here (as the business's own app
        # would), and the fake clock never moves: no shared reads kept past their flight.
        load_settings(company_id=1, read_cache_seconds=0),
        api,
        session_factory,
        lookup_email=lambda _team, user: emails.get(user),
        clock=clock,
    )
    yield World(state, api, services, clock, emails)
    api.close()
