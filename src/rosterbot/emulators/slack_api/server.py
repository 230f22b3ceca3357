"""The stand-in over HTTP: `POST|GET /api/<method>` as the Slack Web API answers it, and
`POST /response/<id>` for response_urls. Serve it with `start_slack_standin()`."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from flask import Flask, Response, request

from rosterbot.emulators.serving import RunningServer, serve_in_thread
from rosterbot.emulators.slack_api.methods import METHODS
from rosterbot.emulators.slack_api.state import SlackCall, SlackMethodError, SlackState

log = logging.getLogger(__name__)

# Slack accepts these as JSON-encoded strings in a form body.
_JSON_FIELDS = ("blocks", "view", "attachments", "metadata")


def create_slack_standin_app(state: SlackState | None = None) -> Flask:
    """A Flask app answering as the Slack Web API; its state is `app.extensions["slack_api"]`."""
    state = state or SlackState()
    app = Flask("rosterbot.emulators.slack_api")
    app.extensions["slack_api"] = state

    @app.route("/api/<method>", methods=["GET", "POST"])
    def api(method: str) -> Response:
        args = _arguments()
        # Answered and recorded as one step: a test that sees the call's effect sees the call too.
        with state.lock:
            status, body, headers = _answer(state, method, args, _bearer_token())
            state.record(SlackCall(method=method, args=args, response=body, status=status))
        return _json(body, status, headers)

    @app.post("/response/<url_id>")
    def response_url(url_id: str) -> Response:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            payload = _decode(dict(request.form))
            if isinstance(payload.get("payload"), str):
                payload = json.loads(payload["payload"])
        try:
            state.post_response(url_id, payload)
        except SlackMethodError as exc:
            return _json({"ok": False, "error": exc.code}, 404, {})
        return _json({"ok": True}, 200, {})

    @app.post("/upload/<file_id>")
    def upload(file_id: str) -> Response:
        """An upload URL files.getUploadURLExternal gave out: the file's bytes, as the body."""
        try:
            state.receive_upload(file_id, request.get_data())
        except SlackMethodError as exc:
            return Response(exc.code, status=404 if exc.code == "file_not_found" else 400)
        return Response(f"OK - {len(request.get_data())}", status=200, mimetype="text/plain")

    return app


def start_slack_standin(
    host: str = "127.0.0.1", port: int = 0, *, state: SlackState | None = None
) -> tuple[RunningServer, SlackState]:
    """Serve the stand-in on `host:port` (0: any free port) in a thread. Point the app's
    `SLACK_API_URL` at `server.url + "/api/"`; response_urls it issues point at `server.url`."""
    state = state or SlackState()
    server = serve_in_thread(create_slack_standin_app(state), host=host, port=port)
    state.base_url = server.url
    return server, state


def _answer(
    state: SlackState, method: str, args: dict[str, Any], token: str | None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    if not token:
        return 200, {"ok": False, "error": "not_authed"}, {}
    if state.accepted_tokens is not None and token not in state.accepted_tokens:
        return 200, {"ok": False, "error": "invalid_auth"}, {}
    handler = METHODS.get(method)
    if handler is None:
        return 200, {"ok": False, "error": "unknown_method"}, {}
    fault = state.take_fault(method)
    if fault is not None and fault.status == 429:
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
    if fault is not None:
        return 200, {"ok": False, "error": fault.error}, {}
    try:
        return 200, {"ok": True, **handler(state, args)}, {}
    except SlackMethodError as exc:
        body: dict[str, Any] = {"ok": False, "error": exc.code}
        if exc.messages:
            body["response_metadata"] = {"messages": exc.messages}
        return 200, body, {}


def _arguments() -> dict[str, Any]:
    args: dict[str, Any] = dict(request.args)
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        args.update(body)
    else:
        args.update(request.form)
    return _decode(args)


def _decode(args: dict[str, Any]) -> dict[str, Any]:
    for name in _JSON_FIELDS:
        value = args.get(name)
        if isinstance(value, str) and value:
            # Not JSON: left as a string, which the method's own check refuses as Slack would.
            with contextlib.suppress(ValueError):
                args[name] = json.loads(value)
    return args


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _json(body: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")
