"""What the emulator holds, as plain values, and how each looks on the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def to_utc_naive(moment: datetime) -> datetime:
    """An aware datetime as naive UTC (how the tables keep it); a naive one is taken as UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def rfc3339(moment: datetime) -> str:
    """Naive UTC -> "2026-04-01T09:00:00Z" (fractions kept only when there are some)."""
    spec = "seconds" if moment.microsecond == 0 else "microseconds"
    return to_utc_naive(moment).isoformat(timespec=spec) + "Z"


@dataclass(frozen=True)
class Member:
    id: int
    role: str
    first_name: str
    last_name: str
    email: str | None
    phone_number: str | None
    is_active: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone_number": self.phone_number,
            "is_active": self.is_active,
        }

    def as_calendar_json(self) -> dict[str, Any]:
        return {"id": self.id, "first_name": self.first_name, "last_name": self.last_name}


@dataclass(frozen=True)
class PositionRecord:
    id: int
    company_id: int
    chain_id: int
    title: str
    description: str
    salon_ids: list[int] = field(default_factory=list)
    services_binding_type: int = 0
    rules_required_fields: list[str] = field(default_factory=list)
    only_chain_appointment: bool = False

    def as_resource(self) -> dict[str, Any]:
        """The JSON:API resource object; ids are strings on the wire."""
        return {
            "type": "position",
            "id": str(self.id),
            "attributes": {
                "chain_id": self.chain_id,
                "title": self.title,
                "description": self.description,
                "services_binding_type": self.services_binding_type,
                "rules_required_fields": list(self.rules_required_fields),
                "only_chain_appointment": self.only_chain_appointment,
                "salon_ids": list(self.salon_ids),
            },
        }


@dataclass(frozen=True)
class BlockedTimeRecord:
    id: int
    employee_id: int | None
    name: str
    from_date: datetime  # naive UTC
    to_date: datetime  # naive UTC
    all_day: bool
    blocked_type_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "employee_id": self.employee_id,
            "name": self.name,
            "from_date": rfc3339(self.from_date),
            "to_date": rfc3339(self.to_date),
            "all_day": self.all_day,
        }


@dataclass(frozen=True)
class RecordedRequest:
    """One API request the emulator answered (never its headers: they carry the credentials)."""

    method: str
    path: str
    query: str
    json: Any
    status: int

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "json": self.json,
            "status": self.status,
        }
