"""DESIGN.md's "Who may do what" as data, and the last-owner guard. Pure: no I/O.

INTERFACE CONTRACT (implementation in progress): `Operation` and the signatures below.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rosterbot.domain.roles import Role


class Operation(StrEnum):
    VIEW = "view"  # team, a member, positions, availability, calendar
    MEMBER_CREATE = "member.create"
    MEMBER_EDIT = "member.edit"
    MEMBER_DEACTIVATE = "member.deactivate"
    MEMBER_REACTIVATE = "member.reactivate"
    MEMBER_DELETE = "member.delete"
    MEMBER_ASSIGN_POSITION = "member.assign_position"
    POSITION_CREATE = "position.create"
    POSITION_EDIT = "position.edit"
    POSITION_DELETE = "position.delete"
    TIME_OFF_REQUEST_OWN = "time_off.request_own"
    TIME_OFF_CANCEL_OWN = "time_off.cancel_own"
    TIME_OFF_REQUEST_FOR_OTHER = "time_off.request_for_other"
    TIME_OFF_DECIDE = "time_off.decide"
    LINK_USER = "link_user"
    CONFIGURE = "configure"  # channels, digests, coverage


@dataclass(frozen=True)
class Decision:
    allowed: bool
    required_role: Role | None = None  # on a denial: the least role that would be allowed
    reason: str = ""  # on a denial: a sentence for the user


def check(
    actor_role: Role | None,
    operation: Operation,
    *,
    target_role: Role | None = None,
    new_role: Role | None = None,
) -> Decision:
    """May an actor of `actor_role` (None: unlinked or inactive) do `operation` to a member of
    `target_role`, granting `new_role`? Pure."""
    raise NotImplementedError
