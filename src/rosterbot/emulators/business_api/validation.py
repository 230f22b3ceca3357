"""Request body rules, as the seed documents state them. Each check returns clean values and errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rosterbot.emulators.business_api.state import ROLES

TITLE_MAX = 100
DESCRIPTION_MAX = 1000
POSITION_FIELDS = ("title", "description", "salon_ids")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- v2 positions ----------------------------------------------------------------------------------


@dataclass
class PositionBody:
    title: str = ""
    description: str = ""
    salon_ids: list[int] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def check_position(body: dict[str, Any], *, salon_ids_required: bool) -> PositionBody:
    """Create needs salon_ids (at least one); update may leave them out to keep the current ones."""
    out = PositionBody()
    errors = out.errors
    for name in body:
        if name not in POSITION_FIELDS:
            errors.setdefault(name, []).append(f"The {name} field is not allowed.")

    title = body.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        errors.setdefault("title", []).append("The title field is required.")
    elif not isinstance(title, str):
        errors.setdefault("title", []).append("The title must be a string.")
    elif len(title) > TITLE_MAX:
        errors.setdefault("title", []).append(f"The title may not be greater than {TITLE_MAX} characters.")
    else:
        out.title = title

    description = body.get("description")
    if description is not None:
        if not isinstance(description, str):
            errors.setdefault("description", []).append("The description must be a string.")
        elif len(description) > DESCRIPTION_MAX:
            errors.setdefault("description", []).append(
                f"The description may not be greater than {DESCRIPTION_MAX} characters."
            )
        else:
            out.description = description

    if "salon_ids" in body or salon_ids_required:
        salon_ids = body.get("salon_ids")
        if salon_ids is None:
            errors.setdefault("salon_ids", []).append("The salon_ids field is required.")
        elif not isinstance(salon_ids, list) or not all(_is_int(item) for item in salon_ids):
            errors.setdefault("salon_ids", []).append("The salon_ids must be an array of integers.")
        elif not salon_ids:
            errors.setdefault("salon_ids", []).append("The salon_ids must have at least 1 items.")
        else:
            out.salon_ids = list(salon_ids)
    return out


@dataclass
class PageQuery:
    limit: int = 100
    offset: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)


def check_page(limit_text: str | None, offset_text: str | None) -> PageQuery:
    out = PageQuery()
    if limit_text is not None:
        try:
            out.limit = int(limit_text)
        except ValueError:
            out.errors["limit"] = ["The limit must be an integer."]
        else:
            if not 1 <= out.limit <= 250:
                out.errors["limit"] = ["The limit must be between 1 and 250."]
    if offset_text is not None:
        try:
            out.offset = int(offset_text)
        except ValueError:
            out.errors["offset"] = ["The offset must be an integer."]
        else:
            if out.offset < 0:
                out.errors["offset"] = ["The offset must be at least 0."]
    return out


# -- v1 team ---------------------------------------------------------------------------------------


@dataclass
class MemberBody:
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check_member(body: dict[str, Any]) -> MemberBody:
    """The full body of a create or an update: role, first_name, last_name, is_active required."""
    out = MemberBody()
    role = body.get("role")
    if role is None:
        out.problems.append("role is required")
    elif role not in ROLES:
        out.problems.append("role must be one of owner, admin, staff")
    else:
        out.fields["role"] = role

    for name in ("first_name", "last_name"):
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            out.problems.append(f"{name} is required")
        elif not isinstance(value, str):
            out.problems.append(f"{name} must be a string")
        else:
            out.fields[name] = value.strip()

    is_active = body.get("is_active")
    if is_active is None:
        out.problems.append("is_active is required")
    elif not isinstance(is_active, bool):
        out.problems.append("is_active must be a boolean")
    else:
        out.fields["is_active"] = is_active

    email = body.get("email")
    if email is None or email == "":
        out.fields["email"] = None
    elif not isinstance(email, str) or not _EMAIL.match(email.strip()):
        out.problems.append("email is not a valid e-mail address")
    else:
        out.fields["email"] = email.strip()

    phone = body.get("phone_number")
    if phone is None or phone == "":
        out.fields["phone_number"] = None
    elif not isinstance(phone, str):
        out.problems.append("phone_number must be a string")
    else:
        out.fields["phone_number"] = phone.strip()
    return out


# -- v1 blocked times ------------------------------------------------------------------------------


def parse_rfc3339(value: Any) -> datetime | None:
    """An RFC 3339 date-time with an offset, or None."""
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_query_moment(value: str | None) -> datetime | None:
    """A query's start or end: RFC 3339, a naive date-time (UTC), or a date (midnight UTC).

    A '+' that a client forgot to encode arrives as a space; put it back.
    """
    if not value:
        return None
    text = value.strip().replace(" ", "+")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class BlockedTimeBody:
    name: str = ""
    from_date: datetime | None = None
    to_date: datetime | None = None
    all_day: bool = False
    employee_ids: list[int] | None = None
    blocked_type_id: int | None = None
    problems: list[str] = field(default_factory=list)


def check_blocked_time(body: dict[str, Any]) -> BlockedTimeBody:
    out = BlockedTimeBody()
    name = body.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        out.problems.append("name is required")
    elif not isinstance(name, str):
        out.problems.append("name must be a string")
    else:
        out.name = name.strip()

    for key in ("from_date", "to_date"):
        if body.get(key) is None:
            out.problems.append(f"{key} is required")
            continue
        moment = parse_rfc3339(body[key])
        if moment is None:
            out.problems.append(f"{key} must be an RFC 3339 date-time with an offset")
        setattr(out, key, moment)
    if out.from_date and out.to_date and out.to_date <= out.from_date:
        out.problems.append("to_date must be after from_date")

    all_day = body.get("all_day", False)
    if not isinstance(all_day, bool):
        out.problems.append("all_day must be a boolean")
    else:
        out.all_day = all_day

    employee_ids = body.get("employee_ids")
    if employee_ids is not None:
        if not isinstance(employee_ids, list) or not all(_is_int(item) for item in employee_ids):
            out.problems.append("employee_ids must be an array of integers")
        else:
            # The same employee twice is one block, not two.
            out.employee_ids = list(dict.fromkeys(employee_ids))

    blocked_type_id = body.get("blocked_type_id")
    if blocked_type_id is not None:
        if not _is_int(blocked_type_id):
            out.problems.append("blocked_type_id must be an integer")
        else:
            out.blocked_type_id = blocked_type_id
    return out
