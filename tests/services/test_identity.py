"""Identity: auto-link by e-mail (case-insensitive), inactive = unlinked, a role cached for reads
at most 60 s, a role changed in the API taking effect at the next write, links by hand."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session

from rosterbot.api.models import MemberInput
from rosterbot.domain.roles import Role
from rosterbot.emulators.demo import DEMO_TEAM, UNLINKED_SLACK_USER
from rosterbot.services.errors import NotFoundError, NotLinked, PermissionDenied
from rosterbot.store import audit, links

from .emulated import TEAM, World

GUEST = UNLINKED_SLACK_USER[0]


def member_reads(world: World, member_id: int) -> int:
    return sum(
        1
        for r in world.emulator.requests
        if r.method == "GET" and r.path == f"/api/v1/merchant/team/{member_id}"
    )


def test_auto_link_by_email_ignores_case_and_is_stored(world: World, session: Session) -> None:
    world.emails["U0ADMIN01"] = "  AARON@Demo-Salon.EXAMPLE "
    actor = world.actor("U0ADMIN01")
    assert (actor.member_id, actor.role, actor.name) == (2, Role.ADMIN, "Aaron Adams")
    link = links.get_link(session, TEAM, "U0ADMIN01")
    assert link is not None and (link.member_id, link.linked_by) == (2, "email")

    # Next time the stored link answers: Slack is not asked for the e-mail again.
    world.emails.pop("U0ADMIN01")
    assert world.actor("U0ADMIN01").member_id == 2


def test_unknown_email_or_no_email_stays_unlinked(world: World, session: Session) -> None:
    guest = world.actor(GUEST)
    assert not guest.is_linked and guest.role is None
    assert world.actor("U0NOBODY").member_id is None  # Slack gave no e-mail at all
    assert links.links_in(session, TEAM) == []
    with pytest.raises(NotLinked) as refused:
        world.services.team.list(guest)
    assert "link" in refused.value.message


def test_inactive_member_is_unlinked_even_with_a_stored_link(world: World) -> None:
    sam = world.actor("U0STAFF01")
    assert sam.role is Role.STAFF
    world.emulator.replace_member(4, {"is_active": False})
    world.clock.now += 61  # past the read cache
    again = world.actor("U0STAFF01")
    assert not again.is_linked and again.name == "Sam Stone"
    with pytest.raises(NotLinked):
        world.services.team.list(again)
    with pytest.raises(NotLinked):
        world.services.positions.list(again)


def test_a_deleted_member_leaves_the_user_unlinked(world: World) -> None:
    assert world.actor("U0STAFF02").member_id == 5
    world.emulator.delete_member(5)
    world.clock.now += 61
    assert not world.actor("U0STAFF02").is_linked


def test_reads_use_a_role_at_most_60_seconds_old(world: World) -> None:
    assert world.actor("U0ADMIN01").role is Role.ADMIN
    world.emulator.set_member_role(2, "staff")
    reads_before = member_reads(world, 2)

    world.clock.now += 59.9
    assert world.actor("U0ADMIN01").role is Role.ADMIN  # cached: no call to the API
    assert member_reads(world, 2) == reads_before

    world.clock.now += 0.1  # 60 s: stale
    assert world.actor("U0ADMIN01").role is Role.STAFF
    assert member_reads(world, 2) == reads_before + 1


def test_a_demotion_in_the_api_takes_effect_at_the_next_write(world: World, session: Session) -> None:
    aaron = world.actor("U0ADMIN01")
    assert aaron.role is Role.ADMIN
    world.emulator.set_member_role(2, "staff")  # in the business system, not through rosterbot
    world.emulator.clear_requests()

    with pytest.raises(PermissionDenied) as denied:
        world.services.team.create(aaron, MemberInput(role=Role.STAFF, first_name="Nina", last_name="New"))
    assert denied.value.required_role is Role.ADMIN
    assert world.emulator.writes() == []
    [row] = audit.entries(session)
    assert (row.outcome, row.actor_role) == ("denied", "staff")


def test_a_promotion_in_the_api_takes_effect_at_the_next_write(world: World) -> None:
    sam = world.actor("U0STAFF01")
    assert sam.role is Role.STAFF
    world.emulator.set_member_role(4, "admin")
    created = world.services.team.create(
        sam, MemberInput(role=Role.STAFF, first_name="Nina", last_name="New")
    )
    assert world.emulator.member(created.id) is not None


def test_link_by_hand(world: World, session: Session) -> None:
    admin = world.actor("U0ADMIN01")
    member = world.services.identity.link(admin, TEAM, GUEST, 6)
    assert member.name == "Umar Sato"
    link = links.get_link(session, TEAM, GUEST)
    assert link is not None and (link.member_id, link.linked_by) == (6, "U0ADMIN01")
    assert world.actor(GUEST).role is Role.STAFF
    assert [(r.operation, r.outcome) for r in audit.entries(session, slack_user_id="U0ADMIN01")] == [
        ("link_user", "allowed")
    ]

    # An admin may not hand anyone the owner's powers; an owner may.
    with pytest.raises(PermissionDenied) as denied:
        world.services.identity.link(admin, TEAM, GUEST, 1)
    assert denied.value.required_role is Role.OWNER
    assert links.get_link(session, TEAM, GUEST).member_id == 6  # type: ignore[union-attr]
    world.services.identity.link(world.actor("U0OWNER01"), TEAM, GUEST, 1)
    world.clock.now += 61
    assert world.actor(GUEST).role is Role.OWNER

    with pytest.raises(NotFoundError):
        world.services.identity.link(admin, TEAM, "U0OTHER", 999)


def test_staff_cannot_link_and_unlink_needs_the_same_rights(world: World, session: Session) -> None:
    with pytest.raises(PermissionDenied):
        world.services.identity.link(world.actor("U0STAFF01"), TEAM, GUEST, 6)
    assert links.get_link(session, TEAM, GUEST) is None

    admin = world.actor("U0ADMIN01")
    world.services.identity.link(admin, TEAM, GUEST, 6)
    with pytest.raises(PermissionDenied):
        world.services.identity.unlink(world.actor("U0STAFF01"), TEAM, GUEST)
    assert world.services.identity.unlink(admin, TEAM, GUEST) is True
    assert world.services.identity.unlink(admin, TEAM, GUEST) is False
    assert links.get_link(session, TEAM, GUEST) is None


def team_reads(world: World) -> int:
    return sum(1 for r in world.emulator.requests if r.method == "GET" and r.path == "/api/v1/merchant/team")


def test_people_resolved_at_once_share_one_read_of_the_team(world: World) -> None:
    # Nine unlinked people open a form in the same second while the API takes 0.3 s a call:
    # one read of the team links them all (it used to be one read each, against 5 calls a second).
    world.emulator.set_faults(latency=0.3)
    people = [person.slack_user_id for person in DEMO_TEAM]
    with ThreadPoolExecutor(len(people)) as pool:
        actors = list(pool.map(world.actor, people))

    assert [a.member_id for a in actors] == [world.member_id(p.email) for p in DEMO_TEAM]
    assert [a.role for a in actors] == [Role(p.role) for p in DEMO_TEAM]
    assert team_reads(world) == 1


def test_a_cached_role_read_is_shared_but_a_role_read_before_a_write_is_not(world: World) -> None:
    sam = world.actor("U0STAFF01")  # linked; role cached
    world.clock.now += 61  # the cached role is stale: the next reads ask the API
    world.emulator.set_faults(latency=0.3)
    before = member_reads(world, sam.member_id or 0)
    with ThreadPoolExecutor(6) as pool:
        readers = [pool.submit(world.actor, "U0STAFF01") for _ in range(3)]
        writers = [pool.submit(world.services.identity.actor_for_write, sam) for _ in range(3)]
        assert {f.result().role for f in readers + writers} == {Role.STAFF}

    assert member_reads(world, sam.member_id or 0) - before == 1 + 3  # one shared, three fresh
