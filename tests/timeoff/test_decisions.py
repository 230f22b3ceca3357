"""Deciding: once, in one transaction, with the blocked time queued in that same transaction."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from rosterbot.domain.roles import Role
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.services.errors import InvalidRequest, PermissionDenied
from rosterbot.services.notify import PostRef
from rosterbot.services.timeoff_views import DecisionResult
from rosterbot.store import outbox as outbox_store

from .conftest import ADMIN, ADMIN2, MEMBER_IDS, OWNER, SAM, World


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def test_an_approval_becomes_one_blocked_time_and_everyone_is_told(world: World) -> None:
    view = world.ask(SAM, days_ahead=10, length=2)
    world.drain()  # the approval post
    result = world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)

    assert result.recorded and result.request.status == "approved"
    assert result.request.decided_by_name == "Aaron Adams"
    assert "Approved Sam Stone's time off" in result.message
    assert [i.kind for i in world.items(status="pending")] == [
        outbox_store.CREATE_BLOCKED_TIME,
        outbox_store.UPDATE_APPROVAL,
    ]
    assert world.blocks_for(SAM) == []  # the worker makes it, not the click

    world.drain()
    [block] = world.blocks_for(SAM)
    assert block.name == f"Time off (rosterbot #{view.id})"
    assert block.all_day is True
    start, end = view.starts_at, view.ends_at
    assert (start.hour, end.hour, end.minute) == (0, 23, 59)  # local midnight to 23:59:59
    assert block.from_date == _naive_utc(start)  # the emulator keeps naive UTC
    assert block.to_date == _naive_utc(end)
    [post] = world.block_writes("POST")
    assert post.json["employee_ids"] == [MEMBER_IDS[SAM]]

    stored = world.timeoff.view(view.id)
    assert stored.blocked_time_id == block.id
    [told] = world.notifier.of("decision_made")
    assert told.args["decided_by_name"] == "Aaron Adams" and told.args["request"].blocked_time_id == block.id
    [announced] = world.notifier.of("block_created")
    assert announced.args["channel"] == TEAM_CHANNEL_ID
    edits = world.notifier.of("approval_changed")
    assert edits and all(e.args["message"].channel == APPROVALS_CHANNEL_ID for e in edits)
    assert edits[-1].args["request"].status == "approved"
    first_ts = world.notifier.of("approval_requested")[0]
    assert isinstance(edits[-1].args["message"], PostRef) and edits[-1].args["message"].ts
    assert first_ts.args["channel"] == APPROVALS_CHANNEL_ID
    assert all(i.status == "done" for i in world.items())


def test_a_denial_needs_a_reason_and_makes_no_block(world: World) -> None:
    view = world.ask(SAM)
    with pytest.raises(InvalidRequest) as caught:
        world.timeoff.decide(world.actor(ADMIN), view.id, approve=False, note="  ")
    assert set(caught.value.field_errors) == {"note"}
    assert world.timeoff.view(view.id).status == "pending"

    result = world.timeoff.decide(world.actor(ADMIN), view.id, approve=False, note="Short-staffed that week")
    assert result.recorded and result.request.status == "denied"
    assert result.request.decision_note == "Short-staffed that week"
    world.drain()
    [told] = world.notifier.of("decision_made")
    assert told.args["request"].decision_note == "Short-staffed that week"
    assert world.emulator.writes() == []


def test_nobody_but_an_owner_decides_their_own_request(world: World) -> None:
    own = world.ask(ADMIN)
    with pytest.raises(PermissionDenied) as caught:
        world.timeoff.decide(world.actor(ADMIN), own.id, approve=True)
    assert caught.value.required_role is Role.OWNER
    assert world.timeoff.view(own.id).status == "pending"
    assert world.items(kind=outbox_store.CREATE_BLOCKED_TIME) == []

    owners = world.ask(OWNER)
    assert world.timeoff.decide(world.actor(OWNER), owners.id, approve=True).recorded


def test_staff_cannot_decide(world: World) -> None:
    view = world.ask(ADMIN)
    with pytest.raises(PermissionDenied) as caught:
        world.timeoff.decide(world.actor(SAM), view.id, approve=True)
    assert caught.value.required_role is Role.ADMIN
    assert world.timeoff.view(view.id).status == "pending"


def test_the_second_approver_is_told_who_decided_and_when(world: World) -> None:
    view = world.ask(SAM)
    first = world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    world.clock.advance(minutes=3)
    second = world.timeoff.decide(world.actor(ADMIN2), view.id, approve=False, note="No")

    assert first.recorded and not second.recorded
    at = first.request.decided_at
    assert at is not None
    local = at.astimezone(world.zone).strftime("%H:%M")
    assert second.message == f"Aaron Adams already approved this at {local}."
    assert second.request.status == "approved" and second.request.decided_by_slack_user_id == ADMIN
    assert len(world.items(kind=outbox_store.CREATE_BLOCKED_TIME)) == 1
    assert world.items(kind=outbox_store.NOTIFY_DECISION) == []


def test_eight_approvers_at_once_make_one_decision_and_one_blocked_time(world: World) -> None:
    view = world.ask(SAM)
    approvers = [OWNER, ADMIN, ADMIN2] * 3
    barrier = threading.Barrier(8)
    results: list[DecisionResult] = []
    errors: list[BaseException] = []

    def click(slack_user: str) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(world.timeoff.decide(world.actor(slack_user), view.id, approve=True))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=click, args=(approvers[n],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 8
    winners = [r for r in results if r.recorded]
    assert len(winners) == 1
    winner_name = winners[0].request.decided_by_name
    assert all(
        r.message.startswith(f"{winner_name} already approved this") for r in results if not r.recorded
    )
    assert len(world.items(kind=outbox_store.CREATE_BLOCKED_TIME)) == 1

    world.drain()
    assert len(world.blocks_for(SAM)) == 1
    assert len(world.block_writes("POST")) == 1
