"""The Slack foundation over real loopback HTTP: the Web API stand-in, the app built by
`build_app` served by `create_web_app`, and Slack's signed requests from `SlackWorkspace`.

Services are a minimal fake (identity and delivery claims) over the shared test database, so these tests need
nothing but the Slack layer; each test registers its own listeners on `harness.bolt`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.config import Settings, load_settings
from rosterbot.domain.roles import Actor, Role
from rosterbot.emulators.demo import DEMO_TEAM
from rosterbot.emulators.serving import RunningServer, serve_in_thread
from rosterbot.emulators.slack_api import SlackState, SlackWorkspace, start_slack_standin
from rosterbot.services.deliveries import DeliveryClaims
from rosterbot.services.jobs import JobQueue
from rosterbot.slack.app import build_app
from rosterbot.slack.client import make_web_client
from rosterbot.slack.web import create_web_app
from rosterbot.store import outbox
from rosterbot.store.db import session_scope
from rosterbot.store.outbox import Claim
from rosterbot.worker import JobWorker

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"


@dataclass
class FakeIdentity:
    """Resolves the demo people to their roles; anyone else is unlinked. Records every call."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    error: Exception | None = None
    lookup_email: object = None

    def resolve(self, slack_team_id: str, slack_user_id: str) -> Actor:
        self.calls.append((slack_team_id, slack_user_id))
        if self.error is not None:
            raise self.error
        for number, person in enumerate(DEMO_TEAM, start=1):
            if person.slack_user_id == slack_user_id:
                return Actor(slack_team_id, slack_user_id, number, Role(person.role), person.first_name)
        return Actor(slack_team_id, slack_user_id)


@dataclass
class ListenerJobs:
    """The queue's delivery, for listener jobs only (the real one, `OutboxDelivery`, needs the
    whole of the services): claims, runs the handler the app registers, records the outcome."""

    session_factory: sessionmaker[Session]
    handlers: dict[str, Any] = field(default_factory=dict)

    def handle(self, kind: str, work: Any) -> None:
        self.handlers[kind] = work

    def claim(self, limit: int, *, lease_seconds: float, item_id: int | None = None) -> list[Claim]:
        now = datetime.now(UTC)
        with session_scope(self.session_factory) as session:
            return outbox.claim_due(
                session,
                now=now,
                lease_until=now + timedelta(seconds=lease_seconds),
                limit=limit,
                kinds=list(self.handlers),
                item_id=item_id,
            )

    def extend(self, claims: list[Claim], *, lease_seconds: float) -> None:
        with session_scope(self.session_factory) as session:
            outbox.extend_leases(session, claims, until=datetime.now(UTC) + timedelta(seconds=lease_seconds))

    def deliver(self, claim: Claim) -> None:
        self.handlers[claim.kind](claim)
        with session_scope(self.session_factory) as session:
            outbox.complete(session, claim, at=datetime.now(UTC))


@dataclass
class FakeServices:
    session_factory: sessionmaker[Session]
    identity: FakeIdentity = field(default_factory=FakeIdentity)
    outbox: ListenerJobs = field(init=False)

    def __post_init__(self) -> None:
        self.outbox = ListenerJobs(self.session_factory)

    @property
    def deliveries(self) -> DeliveryClaims:
        return DeliveryClaims(self.session_factory)

    @property
    def jobs(self) -> JobQueue:
        return JobQueue(self.session_factory)


@pytest.fixture(scope="session")
def standin() -> Iterator[tuple[RunningServer, SlackState]]:
    server, state = start_slack_standin(state=SlackState(accepted_tokens={BOT_TOKEN}))
    yield server, state
    server.stop()


@pytest.fixture
def slack_state(standin: tuple[RunningServer, SlackState]) -> SlackState:
    state = standin[1]
    state.clear()
    state.trigger_ttl = 3.0
    return state


@pytest.fixture
def settings(standin: tuple[RunningServer, SlackState], database_url: str) -> Settings:
    return load_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin[0].url + "/api/",
        database_url=database_url,
    )


class _SwitchableWsgi:
    """One loopback server for the session; each test plugs in its own web app (a server's
    shutdown costs half a second, a swap nothing)."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def _web_server() -> Iterator[tuple[RunningServer, _SwitchableWsgi]]:
    switch = _SwitchableWsgi()
    server = serve_in_thread(switch)
    yield server, switch
    server.stop()


@dataclass
class Harness:
    settings: Settings
    services: FakeServices
    bolt: App
    state: SlackState
    slack: SlackWorkspace
    server: RunningServer
    work_pool: JobWorker  # does the lazy work the app's listeners store


@pytest.fixture
def harness(
    settings: Settings,
    slack_state: SlackState,
    standin: tuple[RunningServer, SlackState],
    session_factory: sessionmaker[Session],
    _web_server: tuple[RunningServer, _SwitchableWsgi],
) -> Iterator[Harness]:
    # No feature modules: each test registers the listeners it needs.
    services = FakeServices(session_factory)
    client = make_web_client(settings, rate_limit_retries=2, connection_retries=0)
    jobs = JobWorker(services.outbox)  # type: ignore[arg-type]
    bolt = build_app(settings, services, client=client, features=(), run_here=jobs.submit)  # type: ignore[arg-type]
    server, switch = _web_server
    switch.app = create_web_app(settings, services, bolt_app=bolt)  # type: ignore[arg-type]
    slack = SlackWorkspace(server.url, SIGNING_SECRET, slack_state, standin[0].url, timeout=10)
    yield Harness(settings, services, bolt, slack_state, slack, server, jobs)
    jobs.stop()
    slack.close()
    switch.app = None
