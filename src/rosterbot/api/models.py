"""What the business API holds, as rosterbot reads and writes it.

Ids are ints in rosterbot; v2 sends them as strings on the wire and the client converts.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from rosterbot.domain.roles import Role


class TeamMember(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    role: Role
    first_name: str
    last_name: str
    email: str | None = None
    phone_number: str | None = None
    is_active: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class MemberInput(BaseModel):
    """The full body of a v1 team create or update (PUT replaces the whole member)."""

    role: Role
    first_name: str
    last_name: str
    email: str | None = None
    phone_number: str | None = None
    is_active: bool = True


class CalendarMember(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Position(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    title: str
    description: str | None = None
    chain_id: int | None = None
    salon_ids: list[int] = Field(default_factory=list)
    services_binding_type: int | None = None
    only_chain_appointment: bool | None = None


class PositionInput(BaseModel):
    title: str
    description: str | None = None
    salon_ids: list[int] = Field(default_factory=list)


class BlockedTime(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    employee_id: int | None = None
    name: str
    from_date: datetime
    to_date: datetime
    all_day: bool = False


class BlockedTimeInput(BaseModel):
    name: str
    from_date: datetime
    to_date: datetime
    all_day: bool = False
    employee_ids: list[int]
    blocked_type_id: int | None = None
