"""The Bolt app: `build_app(settings, services)`; there is no global app.

Each module named in `FEATURES` exposes `register(app: App) -> None` and adds its listeners. A
listener finds what it needs in the Bolt context (see `rosterbot.slack.middleware`):
`services_of(context)`, `settings_of(context)`, `actor_of(context)`. It raises instead of catching:
`rosterbot.slack.errors.handle_error` tells the user.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.config import Settings
from rosterbot.slack.client import make_web_client
from rosterbot.slack.errors import handle_error
from rosterbot.slack.middleware import build_middleware

if TYPE_CHECKING:
    from rosterbot.services.container import Services
    from rosterbot.services.identity import LookupEmail

log = logging.getLogger(__name__)

# Feature modules, registered in this order (each has `register(app)`).
FEATURES: tuple[str, ...] = (
    "rosterbot.slack.team",
    "rosterbot.slack.positions",
    "rosterbot.slack.timeoff",
    "rosterbot.slack.availability",
    "rosterbot.slack.home",
    "rosterbot.slack.settings",
)

# Threads that run listeners, per process. Bolt runs a listener (ack included) on its listener
# executor and the HTTP thread waits for the ack; with Bolt's default of 5, a sixth listener still
# waiting on the business API (2 s a call, 5 calls a second) delays every later ack past Slack's
# 3 s, and Bolt answers 404 while the command still runs later (bench/ack.py, BENCHMARKS.md).
# Threads start only when needed, so an idle process keeps few.
LISTENER_THREADS = 256


def build_app(
    settings: Settings,
    services: Services,
    *,
    client: WebClient | None = None,
    features: Iterable[str] = FEATURES,
    socket_mode: bool = False,
    listener_threads: int = LISTENER_THREADS,
) -> App:
    """A Bolt app that verifies Slack's signatures with `settings.slack_signing_secret`, acks before
    it works (`process_before_response=False`), resolves the actor, drops repeated deliveries and
    turns errors into messages. `client`: the Web client (default `make_web_client(settings)`).
    `socket_mode`: the signing secret may be unset (Socket Mode requests are not signed; then a
    random secret keeps the verification on, refusing every HTTP request). `listener_threads`: how
    many listeners may run at once in this process (more wait, and so do their acks)."""
    if settings.slack_signing_secret is not None:
        signing_secret = settings.slack_signing_secret.get_secret_value()
    elif socket_mode:
        signing_secret = secrets.token_hex(32)
    else:
        settings.require("slack_signing_secret")
        raise AssertionError("unreachable: require() raised")
    web_client = client or make_web_client(settings)
    app = App(
        name="rosterbot",
        client=web_client,
        signing_secret=signing_secret,
        # auth.test is called on the first request instead of at start-up, so the web process
        # starts (and /healthz answers) even while Slack is unreachable.
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="listener"),
    )
    app.error(handle_error)
    for middleware in build_middleware(settings, services):
        app.use(middleware)
    if services.identity.lookup_email is None:
        services.identity.lookup_email = email_lookup(web_client)
    for name in features:
        importlib.import_module(name).register(app)
    return app


def email_lookup(client: WebClient) -> LookupEmail:
    """(team id, Slack user id) -> the user's e-mail from users.info (scope users:read.email)."""

    def lookup(team_id: str, user_id: str) -> str | None:
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            if exc.response.get("error") == "user_not_found":
                return None
            raise
        email = (user.get("profile") or {}).get("email")
        return str(email) if email else None

    return lookup
