"""Answer shapes: v2's JSON:API error body, v1's `{"error": {"message"}}`, and v1's two body styles."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from rosterbot.emulators.business_api.config import EmulatorConfig
from rosterbot.emulators.business_api.faults import FaultAnswer

V2_PREFIX = "/api/v2/"


def config() -> EmulatorConfig:
    state = current_app.extensions["business_api"]
    cfg: EmulatorConfig = state.config
    return cfg


def empty(status: int) -> Response:
    # The live v1 service answers writes with no body at all; a client must not try to parse it.
    return Response(b"", status=status, mimetype="application/json")


def v2_error(status: int, message: str, errors: dict[str, list[str]] | None = None) -> Response:
    meta: dict[str, Any] = {"message": message}
    if errors:
        meta["errors"] = errors
    response = jsonify({"success": False, "data": None, "meta": meta})
    response.status_code = status
    return response


def v1_error(status: int, message: str) -> Response:
    response = jsonify({"error": {"message": message}})
    response.status_code = status
    return response


def error_for_path(path: str, status: int, message: str) -> Response:
    """An error in the shape of the API generation that `path` belongs to."""
    if path.startswith(V2_PREFIX):
        return v2_error(status, message)
    return v1_error(status, message)


def fault_response(path: str, answer: FaultAnswer) -> Response:
    response = error_for_path(path, answer.status, answer.message)
    if answer.retry_after is not None:
        response.headers["Retry-After"] = answer.retry_after
    return response


def v1_ok(payload: Any, status: int = 200) -> Response:
    """A read: bare in the seed style; `{"data": ...}` in the live style (an empty list as null)."""
    if config().v1_style == "live":
        payload = {"data": None if payload == [] else payload}
    response = jsonify(payload)
    response.status_code = status
    return response


def v1_created(payload: Any) -> Response:
    if config().v1_style == "live":
        return empty(201)
    response = jsonify(payload)
    response.status_code = 201
    return response


def v1_done(payload: Any | None = None) -> Response:
    """An update or delete: 200 with the object (seed, when there is one), else an empty body."""
    if config().v1_style == "live" or payload is None:
        return empty(200)
    return jsonify(payload)
