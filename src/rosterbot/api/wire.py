"""What goes over the wire: reading bodies (bare or wrapped), JSON:API positions, errors, times.

The live services differ from the seed documents (API-NOTES.md): v1 may wrap bodies in
`{"data": ...}`, send `"data": null` for an empty list and answer 201/200 with no body at all; v2
speaks JSON:API with string ids. Everything here is pure: it turns responses into values or into
the typed exceptions of `api/errors.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from rosterbot.api.errors import (
    ApiError,
    InvalidInput,
    NotAuthorized,
    NotFound,
    RateLimited,
    Unavailable,
)
from rosterbot.api.models import BlockedTime, Position

ModelT = TypeVar("ModelT", bound=BaseModel)

# "Too many requests. Retry in 3 seconds" (v2 puts the wait in meta.message, not in Retry-After).
_WAIT_IN_TEXT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b", re.IGNORECASE)


def is_json_type(content_type: str) -> bool:
    """application/json, application/vnd.api.v2+json, with or without a charset."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def read_body(response: httpx.Response) -> Any:
    """The JSON of a successful response; None for 204 or an empty body.

    A body that is not JSON (an HTML page from a proxy, a truncated document) means the call did
    not reach the API we know, so it is `Unavailable`.
    """
    if response.status_code == 204 or not response.content.strip():
        return None
    content_type = response.headers.get("content-type", "")
    if content_type and not is_json_type(content_type):
        media = content_type.split(";", 1)[0].strip()
        raise Unavailable(f"the business API answered with {media}, not JSON", status=response.status_code)
    try:
        return json.loads(response.content)
    except ValueError:
        raise Unavailable(
            "the business API answered with malformed JSON", status=response.status_code
        ) from None


def unwrap(payload: Any) -> Any:
    """`{"data": x, ...}` -> x (None stays None); a bare body is returned as it is."""
    if isinstance(payload, dict) and "data" in payload:
        return payload["data"]
    return payload


def as_list(data: Any, what: str) -> list[Any]:
    """A collection; None (`"data": null` or no body) is the empty list."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise Unavailable(f"the business API sent {what} in an unexpected shape")
    return data


def parse(model: type[ModelT], obj: Any, what: str) -> ModelT:
    try:
        return model.model_validate(obj)
    except ValidationError:
        raise Unavailable(f"the business API sent {what} in an unexpected shape") from None


def position_from_wire(obj: Any) -> Position:
    """A JSON:API resource `{"type": "position", "id": "42", "attributes": {...}}` (or a flat object)."""
    if isinstance(obj, dict) and isinstance(obj.get("attributes"), dict):
        obj = {**obj["attributes"], "id": obj.get("id")}
    return parse(Position, obj, "a position")


def blocked_time_from_wire(obj: Any) -> BlockedTime:
    block = parse(BlockedTime, obj, "a blocked time")
    # A time without an offset is read as UTC, so that blocks compare with the aware times we send.
    return block.model_copy(update={"from_date": aware(block.from_date), "to_date": aware(block.to_date)})


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    """An RFC 3339 timestamp; a naive datetime is taken as UTC."""
    text = aware(moment).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _error_parts(payload: Any) -> tuple[str, dict[str, list[str]]]:
    """(message, field errors) from v2 `{"meta": {"message", "errors"}}` or v1 `{"error": {"message"}}`."""
    if not isinstance(payload, dict):
        return "", {}
    message: Any = ""
    errors: Any = None
    meta = payload.get("meta")
    error = payload.get("error")
    if isinstance(meta, dict) and ("message" in meta or "errors" in meta):
        message, errors = meta.get("message", ""), meta.get("errors")
    elif isinstance(error, dict):
        message, errors = error.get("message", ""), error.get("errors") or error.get("fields")
    elif isinstance(error, str):
        message = error
    elif isinstance(payload.get("message"), str):
        message, errors = payload["message"], payload.get("errors")
    fields: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for field, msgs in errors.items():
            items = msgs if isinstance(msgs, list) else [msgs]
            fields[str(field)] = [str(m) for m in items]
    return (message if isinstance(message, str) else str(message)), fields


def _error_payload(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content) if response.content.strip() else None
    except ValueError:
        return None


def retry_after(response: httpx.Response, message: str) -> float | None:
    """Seconds to wait after a 429: the Retry-After header (seconds or a date), else the message text."""
    header = response.headers.get("retry-after", "").strip()
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            try:
                when = parsedate_to_datetime(header)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                return max(0.0, (aware(when) - datetime.now(UTC)).total_seconds())
    match = _WAIT_IN_TEXT.search(message)
    return float(match.group(1)) if match else None


def error_for(response: httpx.Response, scrub: Callable[[str], str]) -> ApiError:
    """The typed exception for a non-2xx response, with the API's message and field errors.

    `scrub` removes our credentials from anything the API echoed back.
    """
    status = response.status_code
    message, fields = _error_parts(_error_payload(response))
    message = scrub(message)
    fields = {scrub(field): [scrub(m) for m in msgs] for field, msgs in fields.items()}
    if status in (401, 403):
        return NotAuthorized(message, status=status)
    if status == 404:
        return NotFound(message, status=status)
    if status == 429:
        return RateLimited(message, status=status, retry_after=retry_after(response, message))
    if status >= 500:
        return Unavailable(message or f"the business API answered HTTP {status}", status=status)
    if status in (400, 409, 422):
        return InvalidInput(message, status=status, field_errors=fields)
    return ApiError(message or f"the business API answered HTTP {status}", status=status, field_errors=fields)
