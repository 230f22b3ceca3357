"""The services' side of the audit log: permission checks that record denials, and writes that
record how they ended. Every write goes: check (denied: record, raise, no API call) -> call ->
record allowed, or failed with the API's error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import NoReturn, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.errors import ApiError
from rosterbot.domain.permissions import Operation, check
from rosterbot.domain.roles import Actor, Role
from rosterbot.services.errors import NotFoundError, NotLinked, PermissionDenied, ServiceError
from rosterbot.store import audit as audit_store
from rosterbot.store.db import session_scope, utcnow

T = TypeVar("T")
log = logging.getLogger(__name__)



def write_row(
    session: Session,
    actor: Actor,
    operation: Operation,
    outcome: str,
    target: str,
    detail: str,
    *,
    at: datetime,
) -> None:
    """The audit row of `actor`'s `operation`, in `session`'s transaction (with the change it records)."""
    audit_store.record(
        session,
        slack_team_id=actor.slack_team_id,
        slack_user_id=actor.slack_user_id,
        actor_member_id=actor.member_id,
        actor_role=actor.role.value if actor.role else None,
        operation=operation.value,
        outcome=outcome,
        target=target,
        detail=detail,
        at=at,
    )

class Auditor:
    def __init__(self, session_factory: sessionmaker[Session], now: Callable[[], datetime] = utcnow) -> None:
        self._session_factory = session_factory
        self._now = now

    def record(
        self, actor: Actor, operation: Operation, outcome: str, *, target: str = "", detail: str = ""
    ) -> None:
        """Write one audit row. A database failure here is logged, not raised: the write it
        describes has already happened (or been refused), and the user must hear how that went."""
        try:
            self._write(actor, operation, outcome, target, detail)
        except SQLAlchemyError:
            log.exception("audit row lost: %s %s %s", operation.value, outcome, target)

    def _write(self, actor: Actor, operation: Operation, outcome: str, target: str, detail: str) -> None:
        with session_scope(self._session_factory) as session:
            write_row(session, actor, operation, outcome, target, detail, at=self._now())

    def require(
        self,
        actor: Actor,
        operation: Operation,
        *,
        target: str = "",
        target_role: Role | None = None,
        new_role: Role | None = None,
        audit: bool = True,
    ) -> None:
        """Raise NotLinked or PermissionDenied unless the actor may; a denied write (`audit`) is
        recorded first. Reads pass audit=False."""
        role = actor.role if actor.is_linked else None
        decision = check(role, operation, target_role=target_role, new_role=new_role)
        if decision.allowed:
            return
        error: PermissionDenied
        if role is None:
            error = NotLinked(decision.required_role, decision.reason)
        else:
            error = PermissionDenied(decision.required_role, decision.reason)
        if audit:
            self.refuse(actor, operation, error, target=target)
        raise error

    def require_own_workspace(
        self, actor: Actor, slack_team_id: str, operation: Operation, *, audit: bool = True
    ) -> None:
        """Raise NotFoundError unless `slack_team_id` is the actor's own workspace: nobody reads or
        changes another workspace's links or settings, and to them it is not there at all. A
        refused write (`audit`) is recorded first."""
        if slack_team_id == actor.slack_team_id:
            return
        error = NotFoundError("There is no such Slack workspace here.")
        if audit:
            self.refuse(actor, operation, error, target=f"workspace {slack_team_id}"[:200])
        raise error

    def refuse(
        self, actor: Actor, operation: Operation, error: ServiceError, *, target: str = ""
    ) -> NoReturn:
        """Record a refused write (`denied`) and raise `error`."""
        self.record(actor, operation, "denied", target=target, detail=error.message)
        raise error

    def perform(
        self, actor: Actor, operation: Operation, call: Callable[[], T], *, target: str = "", detail: str = ""
    ) -> T:
        """Run the write; record `allowed`, or `failed` with the API's error (which goes on up)."""
        try:
            result = call()
        except ApiError as exc:
            self.record(
                actor,
                operation,
                "failed",
                target=target,
                detail=f"{type(exc).__name__}: {exc.message or exc.user_message}",
            )
            raise
        self.record(actor, operation, "allowed", target=target, detail=detail)
        return result
