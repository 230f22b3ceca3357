"""Roles in the business and the actor behind a request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"


@dataclass(frozen=True)
class Actor:
    """Who is asking: a Slack user and, once linked to an active team member, that member's role.

    `member_id` and `role` are None for a Slack user not linked to an active member.
    """

    slack_team_id: str
    slack_user_id: str
    member_id: int | None = None
    role: Role | None = None
    name: str = ""

    @property
    def is_linked(self) -> bool:
        return self.member_id is not None and self.role is not None
