"""`BusinessApi`: the one client of the business API. Nothing outside `api/` speaks HTTP to it.

INTERFACE CONTRACT (implementation in progress): signatures here are what services rely on.
"""

from __future__ import annotations

from datetime import datetime

import httpx
from pydantic import SecretStr

from rosterbot.api.models import (
    BlockedTime,
    BlockedTimeInput,
    CalendarMember,
    MemberInput,
    Position,
    PositionInput,
    TeamMember,
)


class BusinessApi:
    def __init__(
        self,
        base_url: str,
        *,
        company_id: int,
        partner_token: SecretStr,
        user_token: SecretStr,
        session_cookie: SecretStr,
        session_cookie_name: str = "session_token",
        timeout: float = 10.0,
        rate_limit: float = 5.0,
        max_retries: int = 4,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        raise NotImplementedError

    # v1 team
    def list_team(self) -> list[TeamMember]:
        raise NotImplementedError

    def get_member(self, member_id: int) -> TeamMember:
        raise NotImplementedError

    def create_member(self, member: MemberInput) -> TeamMember:
        """Create; when the API answers 201 with no body, find the new member in the list."""
        raise NotImplementedError

    def update_member(self, member_id: int, member: MemberInput) -> None:
        raise NotImplementedError

    def delete_member(self, member_id: int) -> None:
        raise NotImplementedError

    def calendar_team(self) -> list[CalendarMember]:
        raise NotImplementedError

    # v1 blocked times
    def create_blocked_time(self, block: BlockedTimeInput) -> BlockedTime:
        """Create (always with employee_ids); with no body, find it through the calendar events."""
        raise NotImplementedError

    def update_blocked_time(self, block_id: int, block: BlockedTimeInput) -> None:
        raise NotImplementedError

    def delete_blocked_time(self, block_id: int) -> None:
        raise NotImplementedError

    def list_blocked_times(self, start: datetime, end: datetime) -> list[BlockedTime]:
        """Blocks overlapping [start, end), through GET bookings/calendar/events."""
        raise NotImplementedError

    # v2 positions
    def list_positions(self) -> list[Position]:
        raise NotImplementedError

    def get_position(self, position_id: int) -> Position:
        raise NotImplementedError

    def create_position(self, position: PositionInput) -> Position:
        raise NotImplementedError

    def update_position(self, position_id: int, position: PositionInput) -> None:
        raise NotImplementedError

    def delete_position(self, position_id: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
