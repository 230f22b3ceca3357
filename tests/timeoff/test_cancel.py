"""Cancelling: pending or approved-not-started, with the blocked time removed in whatever order the
worker and the cancellation meet."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from rosterbot.api.models import BlockedTime, BlockedTimeInput
from rosterbot.domain.roles import Role
from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.services.errors import InvalidRequest, PermissionDenied
from rosterbot.store import outbox as outbox_store

from .conftest import ADMIN, OWNER, SAM, TARA, World


def test_staff_cancel_their_own_pending_request(world: World) -> None:
    view = world.ask(SAM)
    world.drain()
    result = world.timeoff.cancel(world.actor(SAM), view.id)
    assert result.cancelled and result.request.status == "cancelled"
    assert "Cancelled Sam Stone's time off" in result.message
    world.drain()
    [edit] = world.notifier.of("approval_changed")
    assert edit.args["request"].status == "cancelled"
    [told] = world.notifier.of("request_cancelled")
    assert told.args["team_post"] is None and told.args["cancelled_by_slack_user_id"] == SAM
    assert world.emulator.writes() == []
    # Nothing left to decide, nothing to cancel twice.
    late = world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    assert not late.recorded and late.message == "This request was cancelled, so there is nothing to decide."
    again = world.timeoff.cancel(world.actor(SAM), view.id)
    assert not again.cancelled and again.message == "This request was already cancelled."


def test_staff_cannot_cancel_someone_elses_request_nor_their_own_approved_one(world: World) -> None:
    view = world.ask(SAM)
    with pytest.raises(PermissionDenied):
        world.timeoff.cancel(world.actor(TARA), view.id)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    with pytest.raises(PermissionDenied) as caught:
        world.timeoff.cancel(world.actor(SAM), view.id)
    assert caught.value.required_role is Role.ADMIN
    assert "already approved" in caught.value.message
    assert world.timeoff.view(view.id).status == "approved"


def test_cancelling_an_approved_request_removes_its_blocked_time(world: World) -> None:
    view = world.ask(SAM)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    world.drain()
    [block] = world.blocks_for(SAM)

    result = world.timeoff.cancel(world.actor(OWNER), view.id)
    assert result.cancelled
    [delete] = world.items(kind=outbox_store.DELETE_BLOCKED_TIME)
    assert delete.payload == {"block_id": block.id}
    world.drain()
    assert world.blocks_for(SAM) == []
    assert [w.path for w in world.block_writes("DELETE")] == [f"/api/v1/merchant/blocked-times/{block.id}"]
    assert world.timeoff.view(view.id).blocked_time_id is None
    [told] = world.notifier.of("request_cancelled")
    assert told.args["team_post"].channel == TEAM_CHANNEL_ID and told.args["team_post"].ts
    assert told.args["cancelled_by_slack_user_id"] == OWNER


def test_cancelled_before_the_worker_ran_no_block_is_ever_made(world: World) -> None:
    view = world.ask(SAM)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    world.timeoff.cancel(world.actor(ADMIN), view.id)
    [create] = world.items(kind=outbox_store.CREATE_BLOCKED_TIME)
    assert create.status == "cancelled"
    world.drain()
    assert world.block_writes("POST") == [] and world.blocks_for(SAM) == []
    assert world.notifier.of("block_created") == []
    assert all(i.status in ("done", "cancelled") for i in world.items())


def test_cancelled_while_the_block_is_being_made_the_block_goes_again(world: World) -> None:
    view = world.ask(SAM)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    real_create = world.api.create_blocked_time

    def create_then_cancel(block: BlockedTimeInput) -> BlockedTime:
        made = real_create(block)
        # An approver cancels just after the API made the block, before the worker records it.
        world.timeoff.cancel(world.actor(OWNER), view.id)
        return made

    world.outbox._api = _Patched(world.api, create_blocked_time=create_then_cancel)
    world.drain()

    assert world.blocks_for(SAM) == []
    assert len(world.block_writes("POST")) == 1
    # Both the cancellation's delete (finding the block by its marker) and the creating worker's
    # own clean-up try; one removes it, the other finds it gone.
    assert sorted(w.status for w in world.block_writes("DELETE")) == [200, 404]
    assert world.timeoff.view(view.id).status == "cancelled"
    assert world.notifier.of("block_created") == []
    assert all(i.status in ("done", "cancelled") for i in world.items())


def test_a_block_orphaned_by_a_dead_worker_is_removed_when_the_request_is_cancelled(world: World) -> None:
    view = world.ask(SAM)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    # A worker made the block and died before recording it; then the request was cancelled.
    start, end = view.starts_at, view.ends_at
    world.api.create_blocked_time(
        BlockedTimeInput(
            name=view.block_name, from_date=start, to_date=end, all_day=True, employee_ids=[view.member_id]
        )
    )
    world.timeoff.cancel(world.actor(ADMIN), view.id)
    world.drain()
    assert world.blocks_for(SAM) == []


def test_time_off_that_has_started_cannot_be_cancelled(world: World) -> None:
    view = world.ask(SAM, days_ahead=1, length=3)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    world.drain()
    world.clock.now = view.starts_at.astimezone(world.clock.now.tzinfo) + timedelta(hours=1)
    with pytest.raises(InvalidRequest) as caught:
        world.timeoff.cancel(world.actor(ADMIN), view.id)
    assert caught.value.message == "This time off has already started, so it can't be cancelled."
    assert world.timeoff.view(view.id).status == "approved"
    assert len(world.blocks_for(SAM)) == 1


class _Patched:
    """The API client with some methods replaced."""

    def __init__(self, api: Any, **methods: Any) -> None:
        self._api = api
        self._methods = methods

    def __getattr__(self, name: str) -> Any:
        return self._methods.get(name) or getattr(self._api, name)
