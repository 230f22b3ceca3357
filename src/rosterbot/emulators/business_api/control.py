"""/_emulator: inspect and steer a running emulator from another process (no auth: a local tool)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from rosterbot.emulators.business_api.state import EmulatorState

control = Blueprint("business_api_control", __name__, url_prefix="/_emulator")

FAULT_FIELDS = ("latency", "fault_status", "fault_every", "fault_retry_after", "rate_limit_per_second")


def _state() -> EmulatorState:
    state: EmulatorState = current_app.extensions["business_api"]
    return state


def _faults_json(state: EmulatorState) -> dict[str, Any]:
    settings = state.faults
    answer: dict[str, Any] = {name: getattr(settings, name) for name in FAULT_FIELDS}
    answer["down"] = state.is_down
    return answer


def _bad(message: str) -> Response:
    response = jsonify({"error": {"message": message}})
    response.status_code = 400
    return response


@control.get("/requests")
def list_requests() -> Response:
    return jsonify({"requests": [r.as_json() for r in list(_state().requests)]})


@control.delete("/requests")
def clear_requests() -> Response:
    _state().clear_requests()
    return Response(status=204)


@control.get("/faults")
def get_faults() -> Response:
    return jsonify(_faults_json(_state()))


@control.post("/faults")
def set_faults() -> Response:
    """Replace the fault settings with the body's (a field left out is off); "down" sets the outage."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("the body must be a JSON object")
    unknown = sorted(set(body) - set(FAULT_FIELDS) - {"down"})
    if unknown:
        return _bad(f"unknown fields: {', '.join(unknown)}")
    down = body.get("down", False)
    if not isinstance(down, bool):
        return _bad("down must be a boolean")
    values = {name: body[name] for name in FAULT_FIELDS if name in body}
    for name, value in values.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return _bad(f"{name} must be a number")
    if "fault_status" in values and values["fault_status"] is not None:
        values["fault_status"] = int(values["fault_status"])
    if "fault_every" in values:
        if values["fault_every"] is None:
            return _bad("fault_every must be a number")
        values["fault_every"] = int(values["fault_every"])
    if values.get("latency", 0) is None:
        return _bad("latency must be a number")
    state = _state()
    try:
        state.set_faults(**values)
    except ValueError as exc:
        return _bad(str(exc))
    state.down(down)
    return jsonify(_faults_json(state))


@control.post("/reset")
def reset() -> Response:
    _state().reset()
    return Response(status=204)


@control.get("/state")
def snapshot() -> Response:
    """Everything held, in the wire shapes (the console and out-of-process tests read it)."""
    state = _state()
    return jsonify(
        {
            "members": [m.as_json() for m in state.members()],
            "positions": [p.as_resource() for p in state.positions()],
            "blocked_times": [b.as_json() for b in state.blocked_times()],
        }
    )
