"""The permission table, checked against DESIGN.md written out independently here, and the
last-owner guard."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rosterbot.domain.permissions import (
    NOT_LINKED_REASON,
    PERMISSIONS,
    Operation,
    check,
    last_owner_guard,
)
from rosterbot.domain.roles import Role

OW, A, S = Role.OWNER, Role.ADMIN, Role.STAFF
ROLES_OR_NONE = [None, *Role]

ANYONE = {
    Operation.VIEW,
    Operation.TIME_OFF_REQUEST_OWN,
    Operation.TIME_OFF_CANCEL_OWN,
    Operation.LEAVE_BALANCE_OWN,
}
# Operations on a member (or, for LINK_USER, handing a Slack user a member's powers): an owner on
# either side needs an owner.
MEMBER_OPS = {
    Operation.LINK_USER,
    Operation.MEMBER_CREATE,
    Operation.MEMBER_EDIT,
    Operation.MEMBER_DEACTIVATE,
    Operation.MEMBER_REACTIVATE,
    Operation.MEMBER_DELETE,
    Operation.MEMBER_ASSIGN_POSITION,
}


def design_allows(actor: Role | None, op: Operation, target: Role | None, new: Role | None) -> bool:
    """DESIGN.md's table, spelled out by hand."""
    if actor is None:
        return False
    if op in ANYONE:
        return True
    if op in MEMBER_OPS and OW in (target, new):
        return actor is OW
    return actor in (OW, A)


CASES = [
    (actor, op, target, new)
    for op in Operation
    for actor in ROLES_OR_NONE
    for target in (ROLES_OR_NONE if op in MEMBER_OPS else [None])
    for new in (ROLES_OR_NONE if op in (Operation.MEMBER_CREATE, Operation.MEMBER_EDIT) else [None])
]


@pytest.mark.parametrize(("actor", "op", "target", "new"), CASES)
def test_check_follows_the_design_table(
    actor: Role | None, op: Operation, target: Role | None, new: Role | None
) -> None:
    decision = check(actor, op, target_role=target, new_role=new)
    assert decision.allowed is design_allows(actor, op, target, new)
    if decision.allowed:
        assert decision.required_role is None and decision.reason == ""
    else:
        assert decision.required_role is not None and decision.reason.endswith(".")
        assert design_allows(decision.required_role, op, target, new)  # the named role would do
        if actor is None:
            assert decision.reason == NOT_LINKED_REASON


def test_every_operation_has_a_rule() -> None:
    assert set(PERMISSIONS) == set(Operation)


@pytest.mark.parametrize(
    ("actor", "op", "target", "new", "reason", "needed"),
    [
        (S, Operation.MEMBER_CREATE, None, S, "Only an owner or admin can add team members.", A),
        (A, Operation.MEMBER_CREATE, None, OW, "Only an owner can add an owner.", OW),
        (A, Operation.MEMBER_DELETE, OW, None, "Only an owner can remove an owner.", OW),
        (
            A,
            Operation.MEMBER_EDIT,
            S,
            OW,
            "Only an owner can edit an owner or change a role to or from owner.",
            OW,
        ),
        (S, Operation.POSITION_DELETE, None, None, "Only an owner or admin can delete positions.", A),
        (
            S,
            Operation.TIME_OFF_DECIDE,
            None,
            None,
            "Only an owner or admin can approve or deny time-off requests.",
            A,
        ),
        (None, Operation.VIEW, None, None, NOT_LINKED_REASON, S),
        (
            S,
            Operation.LEAVE_BALANCE_OTHERS,
            None,
            None,
            "Only an owner or admin can see other members' leave balances.",
            A,
        ),
        (
            S,
            Operation.LEAVE_TYPES_MANAGE,
            None,
            None,
            "Only an owner or admin can add or edit leave types.",
            A,
        ),
        (
            S,
            Operation.CLOSED_DAYS_MANAGE,
            None,
            None,
            "Only an owner or admin can add or remove closed days.",
            A,
        ),
    ],
)
def test_denials_name_the_role_needed(
    actor: Role | None, op: Operation, target: Role | None, new: Role | None, reason: str, needed: Role
) -> None:
    decision = check(actor, op, target_role=target, new_role=new)
    assert (decision.allowed, decision.reason, decision.required_role) == (False, reason, needed)


RANKED = [S, A, OW]


@given(st.sampled_from(list(Operation)), st.sampled_from(ROLES_OR_NONE), st.sampled_from(ROLES_OR_NONE))
def test_a_higher_role_may_do_whatever_a_lower_one_may(
    op: Operation, target: Role | None, new: Role | None
) -> None:
    allowed = [check(role, op, target_role=target, new_role=new).allowed for role in RANKED]
    assert allowed == sorted(allowed)  # False..False, True..True


@dataclass(frozen=True)
class M:
    id: int
    role: Role
    is_active: bool = True


def test_last_owner_cannot_be_removed_deactivated_or_demoted() -> None:
    team = [M(1, OW), M(2, A), M(3, S), M(4, OW, is_active=False)]
    assert "remove the last active owner" in (last_owner_guard(team, 1, deleting=True) or "")
    assert "deactivate the last active owner" in (last_owner_guard(team, 1, new_active=False) or "")
    assert "change the role of the last active owner" in (last_owner_guard(team, 1, new_role=A) or "")
    # changes that keep the owner an active owner, or touch someone else, pass
    assert last_owner_guard(team, 1, new_role=OW, new_active=True) is None
    assert last_owner_guard(team, 1) is None
    assert last_owner_guard(team, 2, deleting=True) is None
    assert last_owner_guard(team, 4, deleting=True) is None  # an inactive owner is not the last one
    assert last_owner_guard(team, 99, deleting=True) is None


def test_an_owner_may_go_when_another_active_owner_stays() -> None:
    team = [M(1, OW), M(2, OW), M(3, S)]
    assert last_owner_guard(team, 1, deleting=True) is None
    assert last_owner_guard(team, 2, new_role=S) is None
    assert last_owner_guard([M(1, OW), M(2, OW, is_active=False)], 1, new_active=False) is not None
