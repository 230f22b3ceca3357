"""Position use cases against the emulator: find, create with the default location, edit keeping
locations, delete taking assignments with it, input errors."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rosterbot.api.models import PositionInput
from rosterbot.services.errors import InvalidRequest, PermissionDenied
from rosterbot.store import positions as assignments

from .emulated import World


def test_list_and_find(world: World) -> None:
    staff = world.actor("U0STAFF01")
    positions = world.services.positions
    assert [p.title for p in positions.list(staff)] == [
        "Colorist",
        "Receptionist",
        "Senior Stylist",
        "Stylist",
    ]
    assert [p.title for p in positions.find(staff, "stylist")] == ["Stylist"]  # exact beats partial
    assert [p.title for p in positions.find(staff, "styl")] == ["Senior Stylist", "Stylist"]
    assert [p.id for p in positions.find(staff, "#3")] == [3]
    assert positions.find(staff, "barber") == []


def test_create_edit_delete(world: World, session: Session) -> None:
    admin = world.actor("U0ADMIN01")
    positions = world.services.positions
    created = positions.create(admin, PositionInput(title="  Barber ", description="Beards"))
    record = world.emulator.position(created.id)
    assert record is not None and record.title == "Barber" and record.salon_ids == [1]  # the company

    edited = positions.edit(admin, created.id, PositionInput(title="Master Barber"))
    assert edited.title == "Master Barber" and edited.salon_ids == [1]
    assert world.emulator.position(created.id).title == "Master Barber"  # type: ignore[union-attr]

    world.services.team.assign_position(admin, 4, created.id)
    assert positions.show(admin, created.id).member_ids == [4]
    positions.delete(admin, created.id)
    assert world.emulator.position(created.id) is None
    assert assignments.assignments(session) == {}


def test_bad_titles_and_staff(world: World) -> None:
    admin = world.actor("U0ADMIN01")
    world.emulator.clear_requests()
    with pytest.raises(InvalidRequest) as invalid:
        world.services.positions.create(admin, PositionInput(title=" ", description="x" * 1001))
    assert set(invalid.value.field_errors) == {"title", "description"}
    with pytest.raises(InvalidRequest):
        world.services.positions.create(admin, PositionInput(title="x" * 101))
    with pytest.raises(PermissionDenied, match="Only an owner or admin can create positions."):
        world.services.positions.create(world.actor("U0STAFF01"), PositionInput(title="Barber"))
    assert world.emulator.writes() == []
