"""v1 team, calendar and blocked times, under /api/v1/ (session cookie auth)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request

from rosterbot.emulators.business_api.records import BlockedTimeRecord, Member
from rosterbot.emulators.business_api.responses import config, v1_created, v1_done, v1_error, v1_ok
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.business_api.validation import (
    BlockedTimeBody,
    MemberBody,
    check_blocked_time,
    check_member,
    parse_query_moment,
)

v1 = Blueprint("business_api_v1", __name__, url_prefix="/api/v1")

MEMBER_NOT_FOUND = "Team member not found"
BLOCK_NOT_FOUND = "Blocked time not found"
BAD_BODY = "The request body must be a JSON object"

_Body = TypeVar("_Body", MemberBody, BlockedTimeBody)


def _state() -> EmulatorState:
    state: EmulatorState = current_app.extensions["business_api"]
    return state


@v1.before_request
def _guard() -> Response | None:
    cfg = config()
    cookie = request.cookies.get(cfg.session_cookie_name)
    if not cookie or not hmac.compare_digest(cookie.encode(), cfg.session_cookie.encode()):
        return v1_error(401, "Unauthorized")
    return None


def _body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _checked(check: Callable[[dict[str, Any]], _Body]) -> _Body | Response:
    """The JSON object body as `check` reads it, or the 400 that says what is wrong with it."""
    body = _body()
    if body is None:
        return v1_error(400, BAD_BODY)
    checked = check(body)
    if checked.problems:
        return v1_error(400, "; ".join(checked.problems))
    return checked


def _saved(record: Member | BlockedTimeRecord | None, not_found: str) -> Response:
    """The answer to an update: the record as saved, or 404 when it went meanwhile."""
    return v1_error(404, not_found) if record is None else v1_done(record.as_json())


def _deleted(found: bool, not_found: str) -> Response:
    return v1_done() if found else v1_error(404, not_found)


# -- team ------------------------------------------------------------------------------------------


@v1.get("/merchant/team")
def list_team() -> Response:
    return v1_ok([m.as_json() for m in _state().members()])


@v1.post("/merchant/team")
def create_member() -> Response:
    checked = _checked(check_member)
    if isinstance(checked, Response):
        return checked
    member = _state().add_member(**checked.fields)
    return v1_created(member.as_json())


@v1.get("/merchant/team/<int:member_id>")
def get_member(member_id: int) -> Response:
    member = _state().member(member_id)
    if member is None:
        return v1_error(404, MEMBER_NOT_FOUND)
    return v1_ok(member.as_json())


@v1.put("/merchant/team/<int:member_id>")
def update_member(member_id: int) -> Response:
    if _state().member(member_id) is None:
        return v1_error(404, MEMBER_NOT_FOUND)
    checked = _checked(check_member)
    if isinstance(checked, Response):
        return checked
    return _saved(_state().replace_member(member_id, checked.fields), MEMBER_NOT_FOUND)


@v1.delete("/merchant/team/<int:member_id>")
def delete_member(member_id: int) -> Response:
    return _deleted(_state().delete_member(member_id), MEMBER_NOT_FOUND)


@v1.get("/merchant/calendar/team")
def calendar_team() -> Response:
    return v1_ok([m.as_calendar_json() for m in _state().members() if m.is_active])


# -- blocked times ---------------------------------------------------------------------------------


def _unknown_employees(employee_ids: list[int]) -> list[int]:
    known = {m.id for m in _state().members()}
    return [i for i in employee_ids if i not in known]


@v1.post("/merchant/blocked-times")
def create_blocked_time() -> Response:
    checked = _checked(check_blocked_time)
    if isinstance(checked, Response):
        return checked
    if checked.from_date is None or checked.to_date is None:  # check_blocked_time reported it
        return v1_error(400, "from_date and to_date are required")
    if checked.employee_ids:
        unknown = _unknown_employees(checked.employee_ids)
        if unknown:
            return v1_error(400, f"employee {unknown[0]} not found")
        employees: list[int | None] = list(checked.employee_ids)
    else:
        # No employee_ids: the block is the calling account's, and that account is the owner's.
        account = _state().account_member()
        employees = [account.id if account else None]
    rows = _state().add_blocked_times(
        checked.name,
        checked.from_date,
        checked.to_date,
        checked.all_day,
        employees,
        checked.blocked_type_id,
    )
    # One employee: the block; several: one block per employee, as the events endpoint lists them.
    payload: Any = rows[0].as_json() if len(rows) == 1 else [r.as_json() for r in rows]
    return v1_created(payload)


@v1.put("/merchant/blocked-times/<int:block_id>")
def update_blocked_time(block_id: int) -> Response:
    if _state().blocked_time(block_id) is None:
        return v1_error(404, BLOCK_NOT_FOUND)
    body = _body()
    if body is None:
        return v1_error(400, BAD_BODY)
    body_id = body.get("id")
    if isinstance(body_id, bool) or body_id != block_id:
        return v1_error(400, "id in the body must equal the id in the path")
    checked = check_blocked_time(body)
    if checked.problems:
        return v1_error(400, "; ".join(checked.problems))
    fields: dict[str, Any] = {
        "name": checked.name,
        "from_date": checked.from_date,
        "to_date": checked.to_date,
        "all_day": checked.all_day,
        "blocked_type_id": checked.blocked_type_id,
    }
    if checked.employee_ids:
        if len(checked.employee_ids) > 1:
            return v1_error(400, "a blocked time belongs to one employee: give at most one employee id")
        unknown = _unknown_employees(checked.employee_ids)
        if unknown:
            return v1_error(400, f"employee {unknown[0]} not found")
        fields["employee_id"] = checked.employee_ids[0]
    return _saved(_state().replace_blocked_time(block_id, fields), BLOCK_NOT_FOUND)


@v1.delete("/merchant/blocked-times/<int:block_id>")
def delete_blocked_time(block_id: int) -> Response:
    return _deleted(_state().delete_blocked_time(block_id), BLOCK_NOT_FOUND)


@v1.get("/bookings/calendar/events")
def calendar_events() -> Response:
    start = parse_query_moment(request.args.get("start"))
    end = parse_query_moment(request.args.get("end"))
    if start is None or end is None:
        return v1_error(400, "start and end are required RFC 3339 date-times")
    if end <= start:
        return v1_error(400, "end must be after start")
    blocks = _state().blocked_times_overlapping(start, end)
    # Only the live implementation has this endpoint, so both styles answer in its shape.
    return jsonify({"data": {"bookings": [], "blocked_times": [b.as_json() for b in blocks]}})
