"""Team use cases against the emulator: the last owner, finding members, input errors, API
errors passing through (audited 'failed'), and what a removal takes with it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rosterbot.api.errors import NotFound, RateLimited, Unavailable
from rosterbot.api.models import MemberInput, TeamMember
from rosterbot.domain.roles import Role
from rosterbot.services.errors import InvalidRequest, LastOwner, PermissionDenied
from rosterbot.store import audit, links
from rosterbot.store import positions as assignments

from .emulated import TEAM, World

OLIVIA = 1  # the demo business's only owner


def olivia_as(role: Role, *, active: bool = True) -> MemberInput:
    return MemberInput(
        role=role, first_name="Olivia", last_name="Owens", email="olivia@demo-salon.example", is_active=active
    )


@pytest.mark.parametrize(
    ("attempt", "words"),
    [
        ("delete", "remove the last active owner"),
        ("deactivate", "deactivate the last active owner"),
        ("demote", "change the role of the last active owner"),
        ("edit-inactive", "deactivate the last active owner"),
    ],
)
def test_the_last_owner_stays(world: World, session: Session, attempt: str, words: str) -> None:
    owner = world.actor("U0OWNER01")
    team = world.services.team
    world.emulator.clear_requests()
    with pytest.raises(LastOwner) as refused:
        if attempt == "delete":
            team.delete(owner, OLIVIA)
        elif attempt == "deactivate":
            team.deactivate(owner, OLIVIA)
        elif attempt == "demote":
            team.edit(owner, OLIVIA, olivia_as(Role.ADMIN))
        else:
            team.edit(owner, OLIVIA, olivia_as(Role.OWNER, active=False))
    assert words in refused.value.message
    assert world.emulator.writes() == []
    olivia = world.emulator.member(OLIVIA)
    assert olivia is not None and olivia.role == "owner" and olivia.is_active
    [row] = audit.entries(session)
    assert (row.outcome, row.detail) == ("denied", refused.value.message)


def test_an_owner_may_step_down_once_there_is_another(world: World) -> None:
    owner = world.actor("U0OWNER01")
    team = world.services.team
    aaron = team.edit(
        owner,
        2,
        MemberInput(role=Role.OWNER, first_name="Aaron", last_name="Adams", email="aaron@demo-salon.example"),
    )
    assert aaron.role is Role.OWNER and world.emulator.member(2).role == "owner"  # type: ignore[union-attr]
    team.edit(owner, OLIVIA, olivia_as(Role.ADMIN))
    assert world.emulator.member(OLIVIA).role == "admin"  # type: ignore[union-attr]
    # Olivia is an admin now, at her very next write.
    with pytest.raises(PermissionDenied) as denied:
        team.delete(owner, 2)
    assert denied.value.required_role is Role.OWNER
    with pytest.raises(LastOwner):
        team.deactivate(world.actor("U0ADMIN01"), 2)


def test_find_by_id_email_or_name(world: World) -> None:
    staff = world.actor("U0STAFF01")
    find = world.services.team.find
    assert [m.id for m in find(staff, "#4")] == [4]
    assert [m.id for m in find(staff, "7")] == [7]
    assert [m.id for m in find(staff, "TARA@demo-salon.example")] == [5]
    assert [m.name for m in find(staff, "sa")] == ["Sam Stone", "Umar Sato"]  # ambiguous: a choice
    assert [m.name for m in find(staff, "sam stone")] == ["Sam Stone"]
    assert find(staff, "nobody") == [] and find(staff, "  ") == []
    world.emulator.add_member("staff", "Sam", "Stone", "sam2@demo-salon.example", is_active=False)
    assert len(find(staff, "Sam Stone")) == 2
    assert len(find(staff, "Sam Stone", include_inactive=False)) == 1


def test_list_active_inactive_and_show_with_position(world: World, session: Session) -> None:
    staff = world.actor("U0STAFF01")
    team = world.services.team
    world.emulator.replace_member(9, {"is_active": False})
    active = team.list(staff)
    assert 9 not in [m.id for m in active] and len(active) == 8
    assert [m.id for m in team.list(staff, only_inactive=True)] == [10, 9]  # Ines, Xena, by name
    assert len(team.list(staff, include_inactive=True)) == 10

    team.assign_position(world.actor("U0ADMIN01"), 4, 2)
    details = team.show(staff, 4)
    assert details.member.name == "Sam Stone" and details.position is not None
    assert details.position.title == "Stylist"
    assert assignments.position_of(session, 4) == 2
    world.services.team.assign_position(world.actor("U0ADMIN01"), 4, None)
    assert team.show(staff, 4).position is None


def test_bad_input_names_the_fields_and_writes_nothing(world: World) -> None:
    admin = world.actor("U0ADMIN01")
    world.emulator.clear_requests()
    with pytest.raises(InvalidRequest) as invalid:
        world.services.team.create(
            admin, MemberInput(role=Role.STAFF, first_name=" ", last_name="New", email="not-an-email")
        )
    assert set(invalid.value.field_errors) == {"first_name", "email"}
    assert world.emulator.writes() == []


def test_create_trims_and_returns_the_new_member(world: World) -> None:
    created = world.services.team.create(
        world.actor("U0ADMIN01"),
        MemberInput(role=Role.ADMIN, first_name=" Nina ", last_name="New ", email=" nina@demo-salon.example"),
    )
    stored = world.emulator.member(created.id)
    assert stored is not None and (stored.first_name, stored.last_name, stored.email, stored.role) == (
        "Nina",
        "New",
        "nina@demo-salon.example",
        "admin",
    )
    [write] = world.emulator.writes()
    assert write.json["first_name"] == "Nina" and write.json["role"] == "admin"


def test_api_errors_pass_through_and_are_audited_failed(world: World, session: Session) -> None:
    admin = world.actor("U0ADMIN01")
    # The role re-read and the team read before the create pass; the POST fails (nothing made).
    world.emulator.set_faults(fault_status=500, fault_every=3)
    with pytest.raises(Unavailable) as failed:
        world.services.team.create(admin, MemberInput(role=Role.STAFF, first_name="Nina", last_name="New"))
    assert failed.value.user_message
    world.emulator.set_faults()
    assert [m for m in world.emulator.members() if m.first_name == "Nina"] == []
    assert [(w.method, w.status) for w in world.emulator.writes()] == [("POST", 500)]
    [row] = audit.entries(session)
    assert row.outcome == "failed" and "Unavailable" in row.detail

    with pytest.raises(NotFound):
        world.services.team.deactivate(admin, 999)


def test_already_inactive_or_active(world: World) -> None:
    admin = world.actor("U0ADMIN01")
    world.services.team.deactivate(admin, 5)
    assert world.emulator.member(5).is_active is False  # type: ignore[union-attr]
    with pytest.raises(InvalidRequest, match="Tara Singh is already inactive"):
        world.services.team.deactivate(admin, 5)
    world.services.team.reactivate(admin, 5)
    assert world.emulator.member(5).is_active is True  # type: ignore[union-attr]
    with pytest.raises(InvalidRequest, match="already active"):
        world.services.team.reactivate(admin, 5)


def test_delete_takes_links_and_position_with_it(world: World, session: Session) -> None:
    assert world.actor("U0STAFF03").member_id == 6  # linked by e-mail
    admin = world.actor("U0ADMIN01")
    world.services.team.assign_position(admin, 6, 2)
    removed = world.services.team.delete(admin, 6)
    assert removed.name == "Umar Sato" and world.emulator.member(6) is None
    assert links.get_link(session, TEAM, "U0STAFF03") is None
    assert assignments.position_of(session, 6) is None
    assert not world.actor("U0STAFF03").is_linked


def test_audit_rows_say_who_did_what_to_whom(world: World, session: Session) -> None:
    admin = world.actor("U0ADMIN01")
    staff = world.actor("U0STAFF01")
    world.services.team.deactivate(admin, 7)
    with pytest.raises(PermissionDenied):
        world.services.team.reactivate(staff, 7)
    denied, allowed = audit.entries(session)
    assert (allowed.slack_user_id, allowed.actor_member_id, allowed.actor_role) == ("U0ADMIN01", 2, "admin")
    assert (allowed.operation, allowed.outcome, allowed.target) == (
        "member.deactivate",
        "allowed",
        "member:7 Vera Silva (staff)",
    )
    assert (denied.slack_user_id, denied.operation, denied.outcome) == (
        "U0STAFF01",
        "member.reactivate",
        "denied",
    )
    assert denied.detail == "Only an owner or admin can reactivate team members."
    assert denied.slack_team_id == TEAM


def answer_lost(world: World, monkeypatch: pytest.MonkeyPatch, *, reach_the_api: bool) -> None:
    """The next member create goes to the emulator over HTTP (`reach_the_api`), or not, and then
    fails as a timed-out or unreadable answer does: `Unavailable`."""
    create = world.api.create_member

    def lost(member: MemberInput) -> TeamMember:
        if reach_the_api:
            create(member)
        raise Unavailable("the answer did not come in time")

    monkeypatch.setattr(world.api, "create_member", lost)


@pytest.mark.parametrize("email", ["nina@demo-salon.example", None])
def test_a_create_whose_answer_was_lost_but_was_made_is_reported_made_once(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch, email: str | None
) -> None:
    """It told the user 'not answering, try again', and the retry made a second Nina."""
    admin = world.actor("U0ADMIN01")
    answer_lost(world, monkeypatch, reach_the_api=True)

    created = world.services.team.create(
        admin, MemberInput(role=Role.STAFF, first_name="Nina", last_name="New", email=email)
    )

    ninas = [m for m in world.emulator.members() if m.first_name == "Nina"]
    assert [m.id for m in ninas] == [created.id] and created.name == "Nina New"
    assert [w.method for w in world.emulator.writes()] == ["POST"]
    [row] = audit.entries(session)
    assert row.outcome == "allowed" and "Nina New" in row.target


def test_a_create_whose_answer_was_lost_and_was_not_made_is_unavailable_despite_a_namesake(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sam Stone is already on the team: a Sam Stone (no e-mail) whose POST was lost is not him."""
    admin = world.actor("U0ADMIN01")
    answer_lost(world, monkeypatch, reach_the_api=False)

    with pytest.raises(Unavailable):
        world.services.team.create(admin, MemberInput(role=Role.STAFF, first_name="Sam", last_name="Stone"))

    assert len([m for m in world.emulator.members() if (m.first_name, m.last_name) == ("Sam", "Stone")]) == 1
    [row] = audit.entries(session)
    assert row.outcome == "failed"


def test_a_create_refused_as_busy_is_not_looked_for(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 made nothing: it goes on up as it is, without another read of the team."""
    admin = world.actor("U0ADMIN01")
    world.emulator.clear_requests()

    def busy(member: MemberInput) -> TeamMember:
        raise RateLimited("slow down")

    monkeypatch.setattr(world.api, "create_member", busy)
    with pytest.raises(RateLimited):
        world.services.team.create(admin, MemberInput(role=Role.STAFF, first_name="Nina", last_name="New"))
    assert [r.path for r in world.emulator.requests if r.path.endswith("/team")] == ["/api/v1/merchant/team"]


@pytest.mark.parametrize("text", ["\u00b2", "4" * 5000, "#" + "9" * 19])
def test_find_by_digits_no_id_has_is_no_match(world: World, text: str) -> None:
    """A "²" passed str.isdigit() and int() refused it; 5000 digits are past int()'s limit."""
    assert world.services.team.find(world.actor("U0STAFF01"), text) == []
