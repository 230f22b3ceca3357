"""`create_app`: the business API emulator as one Flask app (v1 and v2 on one host, plus /_emulator)."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from rosterbot.emulators.business_api.config import EmulatorConfig
from rosterbot.emulators.business_api.control import control
from rosterbot.emulators.business_api.records import RecordedRequest
from rosterbot.emulators.business_api.responses import error_for_path, fault_response
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.business_api.v1 import v1
from rosterbot.emulators.business_api.v2 import v2

CONTROL_PREFIX = "/_emulator"
log = logging.getLogger(__name__)


def create_app(config: EmulatorConfig | None = None) -> Flask:
    """A new emulator with its own state (`app.extensions["business_api"]`)."""
    config = config or EmulatorConfig()
    state = EmulatorState(config)
    app = Flask("rosterbot.emulators.business_api")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["business_api"] = state

    @app.before_request
    def _faults() -> Response | None:
        if request.path.startswith(CONTROL_PREFIX):
            return None
        g.recorded = True
        latency, answer = state.gate.admit()
        if latency:
            time.sleep(latency)
        if answer is not None:
            return fault_response(request.path, answer)
        return None

    @app.after_request
    def _record(response: Response) -> Response:
        if g.get("recorded"):
            state.record(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query=request.query_string.decode("latin-1"),
                    json=request.get_json(silent=True),
                    status=response.status_code,
                )
            )
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        response = error_for_path(request.path, status, error.name)
        if status == 405 and error.response is None:
            allowed = error.get_headers()
            for name, value in allowed:
                if name.lower() == "allow":
                    response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        log.exception("business API emulator failed on %s %s", request.method, request.path)
        return error_for_path(request.path, 500, "Internal server error")

    app.register_blueprint(v2)
    app.register_blueprint(v1)
    app.register_blueprint(control)
    return app


def emulator_state(app: Flask) -> EmulatorState:
    """The state behind an app made by `create_app`."""
    state: EmulatorState = app.extensions["business_api"]
    return state
