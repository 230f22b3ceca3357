"""The team: list, show and find members; add, edit, deactivate, reactivate, remove them; give
them a position. Each write re-reads the actor's role, checks it (and the last-owner guard) before
any API write, and is audited."""

from __future__ import annotations

import builtins
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.client import BusinessApi
from rosterbot.api.errors import NotFound, Unavailable
from rosterbot.api.models import MemberInput, Position, TeamMember
from rosterbot.domain.permissions import Operation, last_owner_guard
from rosterbot.domain.roles import Actor, Role
from rosterbot.domain.text import hidden_character_error
from rosterbot.services.audit import Auditor
from rosterbot.services.errors import InvalidRequest, LastOwner
from rosterbot.services.identity import IdentityService
from rosterbot.services.owners import owners_serialised
from rosterbot.services.paging import Page
from rosterbot.services.single_flight import SharedReads
from rosterbot.services.timeoff import close_pending_requests
from rosterbot.store import links
from rosterbot.store import positions as assignments
from rosterbot.store.db import session_scope, utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
NAME_MAX = 100  # a first or last name


@dataclass(frozen=True)
class MemberDetails:
    member: TeamMember
    position: Position | None  # rosterbot keeps positions; the v1 team API has no such field


class TeamService:
    def __init__(
        self,
        api: BusinessApi,
        identity: IdentityService,
        session_factory: sessionmaker[Session],
        auditor: Auditor | None = None,
        reads: SharedReads | None = None,
    ) -> None:
        self.api = api
        self.identity = identity
        # The team as `list` and `find` read it, shared with identical reads of the last seconds;
        # every write here forgets it (writes themselves read the API afresh).
        self._reads = reads or SharedReads(api, ttl=0)
        self._session_factory = session_factory
        self.auditor = auditor or identity.auditor

    # reads (a role up to a minute old will do)

    def list(
        self, actor: Actor, *, include_inactive: bool = False, only_inactive: bool = False
    ) -> builtins.list[TeamMember]:
        """Active members by name; inactive ones too (`include_inactive`) or only them."""
        self.auditor.require(actor, Operation.VIEW, audit=False)
        team = self._reads.list_team()
        if only_inactive:
            team = [m for m in team if not m.is_active]
        elif not include_inactive:
            team = [m for m in team if m.is_active]
        return sorted(team, key=_by_name)

    def show(self, actor: Actor, member_id: int) -> MemberDetails:
        self.auditor.require(actor, Operation.VIEW, audit=False)
        member = self.api.get_member(member_id)
        with session_scope(self._session_factory) as session:
            position_id = assignments.position_of(session, member_id)
        position = None
        if position_id is not None:
            try:
                position = self.api.get_position(position_id)
            except NotFound:
                position = None  # deleted behind our back: show none
        return MemberDetails(member, position)

    def search(self, actor: Actor, text: str, *, limit: int = 100) -> Page[TeamMember]:
        """The first `limit` active members (by name) whose name or e-mail holds `text` (any case),
        or whose id it is, and how many match in all; every active member for no text. For a
        select that searches."""
        wanted = text.strip().removeprefix("#").strip().casefold()
        found = [
            m
            for m in self.list(actor)
            if not wanted
            or wanted in m.name.casefold()
            or wanted in (m.email or "").casefold()
            or (wanted.isascii() and wanted.isdigit() and m.id == int(wanted))
        ]
        return Page(found[:limit], len(found))

    def find(self, actor: Actor, text: str, *, include_inactive: bool = True) -> builtins.list[TeamMember]:
        """Members matching `text`: an id ("12" or "#12"), an e-mail, or a name (case-insensitive;
        an exact full name wins over partial matches). Several matches: let the user choose."""
        self.auditor.require(actor, Operation.VIEW, audit=False)
        return match_members(self._reads.list_team(), text, include_inactive=include_inactive)

    # writes

    def create(self, actor: Actor, member: MemberInput, *, retried: bool = False) -> TeamMember:
        """`retried`: this create was asked for before and may have been made then (the process
        doing it died): a member with the same e-mail (or exact name) is taken to be that one."""
        fresh = self.identity.actor_for_write(actor)
        target = f"new {member.role.value} {member.first_name} {member.last_name}".strip()
        self.auditor.require(fresh, Operation.MEMBER_CREATE, target=target, new_role=member.role)
        member = validate_member(member)
        try:
            return self.auditor.perform(
                fresh, Operation.MEMBER_CREATE, lambda: self._create_once(member, retried), target=target
            )
        finally:
            self._reads.forget()  # even after a failure: the member may have been made

    def edit(self, actor: Actor, member_id: int, member: MemberInput) -> TeamMember:
        """Replace the member's details (role and active flag included) with `member`."""
        with self._owners_lock():  # a demotion or deactivation could take the last owner
            fresh = self.identity.actor_for_write(actor)
            current = self.api.get_member(member_id)
            target = _target(current)
            self.auditor.require(
                fresh, Operation.MEMBER_EDIT, target=target, target_role=current.role, new_role=member.role
            )
            self._guard_last_owner(
                fresh, Operation.MEMBER_EDIT, current, new_role=member.role, new_active=member.is_active
            )
            member = validate_member(member)
            try:
                self.auditor.perform(
                    fresh,
                    Operation.MEMBER_EDIT,
                    lambda: self.api.update_member(member_id, member),
                    target=target,
                    detail=_changes(current, member),
                )
            finally:
                self._reads.forget()
            self.identity.forget(member_id)
        if current.is_active and not member.is_active:
            self._close_requests(fresh, current, "deactivated")
        return TeamMember(id=member_id, **member.model_dump())

    def deactivate(self, actor: Actor, member_id: int) -> TeamMember:
        return self._set_active(actor, member_id, active=False)

    def reactivate(self, actor: Actor, member_id: int) -> TeamMember:
        return self._set_active(actor, member_id, active=True)

    def delete(self, actor: Actor, member_id: int) -> TeamMember:
        """Remove the member from the business; their Slack links and position go too, and their
        pending time-off requests are closed."""
        with self._owners_lock():
            fresh = self.identity.actor_for_write(actor)
            current = self.api.get_member(member_id)
            target = _target(current)
            self.auditor.require(fresh, Operation.MEMBER_DELETE, target=target, target_role=current.role)
            self._guard_last_owner(fresh, Operation.MEMBER_DELETE, current, deleting=True)
            try:
                self.auditor.perform(
                    fresh, Operation.MEMBER_DELETE, lambda: self.api.delete_member(member_id), target=target
                )
            finally:
                self._reads.forget()
        # Closed first: the member's link still names whom to tell.
        self._close_requests(fresh, current, "removed from the team")
        with session_scope(self._session_factory) as session:
            assignments.unassign(session, member_id)
            for link in links.links_for_member(session, member_id, slack_team_id=None):
                links.delete_link(session, link.slack_team_id, link.slack_user_id)
        self.identity.forget(member_id)
        return current

    def assign_position(self, actor: Actor, member_id: int, position_id: int | None) -> MemberDetails:
        """Give the member a position (None: no position). Kept by rosterbot, not the API."""
        fresh = self.identity.actor_for_write(actor)
        current = self.api.get_member(member_id)
        target = _target(current)
        self.auditor.require(fresh, Operation.MEMBER_ASSIGN_POSITION, target=target, target_role=current.role)
        if position_id is not None and not current.is_active:
            # An inactive member works no shifts: a position for them is a slip (the list marks them).
            refused = f"{current.name} is inactive: reactivate them first (/team reactivate #{current.id})."
            raise InvalidRequest({"position": refused})
        position = self.api.get_position(position_id) if position_id is not None else None

        def save() -> None:
            with session_scope(self._session_factory) as session:
                if position is None:
                    assignments.unassign(session, member_id)
                else:
                    assignments.assign(
                        session, member_id, position.id, assigned_by=fresh.slack_user_id, at=utcnow()
                    )

        detail = f"position:{position.id} {position.title}" if position else "no position"
        self.auditor.perform(fresh, Operation.MEMBER_ASSIGN_POSITION, save, target=target, detail=detail)
        return MemberDetails(current, position)

    # internals

    def _create_once(self, member: MemberInput, retried: bool = False) -> TeamMember:
        """Create `member`. When the POST fails in a way that may have created it anyway (a timeout,
        a lost connection, an answer we cannot read: `Unavailable`), look for a member that was not
        on the team before, with the same e-mail (or exact name when there is none): if there is
        one, the create happened, and a retry by the user would make a duplicate. A create the API
        refused (400, 401, 429) made nothing: those errors go on up as they are."""
        team = self.api.list_team()
        if retried and (made := [m for m in team if _same_person(m, member)]):
            return max(made, key=lambda m: m.id)
        before = {m.id for m in team}
        try:
            return self.api.create_member(member)
        except Unavailable:
            made = [m for m in self.api.list_team() if m.id not in before and _same_person(m, member)]
            if not made:
                raise
            return max(made, key=lambda m: m.id)

    def _set_active(self, actor: Actor, member_id: int, *, active: bool) -> TeamMember:
        operation = Operation.MEMBER_REACTIVATE if active else Operation.MEMBER_DEACTIVATE
        with self._owners_lock():
            fresh = self.identity.actor_for_write(actor)
            current = self.api.get_member(member_id)
            target = _target(current)
            self.auditor.require(fresh, operation, target=target, target_role=current.role)
            if current.is_active == active:
                state = "active" if active else "inactive"
                raise InvalidRequest({"member": f"{current.name} is already {state}."})
            self._guard_last_owner(fresh, operation, current, new_active=active)
            body = MemberInput(**{**current.model_dump(exclude={"id"}), "is_active": active})
            try:
                self.auditor.perform(
                    fresh, operation, lambda: self.api.update_member(member_id, body), target=target
                )
            finally:
                self._reads.forget()
            self.identity.forget(member_id)
        if not active:
            self._close_requests(fresh, current, "deactivated")
        return current.model_copy(update={"is_active": active})

    def _close_requests(self, actor: Actor, member: TeamMember, why: str) -> None:
        """The member is no longer active: nothing of theirs is left to decide."""
        note = f"{member.name} was {why}."
        close_pending_requests(self._session_factory, actor, member.id, note, at=utcnow())

    def _owners_lock(self) -> AbstractContextManager[None]:
        """Serialise the writes that could take the last active owner (re-read inside it)."""
        return owners_serialised(self._session_factory, self.api.company_id)

    def _guard_last_owner(
        self,
        actor: Actor,
        operation: Operation,
        current: TeamMember,
        *,
        new_role: Role | None = None,
        new_active: bool | None = None,
        deleting: bool = False,
    ) -> None:
        if current.role is not Role.OWNER or not current.is_active:
            return  # only an active owner can be the last one: spare the API a list call
        message = last_owner_guard(
            self.api.list_team(),
            current.id,
            new_role=new_role,
            new_active=new_active,
            deleting=deleting,
        )
        if message:
            self.auditor.refuse(actor, operation, LastOwner(message), target=_target(current))


class MemberDraft(BaseModel):
    """A member as a person typed it (the add and edit forms): `member_input` checks it."""

    first_name: str = ""
    last_name: str = ""
    role: str | None = None
    email: str | None = None
    phone_number: str | None = None
    is_active: bool = True


def member_input(draft: MemberDraft) -> MemberInput:
    """The member `draft` describes, trimmed (a phone number without its separators), or
    InvalidRequest naming each bad field by its name. The one place these rules live: the Slack
    forms check with it before anything is sent, and every create and edit checks again."""
    first, last = draft.first_name.strip(), draft.last_name.strip()
    email = (draft.email or "").strip() or None
    phone = _PHONE_SEPARATORS.sub("", draft.phone_number or "") or None
    errors: dict[str, str] = {}
    for field, what, name in (("first_name", "first name", first), ("last_name", "last name", last)):
        if not name:
            errors[field] = f"Enter a {what}."
        elif len(name) > NAME_MAX:
            errors[field] = f"A {what} has at most {NAME_MAX} characters."
        elif refused := hidden_character_error("A name", name):
            errors[field] = refused
    role = next((r for r in Role if r.value == draft.role), None)
    if role is None:
        errors["role"] = "Choose a role."
    if email is not None and (refused := hidden_character_error("An e-mail address", email)):
        errors["email"] = refused
    elif email is not None and not _EMAIL.match(email):
        errors["email"] = "Enter an e-mail address like name@example.com."
    if phone is not None and not _E164.match(phone):
        errors["phone_number"] = (
            "Enter the number in international form: + and country code, e.g. +15550100001."
        )
    if errors or role is None:
        raise InvalidRequest(errors)
    return MemberInput(
        role=role,
        first_name=first,
        last_name=last,
        email=email,
        phone_number=phone,
        is_active=draft.is_active,
    )


def validate_member(member: MemberInput) -> MemberInput:
    """`member` checked and trimmed as `member_input` does."""
    return member_input(MemberDraft(**{**member.model_dump(), "role": member.role.value}))


def match_members(team: list[TeamMember], text: str, *, include_inactive: bool = True) -> list[TeamMember]:
    pool = team if include_inactive else [m for m in team if m.is_active]
    wanted = text.strip().removeprefix("#").strip()
    if not wanted:
        return []
    if wanted.isascii() and wanted.isdigit():  # not str.isdigit() alone: int() refuses "²"
        number = int(wanted) if len(wanted) <= 18 else -1  # int() refuses 4301 digits; no id has 19
        return [m for m in pool if m.id == number]
    folded = wanted.casefold()
    if "@" in folded:
        return [m for m in pool if (m.email or "").casefold() == folded]
    exact = [m for m in pool if m.name.casefold() == folded]
    if exact:
        return sorted(exact, key=_by_name)
    return sorted((m for m in pool if folded in m.name.casefold()), key=_by_name)


def _same_person(found: TeamMember, wanted: MemberInput) -> bool:
    if wanted.email:
        return (found.email or "").casefold() == wanted.email.casefold()
    return (found.first_name.casefold(), found.last_name.casefold()) == (
        wanted.first_name.casefold(),
        wanted.last_name.casefold(),
    )


def _by_name(member: TeamMember) -> tuple[str, str, int]:
    return (member.first_name.casefold(), member.last_name.casefold(), member.id)


def _target(member: TeamMember) -> str:
    return f"member:{member.id} {member.name} ({member.role.value})"


def _changes(before: TeamMember, after: MemberInput) -> str:
    fields = ("role", "first_name", "last_name", "email", "phone_number", "is_active")
    changed = [f for f in fields if getattr(before, f) != getattr(after, f)]
    return "changed " + ", ".join(changed) if changed else "no change"
