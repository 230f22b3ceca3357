"""The process wiring: database, business API client and services, built once per process.

With no `ROSTERBOT_API_URL`, the built-in business API emulator is started in-process on loopback
(its state in a SQLite file beside rosterbot's own), so `make run` needs no account anywhere.
Every process's API client keeps to one rate limit shared through the database
(`ROSTERBOT_API_RATE_LIMIT`, the API's own limit for the whole deployment).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from rosterbot.api.client import BusinessApi
from rosterbot.api.transport import RateLimiter
from rosterbot.config import Settings
from rosterbot.services.container import Services, build_services
from rosterbot.store.db import is_sqlite, make_engine, make_session_factory
from rosterbot.store.rate_limit import BUSINESS_API, SharedRateLimit

if TYPE_CHECKING:
    from rosterbot.emulators.business_api import EmulatorConfig
    from rosterbot.emulators.serving import RunningServer

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    services: Services
    emulator: RunningServer | None = field(default=None, repr=False)

    def close(self) -> None:
        self.services.api.close()
        if self.emulator is not None:
            self.emulator.stop()
        self.engine.dispose()


def build_runtime(settings: Settings, *, api_url: str | None = None) -> Runtime:
    """Wire one process. `api_url` overrides `settings.api_url`; with neither, start the emulator.
    With a Slack bot token, the outbox can tell people through Slack (the worker needs that)."""
    if is_sqlite(settings.database_url):
        # The default SQLite file upgrades itself; PostgreSQL is upgraded by the Procfile's release
        # (so a process on PostgreSQL never imports Alembic: 10 MiB).
        from rosterbot.store.migrate import ensure_schema

        ensure_schema(settings.database_url)
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    emulator = None
    base_url = api_url or settings.api_url
    if base_url is None:
        emulator = start_builtin_emulator(settings)
        base_url = emulator.url
        log.info("using the built-in business API emulator (the demo business) at %s", base_url)
    rate = settings.api_rate_limit
    # While the database cannot answer, each process keeps the whole limit on its own.
    limiter = SharedRateLimit(engine, BUSINESS_API, rate, fallback=RateLimiter(rate).acquire)
    api = BusinessApi.from_settings(settings, base_url, limiter=limiter)
    notifier = None
    if settings.slack_bot_token is not None:
        # The Slack half: imported only here, so a process without a token never loads Slack.
        from rosterbot.slack.client import make_web_client
        from rosterbot.slack.notifier import SlackNotifier

        notifier = SlackNotifier(make_web_client(settings))
    services = build_services(settings, api, session_factory, notifier=notifier)
    return Runtime(settings=settings, engine=engine, services=services, emulator=emulator)


def start_builtin_emulator(settings: Settings) -> RunningServer:
    from rosterbot.emulators.business_api import start_emulator

    server, _state = start_emulator(emulator_config(settings))
    return server


def emulator_config(settings: Settings, **overrides: Any) -> EmulatorConfig:
    """An emulator that accepts the credentials rosterbot is configured with, for its company. Built
    here, not by the emulator: emulators know nothing of the bot's settings."""
    from rosterbot.emulators.business_api import EmulatorConfig

    values: dict[str, Any] = {
        "database_url": settings.emulator_database_url,
        "company_id": settings.company_id,
        "partner_token": settings.partner_token.get_secret_value(),
        "user_token": settings.user_token.get_secret_value(),
        "session_cookie": settings.session_cookie.get_secret_value(),
        "session_cookie_name": settings.session_cookie_name,
    }
    return EmulatorConfig(**(values | overrides))
