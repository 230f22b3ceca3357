"""DESIGN.md's "Who may do what" as data, and the last-owner guard. Pure: no I/O.

`PERMISSIONS` maps every operation to its rule: the least role that may do it, and whether an owner
on either side (the member acted on, or the role being granted) raises that to owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

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
    LEAVE_BALANCE_OWN = "leave.balance_own"
    LEAVE_BALANCE_OTHERS = "leave.balance_others"
    LEAVE_TYPES_MANAGE = "leave.types_manage"
    LEAVE_ALLOWANCES_SET = "leave.allowances_set"  # the allowance, leave year, working time, holidays
    CLOSED_DAYS_MANAGE = "leave.closed_days_manage"
    LEAVE_REPORT = "leave.report"
    CALENDAR_FEED_MANAGE = "leave.calendar_feed"  # see the feed's secret URL, replace its token


@dataclass(frozen=True)
class Decision:
    allowed: bool
    required_role: Role | None = None  # on a denial: the least role that would be allowed
    reason: str = ""  # on a denial: a sentence for the user


@dataclass(frozen=True)
class Rule:
    minimum: Role
    action: str  # completes "Only an owner or admin can ..."
    owner_action: str = ""  # the same when an owner is involved; set only on owner-sensitive rules

    @property
    def owner_sensitive(self) -> bool:
        return bool(self.owner_action)


RANK: Mapping[Role, int] = MappingProxyType({Role.STAFF: 1, Role.ADMIN: 2, Role.OWNER: 3})

PERMISSIONS: Mapping[Operation, Rule] = MappingProxyType(
    {
        Operation.VIEW: Rule(Role.STAFF, "view the team"),
        Operation.MEMBER_CREATE: Rule(Role.ADMIN, "add team members", "add an owner"),
        Operation.MEMBER_EDIT: Rule(
            Role.ADMIN, "edit team members", "edit an owner or change a role to or from owner"
        ),
        Operation.MEMBER_DEACTIVATE: Rule(Role.ADMIN, "deactivate team members", "deactivate an owner"),
        Operation.MEMBER_REACTIVATE: Rule(Role.ADMIN, "reactivate team members", "reactivate an owner"),
        Operation.MEMBER_DELETE: Rule(Role.ADMIN, "remove team members", "remove an owner"),
        Operation.MEMBER_ASSIGN_POSITION: Rule(Role.ADMIN, "assign positions", "assign an owner's position"),
        Operation.POSITION_CREATE: Rule(Role.ADMIN, "create positions"),
        Operation.POSITION_EDIT: Rule(Role.ADMIN, "edit positions"),
        Operation.POSITION_DELETE: Rule(Role.ADMIN, "delete positions"),
        Operation.TIME_OFF_REQUEST_OWN: Rule(Role.STAFF, "request time off"),
        Operation.TIME_OFF_CANCEL_OWN: Rule(Role.STAFF, "cancel their own time-off request"),
        Operation.TIME_OFF_REQUEST_FOR_OTHER: Rule(Role.ADMIN, "request time off for another member"),
        Operation.TIME_OFF_DECIDE: Rule(Role.ADMIN, "approve or deny time-off requests"),
        # Linking a Slack user to an owner hands them the owner's powers, and re-linking or
        # unlinking an owner's Slack user takes the owner's away: both touch an owner.
        Operation.LINK_USER: Rule(
            Role.ADMIN,
            "link Slack users to team members",
            "link a Slack user to an owner or change an owner's Slack link",
        ),
        Operation.CONFIGURE: Rule(Role.ADMIN, "configure rosterbot's channels and digests"),
        Operation.LEAVE_BALANCE_OWN: Rule(Role.STAFF, "see their own leave balance"),
        Operation.LEAVE_BALANCE_OTHERS: Rule(Role.ADMIN, "see other members' leave balances"),
        Operation.LEAVE_TYPES_MANAGE: Rule(Role.ADMIN, "add or edit leave types"),
        Operation.LEAVE_ALLOWANCES_SET: Rule(Role.ADMIN, "set leave allowances and working days"),
        Operation.CLOSED_DAYS_MANAGE: Rule(Role.ADMIN, "add or remove closed days"),
        Operation.LEAVE_REPORT: Rule(Role.ADMIN, "get the leave report"),
        Operation.CALENDAR_FEED_MANAGE: Rule(Role.ADMIN, "see or replace the calendar feed's address"),
    }
)

NOT_LINKED_REASON = (
    "You are not linked to an active team member, so rosterbot can't let you do anything yet. "
    "Ask an owner or admin to link you with `/team link @you` and your name, or ask them to make sure "
    "your team profile has the same e-mail as your Slack account."
)

_WHO = {Role.OWNER: "an owner", Role.ADMIN: "an owner or admin", Role.STAFF: "a team member"}


def at_least(role: Role | None, minimum: Role) -> bool:
    return role is not None and RANK[role] >= RANK[minimum]


def required_role(
    operation: Operation, *, target_role: Role | None = None, new_role: Role | None = None
) -> Role:
    """The least role that may do `operation` to a member of `target_role`, granting `new_role`."""
    rule = PERMISSIONS[operation]
    if rule.owner_sensitive and Role.OWNER in (target_role, new_role):
        return Role.OWNER
    return rule.minimum


def check(
    actor_role: Role | None,
    operation: Operation,
    *,
    target_role: Role | None = None,
    new_role: Role | None = None,
) -> Decision:
    """May an actor of `actor_role` (None: unlinked or inactive) do `operation` to a member of
    `target_role`, granting `new_role`? Pure."""
    needed = required_role(operation, target_role=target_role, new_role=new_role)
    if actor_role is None:
        return Decision(False, needed, NOT_LINKED_REASON)
    if at_least(actor_role, needed):
        return Decision(True)
    rule = PERMISSIONS[operation]
    action = rule.owner_action if needed is Role.OWNER and rule.owner_sensitive else rule.action
    return Decision(False, needed, f"Only {_WHO[needed]} can {action}.")


class TeamMemberLike(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...

    @property
    def is_active(self) -> bool: ...


def last_owner_guard(
    team: Sequence[TeamMemberLike],
    target_id: int,
    *,
    new_role: Role | None = None,
    new_active: bool | None = None,
    deleting: bool = False,
) -> str | None:
    """A sentence when the change would leave the team with no active owner; None when it may go on.

    The change is: delete `target_id` (`deleting`), set its role to `new_role`, or set its active
    flag to `new_active` (None: unchanged).
    """
    target = next((member for member in team if member.id == target_id), None)
    if target is None or target.role != Role.OWNER or not target.is_active:
        return None  # only an active owner can be the last one
    if deleting:
        verb = "remove"
    elif new_active is False:
        verb = "deactivate"
    elif new_role is not None and new_role != Role.OWNER:
        verb = "change the role of"
    else:
        return None
    others = [m for m in team if m.id != target_id and m.role == Role.OWNER and m.is_active]
    if others:
        return None
    return f"You can't {verb} the last active owner. Make another member an owner first."
