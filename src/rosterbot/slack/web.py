"""Serving the Bolt app: over HTTP (Flask: `POST /slack/events`, `GET /healthz`; gunicorn runs
`rosterbot.slack.web:wsgi()`), or over Socket Mode (`run_socket_mode`)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from flask import Flask, Request, Response, jsonify, request
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.flask.handler import to_flask_response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from rosterbot.config import Settings, load_settings
from rosterbot.slack.app import build_app
from rosterbot.slack.request import bolt_request
from rosterbot.slack.verification import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    is_signed_by_slack,
)

if TYPE_CHECKING:
    from rosterbot.runtime import Runtime
    from rosterbot.services.container import Services

log = logging.getLogger(__name__)


def create_web_app(settings: Settings, services: Services, *, bolt_app: App | None = None) -> Flask:
    """The web process: Slack's commands, interactivity and events at `POST /slack/events`;
    `GET /healthz` answers 200 `{"ok": true}` when the database answers, else 503."""
    bolt = bolt_app or build_app(settings, services)
    web = Flask("rosterbot.slack")
    web.extensions["bolt_app"] = bolt
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # werkzeug stops reading past it
    # Socket Mode's app has no secret of its own for HTTP: then every HTTP request is refused.
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[Response, int]:
        body = verified_body(request, secret)
        if isinstance(body, Response):
            return body
        try:
            return to_flask_response(bolt.dispatch(slack_request(request, body)))
        except Exception as exc:  # noqa: BLE001 - Bolt itself failed on the payload's shape
            # Bolt's own parsing raises on some malformed payloads (e.g. `"actions": []` in
            # slack_bolt 1.30's to_action) before any listener or error handler of ours runs; its
            # middleware error handler then raises again. Slack never sends such a payload: refuse
            # it without a 500 (nothing was processed).
            log.warning("could not handle a Slack request: %s", type(exc).__name__)
            return jsonify(ok=False, error="malformed request"), 400

    @web.get("/calendar/<token>.ics")
    def calendar_feed(token: str) -> Response:
        """The team's time off as iCalendar: no Slack signature (calendar apps fetch it), the
        secret token in the address is the key; any other address is 404, as if none existed."""
        body = services.calendar_feed.ics(token)
        if body is None:
            return Response(status=404)
        return Response(
            body,
            mimetype="text/calendar",
            headers={
                "Cache-Control": "private, max-age=300",
                "Content-Disposition": "inline; filename=team.ics",
            },
        )

    @web.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            with services.session_factory() as session:
                session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            log.warning("health check: the database does not answer", exc_info=True)
            return jsonify(ok=False, error="database unavailable"), 503
        return jsonify(ok=True), 200

    return web


def verified_body(req: Request, signing_secret: str | None) -> str | Response:
    """The body of `req` as text when Slack signed it; else the answer, with an empty body: 413
    for a body larger than Slack sends (not read past the limit), 401 for one Slack did not sign
    (or when there is no secret to check against), 400 for a signed body that is not UTF-8 (Bolt
    would check its signature on other text, refuse it and log it). Nothing of the request is
    parsed or logged before this passes; Bolt then checks the signature again."""
    try:
        raw = req.get_data(cache=True)
    except RequestEntityTooLarge:
        return Response(status=413)
    timestamps = req.headers.getlist(TIMESTAMP_HEADER)
    signatures = req.headers.getlist(SIGNATURE_HEADER)
    if signing_secret is None or not is_signed_by_slack(
        raw, timestamps, signatures, signing_secret, now=time.time()
    ):
        return Response(status=401)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Response(status=400)


def slack_request(req: Request, body: str) -> BoltRequest:
    """Bolt's request for Flask's `req` and its verified `body`. Bolt's own `x-slack-bolt-*`
    headers (lazy-only dispatch) are dropped: only a stored job is run lazy-only."""
    headers = {
        name: req.headers.getlist(name)
        for name in req.headers.keys()  # noqa: SIM118
        if not name.lower().startswith("x-slack-bolt-")
    }
    return bolt_request(body, headers, req.query_string.decode("utf-8"))


def wsgi() -> Flask:
    """gunicorn's entry point: `gunicorn 'rosterbot.slack.web:wsgi()'` (settings from the environment)."""
    from rosterbot.runtime import build_runtime  # the process wiring: API client, database, services

    settings = load_settings()
    settings.require("slack_bot_token", "slack_signing_secret")
    settings.require_business_api("serve")  # no demo business by accident (ROSTERBOT_DEMO=1 asks)
    runtime = build_runtime(settings)
    return create_web_app(settings, runtime.services)


def run_socket_mode(settings: Settings, runtime: Runtime) -> None:
    """Connect to Slack over Socket Mode (needs SLACK_APP_TOKEN) and serve until interrupted. One
    process: its own worker does what it stores, and works the queue."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler  # here: the web process needs none

    from rosterbot.worker import process_worker

    settings.require("slack_app_token", "slack_bot_token")
    assert settings.slack_app_token is not None
    worker = process_worker(settings, runtime).start()
    bolt = build_app(settings, runtime.services, socket_mode=True, run_here=worker.submit)
    try:
        SocketModeHandler(bolt, settings.slack_app_token.get_secret_value()).start()
    finally:
        worker.stop(drain_seconds=15.0)
