"""Positions (the v2 API): list, show, find; create, edit, delete (owner or admin), audited.
A deleted position is also taken off every member who had it, and its minimum off the settings."""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.client import BusinessApi
from rosterbot.api.models import Position, PositionInput
from rosterbot.domain.permissions import Operation
from rosterbot.domain.roles import Actor
from rosterbot.domain.text import hidden_character_error
from rosterbot.services.audit import Auditor
from rosterbot.services.errors import InvalidRequest
from rosterbot.services.identity import IdentityService
from rosterbot.services.paging import Page
from rosterbot.services.single_flight import SingleFlight
from rosterbot.store import positions as assignments
from rosterbot.store import workspace as workspace_store
from rosterbot.store.db import session_scope

TITLE_MAX = 100
SEARCH_TTL = 30.0  # seconds `search` answers from the positions it last read
DESCRIPTION_MAX = 1000


@dataclass(frozen=True)
class PositionDetails:
    position: Position
    member_ids: list[int]  # members rosterbot has given this position


class PositionService:
    def __init__(
        self,
        api: BusinessApi,
        identity: IdentityService,
        session_factory: sessionmaker[Session],
        auditor: Auditor | None = None,
        *,
        default_salon_ids: Sequence[int] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.identity = identity
        self._session_factory = session_factory
        self.auditor = auditor or identity.auditor
        # The API wants at least one location; when the user gives none, the configured company.
        self.default_salon_ids = list(default_salon_ids)
        # For `search`: a select asks at every keystroke and wants its answer within 3 seconds, and
        # listing 1,000 positions takes ten API calls. Kept SEARCH_TTL seconds; our writes drop it.
        self._searched: SingleFlight[builtins.list[Position]] = SingleFlight(SEARCH_TTL, clock)

    # reads

    def list(self, actor: Actor) -> builtins.list[Position]:
        self.auditor.require(actor, Operation.VIEW, audit=False)
        return sorted(self.api.list_positions(), key=lambda p: (p.title.casefold(), p.id))

    def show(self, actor: Actor, position_id: int) -> PositionDetails:
        self.auditor.require(actor, Operation.VIEW, audit=False)
        position = self.api.get_position(position_id)
        with session_scope(self._session_factory) as session:
            member_ids = assignments.members_with(session, position_id)
        return PositionDetails(position, member_ids)

    def titles_by_member(self, actor: Actor) -> dict[int, str]:
        """member id -> the title of the position rosterbot gave them: one API call, whatever the
        number of positions (the assignments are ours)."""
        self.auditor.require(actor, Operation.VIEW, audit=False)
        titles = {position.id: position.title for position in self.api.list_positions()}
        with session_scope(self._session_factory) as session:
            held = assignments.assignments(session)
        return {
            member_id: titles[position_id] for member_id, position_id in held.items() if position_id in titles
        }

    def find(self, actor: Actor, text: str) -> builtins.list[Position]:
        """Positions matching `text`: an id, or a title (case-insensitive; exact beats partial)."""
        self.auditor.require(actor, Operation.VIEW, audit=False)
        return match_positions(self.api.list_positions(), text)

    def search(self, actor: Actor, text: str, *, limit: int = 100) -> Page[Position]:
        """The first `limit` positions (by title) whose title holds `text` (any case), or whose id it
        is, and how many match in all; every position for no text. For a select that searches."""
        self.auditor.require(actor, Operation.VIEW, audit=False)
        wanted = text.strip().removeprefix("#").strip().casefold()
        positions = self._searched.do("positions", lambda: self.list(actor))
        found = [
            p
            for p in positions
            if not wanted
            or wanted in p.title.casefold()
            or (wanted.isascii() and wanted.isdigit() and p.id == int(wanted))
        ]
        return Page(found[:limit], len(found))

    def forget(self) -> None:
        """Drop the positions `search` keeps (they changed)."""
        self._searched.forget()

    # writes (each drops what `search` keeps)

    def create(self, actor: Actor, position: PositionInput) -> Position:
        fresh = self.identity.actor_for_write(actor)
        target = f"new position {position.title.strip()}"
        self.auditor.require(fresh, Operation.POSITION_CREATE, target=target)
        body = self._validate(position, fallback_salon_ids=self.default_salon_ids)
        self._require_free_title(body.title, None)
        try:
            return self.auditor.perform(
                fresh, Operation.POSITION_CREATE, lambda: self.api.create_position(body), target=target
            )
        finally:
            self.forget()

    def edit(self, actor: Actor, position_id: int, position: PositionInput) -> Position:
        """Replace the title, description and (when given) locations; no locations keeps the old."""
        fresh = self.identity.actor_for_write(actor)
        self.auditor.require(fresh, Operation.POSITION_EDIT, target=f"position:{position_id}")
        current = self.api.get_position(position_id)
        target = _target(current)
        body = self._validate(position, fallback_salon_ids=current.salon_ids or self.default_salon_ids)
        self._require_free_title(body.title, position_id)
        try:
            self.auditor.perform(
                fresh,
                Operation.POSITION_EDIT,
                lambda: self.api.update_position(position_id, body),
                target=target,
            )
        finally:
            self.forget()
        return current.model_copy(
            update={"title": body.title, "description": body.description, "salon_ids": body.salon_ids}
        )

    def delete(self, actor: Actor, position_id: int) -> Position:
        fresh = self.identity.actor_for_write(actor)
        self.auditor.require(fresh, Operation.POSITION_DELETE, target=f"position:{position_id}")
        current = self.api.get_position(position_id)
        target = _target(current)
        try:
            self.auditor.perform(
                fresh, Operation.POSITION_DELETE, lambda: self.api.delete_position(position_id), target=target
            )
        finally:
            self.forget()
        with session_scope(self._session_factory) as session:
            assignments.clear_position(session, position_id)
            workspace_store.forget_position(session, position_id)
        return current

    def _require_free_title(self, title: str, position_id: int | None) -> None:
        """Two positions with one title could not be told apart (in /position, in /team position,
        in the minimums): a title is unique, trimmed and case-insensitively."""
        taken = same_title(self.api.list_positions(), title, position_id)
        if taken is not None:
            refused = f"There is already a position called {taken.title} (#{taken.id})."
            raise InvalidRequest({"title": refused})

    @staticmethod
    def _validate(position: PositionInput, *, fallback_salon_ids: Sequence[int]) -> PositionInput:
        title = position.title.strip()
        description = (position.description or "").strip() or None
        errors = text_errors(title, description)
        salon_ids = list(position.salon_ids) or list(fallback_salon_ids)
        if not salon_ids:
            errors["salon_ids"] = "Choose at least one location."
        if errors:
            raise InvalidRequest(errors)
        return PositionInput(title=title, description=description, salon_ids=salon_ids)


def text_errors(title: str, description: str | None) -> dict[str, str]:
    """What is wrong with a position's (trimmed) title and description, by field. No API call."""
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Enter a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"A title has at most {TITLE_MAX} characters."
    elif refused := hidden_character_error("A title", title):
        errors["title"] = refused
    if description is not None and len(description) > DESCRIPTION_MAX:
        errors["description"] = f"A description has at most {DESCRIPTION_MAX} characters."
    elif description is not None and (
        refused := hidden_character_error("A description", description, multiline=True)
    ):
        errors["description"] = refused
    return errors


def same_title(positions: Sequence[Position], title: str, position_id: int | None) -> Position | None:
    """The position other than `position_id` whose title is `title`, trimmed and case-insensitively."""
    wanted = title.strip().casefold()
    return next((p for p in positions if p.id != position_id and p.title.strip().casefold() == wanted), None)


def match_positions(positions: Sequence[Position], text: str) -> list[Position]:
    wanted = text.strip().removeprefix("#").strip()
    if not wanted:
        return []
    if wanted.isascii() and wanted.isdigit():
        return [p for p in positions if p.id == int(wanted)]
    folded = wanted.casefold()
    exact = [p for p in positions if p.title.casefold() == folded]
    found = exact or [p for p in positions if folded in p.title.casefold()]
    return sorted(found, key=lambda p: (p.title.casefold(), p.id))


def _target(position: Position) -> str:
    return f"position:{position.id} {position.title}"
