"""`BusinessApi`: the one client of the business API. Nothing outside `api/` speaks HTTP to it.

`base_url` is the API's host root (like `https://api.alteg.io`): v1 lives under `/api/v1/...`, v2
under `/api/v2/...`. One instance holds one pooled connection set, shared by every thread of the
process; build one per process (`from_settings`). Its rate limiter is given (the deployment's
shared one, `runtime.py`), or else its own of `rate_limit` a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from rosterbot.api import wire
from rosterbot.api.errors import NotFound, Unavailable
from rosterbot.api.models import (
    BlockedTime,
    BlockedTimeInput,
    CalendarMember,
    MemberInput,
    Position,
    PositionInput,
    TeamMember,
)
from rosterbot.api.transport import Limiter, RateLimiter, RetryPolicy, Transport
from rosterbot.config import Settings

V1 = "/api/v1/merchant"
CALENDAR_EVENTS = "/api/v1/bookings/calendar/events"
V2_ACCEPT = "application/vnd.api.v2+json"
V1_ACCEPT = "application/json"
PAGE_LIMIT = 100
# A server that ignores `offset` would page forever; no real company has this many positions.
MAX_PAGES = 1000


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
        limiter: Limiter | None = None,
        max_retries: int = 4,
        transport: httpx.BaseTransport | None = None,
        backoff_base: float = 0.5,
        max_wait: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.company_id = company_id
        partner, user, cookie = (
            partner_token.get_secret_value(),
            user_token.get_secret_value(),
            session_cookie.get_secret_value(),
        )
        # The Cookie header is set outright (not through httpx's jar) so that a Set-Cookie from the
        # server can never replace the configured session.
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={
                "Authorization": f"Bearer {partner}, User {user}",
                "Cookie": f"{session_cookie_name}={cookie}",
            },
            follow_redirects=False,
        )
        self._transport = Transport(
            self._client,
            limiter=limiter if limiter is not None else RateLimiter(rate_limit, sleep=sleep),
            policy=RetryPolicy(max_retries=max_retries, backoff_base=backoff_base, max_wait=max_wait),
            secrets=(partner, user, cookie),
            sleep=sleep,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, base_url: str | None = None, *, limiter: Limiter | None = None
    ) -> BusinessApi:
        """The client for `settings`; `base_url` (e.g. the embedded emulator's) overrides `api_url`.
        Without `limiter`, the client keeps to `api_rate_limit` on its own."""
        url = base_url or settings.api_url
        if not url:
            raise ValueError("no business API URL: set ROSTERBOT_API_URL or pass the emulator's URL")
        return cls(
            url,
            company_id=settings.company_id,
            partner_token=settings.partner_token,
            user_token=settings.user_token,
            session_cookie=settings.session_cookie,
            session_cookie_name=settings.session_cookie_name,
            timeout=settings.api_timeout,
            rate_limit=settings.api_rate_limit,
            limiter=limiter,
            max_retries=settings.api_max_retries,
            backoff_base=settings.api_backoff_base,
            max_wait=settings.api_max_wait,
        )

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far (every try counts), across all threads."""
        return self._transport.request_count

    # plumbing

    def _v1(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        response = self._transport.send(method, path, json=json, params=params, headers={"Accept": V1_ACCEPT})
        return wire.unwrap(wire.read_body(response))

    def _v2(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """The whole v2 document (data and meta), or None for an empty body."""
        response = self._transport.send(method, path, json=json, params=params, headers={"Accept": V2_ACCEPT})
        return wire.read_body(response)

    def _positions_path(self, position_id: int | None = None) -> str:
        base = f"/api/v2/companies/{self.company_id}/positions"
        return base if position_id is None else f"{base}/{position_id}"

    # v1 team

    def list_team(self) -> list[TeamMember]:
        data = self._v1("GET", f"{V1}/team")
        return [wire.parse(TeamMember, item, "a team member") for item in wire.as_list(data, "the team")]

    def get_member(self, member_id: int) -> TeamMember:
        data = self._v1("GET", f"{V1}/team/{member_id}")
        if data is None:
            raise NotFound(f"team member {member_id} was not found", status=200)
        return wire.parse(TeamMember, data, "a team member")

    def create_member(self, member: MemberInput) -> TeamMember:
        """Create; when the API answers 201 with no body, find the new member in the list."""
        data = self._v1("POST", f"{V1}/team", json=_member_body(member))
        if isinstance(data, dict) and {"id", "role", "first_name", "last_name"} <= data.keys():
            return wire.parse(TeamMember, data, "a team member")
        if isinstance(data, dict) and "id" in data:
            return self.get_member(int(data["id"]))
        return self._find_created_member(member)

    def _find_created_member(self, member: MemberInput) -> TeamMember:
        team = self.list_team()
        if member.email:
            wanted = member.email.casefold()
            matches = [m for m in team if (m.email or "").casefold() == wanted]
        else:
            first, last = member.first_name.casefold(), member.last_name.casefold()
            matches = [m for m in team if m.first_name.casefold() == first and m.last_name.casefold() == last]
        if not matches:
            raise Unavailable("the business API accepted the new member but does not list it")
        return max(matches, key=lambda m: m.id)

    def update_member(self, member_id: int, member: MemberInput) -> None:
        self._v1("PUT", f"{V1}/team/{member_id}", json=_member_body(member))

    def delete_member(self, member_id: int) -> None:
        self._v1("DELETE", f"{V1}/team/{member_id}")

    def calendar_team(self) -> list[CalendarMember]:
        data = self._v1("GET", f"{V1}/calendar/team")
        return [
            wire.parse(CalendarMember, item, "a calendar member") for item in wire.as_list(data, "the team")
        ]

    # v1 blocked times

    def create_blocked_time(self, block: BlockedTimeInput) -> BlockedTime:
        """Create (always with employee_ids); with no body, find it through the calendar events.

        With several employee_ids the API makes one block each; the first employee's is returned.
        """
        if not block.employee_ids:
            # Without employee_ids the live API blocks the calling account's own time.
            raise ValueError("a blocked time needs employee_ids")
        data = self._v1("POST", f"{V1}/blocked-times", json=_block_body(block))
        if isinstance(data, list):
            first = [b for b in data if isinstance(b, dict) and b.get("employee_id") == block.employee_ids[0]]
            data = first[0] if first else None
        if isinstance(data, dict) and {"id", "name", "from_date", "to_date"} <= data.keys():
            created = wire.blocked_time_from_wire(data)
            if created.employee_id is None:
                created = created.model_copy(update={"employee_id": block.employee_ids[0]})
            return created
        return self._find_created_block(block)

    def _find_created_block(self, block: BlockedTimeInput) -> BlockedTime:
        start, end = wire.aware(block.from_date), wire.aware(block.to_date)
        wanted = block.employee_ids[0]
        candidates = [
            b
            for b in self.list_blocked_times(start, end)
            if b.name == block.name and b.employee_id in (wanted, None)
        ]
        exact = [b for b in candidates if b.from_date == start and b.to_date == end]
        # An all-day block may come back with its times normalised to the day's bounds.
        matches = exact or (candidates if block.all_day else [])
        if not matches:
            raise Unavailable("the business API accepted the blocked time but does not list it")
        return max(matches, key=lambda b: b.id)

    def update_blocked_time(self, block_id: int, block: BlockedTimeInput) -> None:
        # The live API refuses a body whose id differs from the path's.
        self._v1("PUT", f"{V1}/blocked-times/{block_id}", json={"id": block_id, **_block_body(block)})

    def delete_blocked_time(self, block_id: int) -> None:
        self._v1("DELETE", f"{V1}/blocked-times/{block_id}")

    def list_blocked_times(self, start: datetime, end: datetime) -> list[BlockedTime]:
        """Blocks overlapping [start, end), through GET bookings/calendar/events."""
        start, end = wire.aware(start), wire.aware(end)
        data = self._v1(
            "GET", CALENDAR_EVENTS, params={"start": wire.rfc3339(start), "end": wire.rfc3339(end)}
        )
        if data is None:
            return []
        if not isinstance(data, dict):
            raise Unavailable("the business API sent the calendar in an unexpected shape")
        blocks = [
            wire.blocked_time_from_wire(b) for b in wire.as_list(data.get("blocked_times"), "blocked times")
        ]
        return [b for b in blocks if b.from_date < end and b.to_date > start]

    # v2 positions

    def list_positions(self) -> list[Position]:
        positions: list[Position] = []
        seen: set[int] = set()
        for page in range(MAX_PAGES):
            document = self._v2(
                "GET", self._positions_path(), params={"limit": PAGE_LIMIT, "offset": page * PAGE_LIMIT}
            )
            items = wire.as_list(wire.unwrap(document), "positions")
            fresh = [p for p in map(wire.position_from_wire, items) if p.id not in seen]
            positions.extend(fresh)
            seen.update(p.id for p in fresh)
            # No pagination meta (the live service): the list is complete in one page. A short page
            # is the last; a page of nothing new means the server ignores offset.
            if not _has_pagination(document) or len(items) < PAGE_LIMIT or not fresh:
                break
        return positions

    def get_position(self, position_id: int) -> Position:
        data = wire.unwrap(self._v2("GET", self._positions_path(position_id)))
        if data is None:
            raise NotFound(f"position {position_id} was not found", status=200)
        return wire.position_from_wire(data)

    def create_position(self, position: PositionInput) -> Position:
        data = wire.unwrap(self._v2("POST", self._positions_path(), json=_position_body(position)))
        if data:
            return wire.position_from_wire(data)
        matches = [p for p in self.list_positions() if p.title == position.title]
        if not matches:
            raise Unavailable("the business API accepted the new position but does not list it")
        return max(matches, key=lambda p: p.id)

    def update_position(self, position_id: int, position: PositionInput) -> None:
        self._v2("PUT", self._positions_path(position_id), json=_position_body(position))

    def delete_position(self, position_id: int) -> None:
        self._v2("DELETE", self._positions_path(position_id))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> BusinessApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _member_body(member: MemberInput) -> dict[str, Any]:
    # e-mail and phone are optional: leave them out rather than send null.
    return member.model_dump(mode="json", exclude_none=True)


def _block_body(block: BlockedTimeInput) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": block.name,
        "from_date": wire.rfc3339(block.from_date),
        "to_date": wire.rfc3339(block.to_date),
        "all_day": block.all_day,
        "employee_ids": list(block.employee_ids),
    }
    if block.blocked_type_id is not None:
        body["blocked_type_id"] = block.blocked_type_id
    return body


def _position_body(position: PositionInput) -> dict[str, Any]:
    body: dict[str, Any] = {"title": position.title}
    if position.description is not None:
        body["description"] = position.description
    # The seed requires salon_ids on create; the live OpenAPI has no such field, so send it only when given.
    if position.salon_ids:
        body["salon_ids"] = list(position.salon_ids)
    return body


def _has_pagination(document: Any) -> bool:
    meta = document.get("meta") if isinstance(document, dict) else None
    return isinstance(meta, dict) and isinstance(meta.get("pagination"), dict)
