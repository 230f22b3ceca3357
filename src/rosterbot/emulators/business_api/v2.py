"""v2 positions (JSON:API), under /api/v2/companies/{id}/positions and the /locations/ alias."""

from __future__ import annotations

import hmac
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from rosterbot.emulators.business_api.responses import config, v2_error
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.business_api.validation import check_page, check_position

MEDIA_TYPE = "application/vnd.api.v2+json"
INVALID = "The given data was invalid."
_AUTH = re.compile(r"^\s*Bearer\s+([^,\s]+)\s*,\s*User\s+(\S+)\s*$", re.IGNORECASE)

v2 = Blueprint("business_api_v2", __name__, url_prefix="/api/v2/<any(companies, locations):scope>")


def _state() -> EmulatorState:
    state: EmulatorState = current_app.extensions["business_api"]
    return state


def _accepts_v2(header: str) -> bool:
    # "application/vnd.api.v2+json; charset=utf-8" counts; */* does not (the live service says 400).
    return any(part.split(";")[0].strip().lower() == MEDIA_TYPE for part in header.split(","))


@v2.before_request
def _guard() -> Response | None:
    if not _accepts_v2(request.headers.get("Accept", "")):
        return v2_error(400, f"The Accept header must be {MEDIA_TYPE}")
    header = request.headers.get("Authorization")
    if not header:
        return v2_error(401, "Authorization is required: Bearer <partner_token>, User <user_token>")
    match = _AUTH.match(header)
    cfg = config()
    if (
        match is None
        or not hmac.compare_digest(match.group(1).encode(), cfg.partner_token.encode())
        or not hmac.compare_digest(match.group(2).encode(), cfg.user_token.encode())
    ):
        return v2_error(401, "Invalid partner or user token")
    args = request.view_args or {}
    if str(args.get("company_id")) != str(cfg.company_id):
        return v2_error(404, "Location not found")
    return None


def _meta_one() -> Any:
    return [] if config().v2_style == "live" else {}


def _body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _position_id(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) >= 1 else None


@v2.get("/<company_id>/positions")
def list_positions(scope: str, company_id: str) -> Response:
    positions = _state().positions()
    if config().v2_style == "live":
        return jsonify({"data": [p.as_resource() for p in positions]})
    page = check_page(request.args.get("limit"), request.args.get("offset"))
    if page.errors:
        return v2_error(422, INVALID, page.errors)
    window = positions[page.offset : page.offset + page.limit]
    return jsonify(
        {
            "data": [p.as_resource() for p in window],
            "meta": {
                "pagination": {
                    "page": page.offset // page.limit + 1,
                    "offset": page.offset,
                    "limit": page.limit,
                }
            },
        }
    )


@v2.post("/<company_id>/positions")
def create_position(scope: str, company_id: str) -> Response:
    body = _body()
    if body is None:
        return v2_error(400, "Malformed request: the body must be a JSON object")
    checked = check_position(body, salon_ids_required=True)
    if checked.errors:
        return v2_error(422, INVALID, checked.errors)
    position = _state().add_position(checked.title, checked.description, checked.salon_ids)
    response = jsonify({"data": position.as_resource(), "meta": _meta_one()})
    response.status_code = 201
    return response


@v2.get("/<company_id>/positions/<position_id>")
def get_position(scope: str, company_id: str, position_id: str) -> Response:
    number = _position_id(position_id)
    position = _state().position(number) if number else None
    if position is None:
        return v2_error(404, "Position not found")
    return jsonify({"data": position.as_resource(), "meta": _meta_one()})


@v2.put("/<company_id>/positions/<position_id>")
def update_position(scope: str, company_id: str, position_id: str) -> Response:
    number = _position_id(position_id)
    if number is None or _state().position(number) is None:
        return v2_error(404, "Position not found")
    body = _body()
    if body is None:
        return v2_error(400, "Malformed request: the body must be a JSON object")
    checked = check_position(body, salon_ids_required=False)
    if checked.errors:
        return v2_error(422, INVALID, checked.errors)
    if _state().replace_position(number, checked.title, checked.description, checked.salon_ids) is None:
        return v2_error(404, "Position not found")
    return Response(status=204)


@v2.delete("/<company_id>/positions/<position_id>")
def delete_position(scope: str, company_id: str, position_id: str) -> Response:
    number = _position_id(position_id)
    if number is None or not _state().delete_position(number):
        return v2_error(404, "Position not found")
    return Response(status=204)
