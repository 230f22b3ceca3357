"""Who is asking: a Slack user resolved to a team member and role (DESIGN.md, "Identity").

Roles come from the business API, never from Slack. Reads may use a role at most `cache_ttl`
seconds old; every write re-reads it (`actor_for_write`). A member who is inactive or gone leaves
the Slack user unlinked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.client import BusinessApi
from rosterbot.api.errors import NotFound
from rosterbot.api.models import TeamMember
from rosterbot.domain.permissions import Operation
from rosterbot.domain.roles import Actor
from rosterbot.services.audit import Auditor
from rosterbot.services.errors import NotFoundError
from rosterbot.services.owners import owners_serialised
from rosterbot.services.single_flight import SharedReads, SingleFlight
from rosterbot.store import links
from rosterbot.store.db import session_scope, utcnow

LookupEmail = Callable[[str, str], "str | None"]  # (slack team id, slack user id) -> e-mail
CACHE_TTL = 60.0  # seconds a role read from the API may serve reads (DESIGN.md: at most a minute)


class IdentityService:
    def __init__(
        self,
        api: BusinessApi,
        session_factory: sessionmaker[Session],
        lookup_email: LookupEmail | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        auditor: Auditor | None = None,
        cache_ttl: float = CACHE_TTL,
        now: Callable[[], datetime] = utcnow,
        reads: SharedReads | None = None,
    ) -> None:
        self.api = api
        # Set by the Slack layer (users.info); without it only stored links resolve.
        self.lookup_email = lookup_email
        self._session_factory = session_factory
        self._clock = clock
        self._ttl = cache_ttl
        self._now = now
        self.auditor = auditor or Auditor(session_factory, now)
        self._members: dict[int, tuple[float, TeamMember | None]] = {}
        self._lock = threading.Lock()
        # Cached reads and e-mail links for the same thing, asked at once, share one API call.
        # Fresh reads never do: a role read before a write starts after the write was asked.
        self._member_reads: SingleFlight[TeamMember | None] = SingleFlight()
        self._reads = reads or SharedReads(api, ttl=0, clock=clock)  # the team, shared with TeamService
        self._links: SingleFlight[Actor] = SingleFlight()

    # reading who someone is

    def resolve(self, slack_team_id: str, slack_user_id: str) -> Actor:
        """The actor behind a Slack user: their stored link, else an active member with the same
        e-mail (case-insensitive; the link is then stored). Unlinked: member_id and role None."""
        with session_scope(self._session_factory) as session:
            link = links.get_link(session, slack_team_id, slack_user_id)
            member_id = link.member_id if link else None
        if member_id is not None:
            member = self._member(member_id, fresh=False)
            if member is not None and member.is_active:
                return _actor(slack_team_id, slack_user_id, member)
            if member is not None:
                return Actor(slack_team_id, slack_user_id, name=member.name)  # inactive: unlinked
        return self._link_by_email(slack_team_id, slack_user_id)

    def actor_for_write(self, actor: Actor) -> Actor:
        """The same Slack user with their member's role read from the API just now.

        The stored link decides the member (an actor built by hand with no stored link keeps its
        member_id); a member who is gone or inactive gives an unlinked actor."""
        with session_scope(self._session_factory) as session:
            link = links.get_link(session, actor.slack_team_id, actor.slack_user_id)
            member_id = link.member_id if link else actor.member_id
        if member_id is None:
            return Actor(actor.slack_team_id, actor.slack_user_id, name=actor.name)
        member = self._member(member_id, fresh=True)
        if member is None or not member.is_active:
            return Actor(actor.slack_team_id, actor.slack_user_id, name=member.name if member else actor.name)
        return _actor(actor.slack_team_id, actor.slack_user_id, member)

    def forget(self, member_id: int | None = None) -> None:
        """Drop cached roles (one member's, or all; all also drops the shared team and
        availability reads): the next read asks the API."""
        with self._lock:
            if member_id is None:
                self._members.clear()
                self._reads.forget()
            else:
                self._members.pop(member_id, None)

    # linking by hand

    def link(self, actor: Actor, slack_team_id: str, slack_user_id: str, member_id: int) -> TeamMember:
        """Link a Slack user to a member (owner or admin). It needs an owner when the member is an
        owner, or when the Slack user is linked to an owner now (by hand or by e-mail): re-linking
        them would take the owner's identity away."""
        with owners_serialised(self._session_factory, self.api.company_id):
            fresh = self.actor_for_write(actor)
            target = f"slack:{slack_user_id}->member:{member_id}"
            member = self._member(member_id, fresh=True)
            now_linked = self._linked_member(slack_team_id, slack_user_id)
            self.auditor.require(
                fresh,
                Operation.LINK_USER,
                target=target,
                target_role=now_linked.role if now_linked else None,
                new_role=member.role if member else None,
            )
            if member is None:
                raise NotFoundError(f"There is no team member {member_id}.")

            def save() -> TeamMember:
                with session_scope(self._session_factory) as session:
                    links.save_link(
                        session,
                        slack_team_id,
                        slack_user_id,
                        member_id,
                        linked_by=fresh.slack_user_id,
                        email=member.email,
                        at=self._now(),
                    )
                return member

            return self.auditor.perform(fresh, Operation.LINK_USER, save, target=target, detail=member.name)

    def unlink(self, actor: Actor, slack_team_id: str, slack_user_id: str) -> bool:
        """Forget a Slack user's link; False when there was none. Note that a user whose Slack
        e-mail matches an active member is linked again by e-mail at their next request."""
        with owners_serialised(self._session_factory, self.api.company_id):
            fresh = self.actor_for_write(actor)
            target = f"slack:{slack_user_id}"
            with session_scope(self._session_factory) as session:
                link = links.get_link(session, slack_team_id, slack_user_id)
                member_id = link.member_id if link else None
            member = self._member(member_id, fresh=True) if member_id is not None else None
            self.auditor.require(
                fresh, Operation.LINK_USER, target=target, target_role=member.role if member else None
            )
            if member_id is None:
                return False

            def delete() -> bool:
                with session_scope(self._session_factory) as session:
                    return links.delete_link(session, slack_team_id, slack_user_id)

            return self.auditor.perform(fresh, Operation.LINK_USER, delete, target=target, detail="unlinked")

    def _linked_member(self, slack_team_id: str, slack_user_id: str) -> TeamMember | None:
        """Whom the Slack user is linked to now, read afresh: their stored link's member (active or
        not), else the active member their Slack e-mail matches; None when nobody."""
        with session_scope(self._session_factory) as session:
            link = links.get_link(session, slack_team_id, slack_user_id)
            member_id = link.member_id if link else None
        if member_id is None:
            member_id = self._link_by_email(slack_team_id, slack_user_id).member_id
        return self._member(member_id, fresh=True) if member_id is not None else None

    # internals

    def _member(self, member_id: int, *, fresh: bool) -> TeamMember | None:
        """The member (None: gone), from the cache when allowed and young enough."""
        now = self._clock()
        if not fresh:
            with self._lock:
                cached = self._members.get(member_id)
            if cached is not None and now - cached[0] < self._ttl:
                return cached[1]
            return self._member_reads.do(member_id, lambda: self._read_member(member_id, now))
        return self._read_member(member_id, now)

    def _read_member(self, member_id: int, now: float) -> TeamMember | None:
        try:
            member: TeamMember | None = self.api.get_member(member_id)
        except NotFound:
            member = None
        with self._lock:
            self._members[member_id] = (now, member)
        return member

    def _link_by_email(self, slack_team_id: str, slack_user_id: str) -> Actor:
        return self._links.do(
            (slack_team_id, slack_user_id), lambda: self._find_by_email(slack_team_id, slack_user_id)
        )

    def _find_by_email(self, slack_team_id: str, slack_user_id: str) -> Actor:
        unlinked = Actor(slack_team_id, slack_user_id)
        if self.lookup_email is None:
            return unlinked
        email = self.lookup_email(slack_team_id, slack_user_id)
        if not email:
            return unlinked
        wanted = email.strip().casefold()
        team = self._reads.list_team()
        now = self._clock()
        with self._lock:
            for member in team:
                self._members[member.id] = (now, member)
        matches = [m for m in team if m.is_active and (m.email or "").strip().casefold() == wanted]
        if len(matches) != 1:
            return unlinked  # nobody, or two active members share the e-mail: link by hand
        member = matches[0]
        with session_scope(self._session_factory) as session:
            links.save_link(
                session,
                slack_team_id,
                slack_user_id,
                member.id,
                linked_by=links.AUTO,
                email=member.email,
                at=self._now(),
            )
        return _actor(slack_team_id, slack_user_id, member)


def _actor(slack_team_id: str, slack_user_id: str, member: TeamMember) -> Actor:
    return Actor(slack_team_id, slack_user_id, member_id=member.id, role=member.role, name=member.name)
