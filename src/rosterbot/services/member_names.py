"""Member names for messages, from the business API's team list, kept a while in the process."""

from __future__ import annotations

import logging
import threading
import time as monotonic_time
from typing import Protocol

from rosterbot.api.errors import ApiError
from rosterbot.api.models import TeamMember

log = logging.getLogger(__name__)


class TeamApi(Protocol):
    """The slice of `BusinessApi` the time-off and leave services use (`MemberNames`: the team list)."""

    def get_member(self, member_id: int) -> TeamMember: ...

    def list_team(self) -> list[TeamMember]: ...


class MemberNames:
    """Member names for messages, from the API's team list, each kept for `ttl` seconds. When the
    API cannot answer, a message says "member #7" rather than waiting for it."""

    def __init__(self, api: TeamApi, ttl: float = 60.0) -> None:
        self._api = api
        self._ttl = ttl
        self._names: dict[int, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def remember(self, member_id: int, name: str) -> None:
        if name:
            with self._lock:
                self._names[member_id] = (monotonic_time.monotonic(), name)

    def name(self, member_id: int) -> str:
        with self._lock:
            at, known = self._names.get(member_id, (float("-inf"), ""))
        if known and monotonic_time.monotonic() - at < self._ttl:
            return known
        try:
            team = self._api.list_team()
        except ApiError as exc:
            log.warning("member names unavailable: %s", exc.message or type(exc).__name__)
            return known or f"member #{member_id}"
        now = monotonic_time.monotonic()
        with self._lock:
            self._names.update({member.id: (now, member.name) for member in team})
            return self._names.get(member_id, (now, ""))[1] or known or f"member #{member_id}"
