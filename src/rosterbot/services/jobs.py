"""Storing a Slack listener's lazy work as a job, before Slack gets its answer.

The Slack layer hands over what it needs to run the work again later (the request as Slack signed
it, the lazy function's name); this stores it as a `RUN_LISTENER` item of the one queue
(`store.outbox`), in one transaction with the delivery's claim (`slack_deliveries`): a form submitted
twice or an event Slack delivers again makes one job, never two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.services.timeoff import Clock, utc_clock
from rosterbot.store import deliveries, outbox
from rosterbot.store.db import autocommit_session, session_scope
from rosterbot.store.outbox import RUN_LISTENER, Claim

__all__ = ["RUN_LISTENER", "Claim", "JobQueue", "ListenerWork"]


@dataclass(frozen=True)
class ListenerWork:
    """What a worker needs to run a listener's lazy function again: the verified request (body and
    headers as received) and the function's name."""

    function: str
    body: str
    headers: Mapping[str, Sequence[str]]
    slack_team_id: str

    def payload(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "body": self.body,
            "headers": {name: list(values) for name, values in self.headers.items()},
            "slack_team_id": self.slack_team_id,
        }

    @classmethod
    def of_payload(cls, payload: Mapping[str, Any]) -> ListenerWork:
        headers = payload.get("headers") or {}
        return cls(
            function=str(payload["function"]),
            body=str(payload["body"]),
            headers={str(name): [str(v) for v in values] for name, values in headers.items()},
            slack_team_id=str(payload.get("slack_team_id") or ""),
        )


class JobQueue:
    def __init__(self, session_factory: sessionmaker[Session], *, clock: Clock = utc_clock) -> None:
        self._sessions = session_factory
        self._clock = clock

    def record_step(self, claim: Claim, key: str, value: Any) -> None:
        """Remember that a step of the job's work is done (its outcome `value`), for a later attempt."""
        with session_scope(self._sessions) as session:
            outbox.record_step(session, claim, key, value)

    def store_listener_work(self, work: ListenerWork, *, delivery_key: str | None = None) -> int | None:
        """Store `work` as a job due now; its id, or None when `delivery_key` was claimed before (a
        repeated delivery: its work is stored already). Committed before this returns."""
        try:
            return self._store(work, delivery_key)
        except DBAPIError as error:
            # A pooled connection the server dropped (a restart): the pool has dropped all of
            # them, and the work is stored through a fresh one, still before Slack's answer.
            if not error.connection_invalidated:
                raise
            return self._store(work, delivery_key)

    def _store(self, work: ListenerWork, delivery_key: str | None) -> int | None:
        if delivery_key is None:
            # One statement on the ack path: it commits as it runs.
            with autocommit_session(self._sessions) as session:
                return outbox.enqueue(session, outbox.RUN_LISTENER, at=self._clock(), payload=work.payload())
        with session_scope(self._sessions) as session:
            if not deliveries.claim(session, delivery_key):
                return None
            return outbox.enqueue(session, outbox.RUN_LISTENER, at=self._clock(), payload=work.payload())
