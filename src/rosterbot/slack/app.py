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
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.config import Settings
from rosterbot.services.channel_posts import Channel, UserChannels
from rosterbot.services.jobs import RUN_LISTENER
from rosterbot.services.workspace import ChannelLookup, ChannelStatus
from rosterbot.slack.client import guard_respond, make_web_client
from rosterbot.slack.errors import handle_error
from rosterbot.slack.jobs import JobSink, JobSteps, install, run_stored
from rosterbot.slack.middleware import Workspace, build_middleware

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


def build_app(
    settings: Settings,
    services: Services,
    *,
    client: WebClient | None = None,
    features: Iterable[str] = FEATURES,
    socket_mode: bool = False,
    run_here: JobSink | None = None,
) -> App:
    """A Bolt app that verifies Slack's signatures with `settings.slack_signing_secret`, answers
    Slack from the HTTP thread, stores each listener's lazy work as a job before the answer goes
    out (`rosterbot.slack.jobs`), resolves the actor, drops repeated deliveries and turns errors
    into messages. `client`: the Web client (default `make_web_client(settings)`). `socket_mode`:
    the signing secret may be unset (Socket Mode requests are not signed; then a random secret
    keeps the verification on, refusing every HTTP request); so may a worker's, which serves no
    HTTP. `run_here`: this process's worker (`JobWorker.submit`), which then does the jobs this app
    stores at once, through this app (`does_jobs`); without it a worker process claims them
    (`rosterbot serve`)."""
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
        # Listeners run on the HTTP thread up to their ack; their lazy work is stored as a job.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    app.error(handle_error)
    app.use(guard_respond)  # first: every response_url post, an error's included, is guarded
    install(app, services, signing_secret, run_here)
    if run_here is not None:
        does_jobs(app, services, settings)
    for middleware in build_middleware(settings, services, lambda: installed_workspace(app)):
        app.use(middleware)
    app.use(JobSteps(services))  # last: it wraps the client every other middleware has chosen
    if services.identity.lookup_email is None:
        services.identity.lookup_email = email_lookup(web_client)
    posts = getattr(services, "channel_posts", None)  # test doubles of Services may have none
    if posts is not None and posts.user_channels is None:
        posts.user_channels = channels_lookup(web_client)
    workspace = getattr(services, "workspace", None)
    if workspace is not None and workspace.channel_lookup is None:
        workspace.channel_lookup = channel_lookup(web_client)
    for name in features:
        importlib.import_module(name).register(app)
    return app


def does_jobs(app: App, services: Services, settings: Settings) -> None:
    """This process's worker does the queue's listener jobs through `app` (one app per process
    does; a web worker's app only stores them)."""
    delivery = services.outbox
    if delivery is None:
        raise RuntimeError("a worker needs services built with a notifier (a Slack bot token)")
    delivery.handle(RUN_LISTENER, run_stored(app, services, settings))


def authorize_in_background(app: App) -> None:
    """Call auth.test now, on a thread, for Bolt's single-workspace authorization, which would
    otherwise call it on the app's first request: in a burst right after start-up every request
    that reached the process first waited for that call (60 to 100 ms each). A failure leaves it
    to the first request, as before, so the process starts while Slack is unreachable."""
    authorization = _authorization(app)
    if authorization is None or authorization.auth_test_result:
        return

    def authorize() -> None:
        try:
            authorization.auth_test_result = app.client.auth_test()
        except Exception as exc:  # noqa: BLE001 - the first request tries again
            log.warning("auth.test at start-up failed (%s): the first request calls it", type(exc).__name__)

    threading.Thread(target=authorize, name="auth-test", daemon=True).start()


def installed_workspace(app: App) -> Workspace:
    """The workspace the bot token belongs to, from auth.test: the result Bolt's authorization
    keeps (`authorize_in_background` asks at start, else Bolt at the first request, before any
    middleware of ours), asked here only when it has none yet (a request Bolt's authorization
    lets by without it)."""
    authorization = _authorization(app)
    result = authorization.auth_test_result if authorization is not None else None
    if not result:
        result = app.client.auth_test()
        if authorization is not None:
            authorization.auth_test_result = result
    team_id, enterprise_id = result.get("team_id"), result.get("enterprise_id")
    return Workspace(str(team_id) if team_id else None, str(enterprise_id) if enterprise_id else None)


def _authorization(app: App) -> SingleTeamAuthorization | None:
    """Bolt's single-workspace authorization of `app` (slack_bolt keeps its middleware in a private
    list; None if that changes)."""
    return next(
        (m for m in getattr(app, "_middleware_list", []) if isinstance(m, SingleTeamAuthorization)),
        None,
    )


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


# Each page of users.conversations: Slack's documented maximum is 1000; it pages with a cursor.
CHANNELS_PAGE = 200


def channels_lookup(client: WebClient) -> UserChannels:
    """(team id, Slack user id) -> the public and private channels the user is in, as Slack lists
    them for the bot (users.conversations, scopes channels:read and groups:read; a private channel
    is listed only when the bot is in it too), every page."""

    def lookup(team_id: str, user_id: str) -> list[Channel]:
        found: list[Channel] = []
        cursor: str | None = None
        while True:
            page = client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=CHANNELS_PAGE,
                cursor=cursor,
            )
            for channel in page.get("channels") or []:
                if isinstance(channel, dict) and channel.get("id"):
                    found.append(Channel(str(channel["id"]), str(channel.get("name") or "")))
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return found

    return lookup


def channel_lookup(client: WebClient) -> ChannelLookup:
    """channel id -> what conversations.info says of it (None: not found, which is also how Slack
    answers for a private channel the bot is not in)."""

    def lookup(channel_id: str) -> ChannelStatus | None:
        try:
            channel = client.conversations_info(channel=channel_id).get("channel") or {}
        except SlackApiError as exc:
            if exc.response.get("error") == "channel_not_found":
                return None
            raise
        return ChannelStatus(
            name=str(channel.get("name") or channel_id),
            is_member=bool(channel.get("is_member")),
            is_archived=bool(channel.get("is_archived")),
        )

    return lookup
