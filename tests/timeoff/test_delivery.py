"""The worker: blocked times made once whatever fails — the API down, a worker killed mid-delivery,
two workers at once — and every failure retried, then reported."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID
from rosterbot.services import outbox as outbox_service
from rosterbot.services.outbox import RetryPolicy
from rosterbot.store import outbox as outbox_store
from rosterbot.store.db import session_scope

from .conftest import ADMIN, OWNER, POLICY, SAM, TARA, UMAR, VERA, World


class Killed(BaseException):
    """The worker process dying: not an error it could handle."""


def _approved(world: World, slack_user: str, days_ahead: int = 10) -> int:
    view = world.ask(slack_user, days_ahead=days_ahead)
    world.timeoff.decide(world.actor(OWNER), view.id, approve=True)
    return view.id


def test_with_the_api_down_the_request_stays_approved_and_the_worker_finishes_later(world: World) -> None:
    request_id = _approved(world, SAM)
    world.emulator.down(True)
    world.drain()
    [create] = world.items(kind=outbox_store.CREATE_BLOCKED_TIME)
    assert (create.status, create.attempts) == ("pending", 1)
    assert create.last_error and "Unavailable" in create.last_error
    assert world.timeoff.view(request_id).status == "approved"
    assert world.notifier.of("block_created") == []
    # Slack does not wait for the API: the approval post went out, showing the request approved.
    [posted] = world.notifier.of("approval_requested")
    assert posted.args["request"].status == "approved"
    assert world.drain() == 0  # backing off: not due yet

    world.emulator.down(False)
    world.clock.advance(seconds=POLICY.max_seconds)
    world.drain()
    [block] = world.blocks_for(SAM)
    assert world.timeoff.view(request_id).blocked_time_id == block.id
    [create] = world.items(kind=outbox_store.CREATE_BLOCKED_TIME)
    assert (create.status, create.attempts) == ("done", 2)
    assert len(world.notifier.of("block_created")) == 1


def test_a_worker_killed_between_the_api_call_and_the_commit_leaves_one_blocked_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = _approved(world, SAM)
    dying = world.new_delivery()

    def die(*args: object, **kwargs: object) -> bool:
        raise Killed()

    monkeypatch.setattr(outbox_service.requests, "set_blocked_time", die)
    with pytest.raises(Killed):
        world.drain(dying)
    monkeypatch.undo()
    # The API has the block; rosterbot has not recorded it.
    [made] = world.blocks_for(SAM)
    assert world.timeoff.view(request_id).blocked_time_id is None
    [create] = world.items(kind=outbox_store.CREATE_BLOCKED_TIME)
    assert create.status == "pending"

    fresh = world.new_delivery()
    world.drain(fresh)  # still leased to the dead worker: nothing happens yet
    assert world.timeoff.view(request_id).blocked_time_id is None
    world.clock.advance(seconds=POLICY.lease_seconds + 1)
    world.drain(fresh)

    assert [b.id for b in world.blocks_for(SAM)] == [made.id]
    assert len(world.block_writes("POST")) == 1
    assert world.timeoff.view(request_id).blocked_time_id == made.id
    [create] = world.items(kind=outbox_store.CREATE_BLOCKED_TIME)
    assert (create.status, create.attempts) == ("done", 2)
    assert len(world.notifier.of("block_created")) == 1


def test_two_workers_deliver_everything_once(world: World) -> None:
    ids = [
        _approved(world, member, days_ahead=n) for n, member in enumerate([SAM, TARA, UMAR, VERA], start=5)
    ]
    workers = [world.new_delivery(), world.new_delivery()]
    taken: list[list[int]] = [[], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            while (count := workers[n].deliver_due(1)) > 0:
                taken[n].append(count)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    items = world.items()
    assert items and all((i.status, i.attempts) == ("done", 1) for i in items)
    assert sum(map(len, taken)) == len(items)  # each item taken by exactly one worker
    assert len(world.block_writes("POST")) == 4
    for member in (SAM, TARA, UMAR, VERA):
        assert len(world.blocks_for(member)) == 1
    assert sorted(c.args["request"].id for c in world.notifier.of("block_created")) == sorted(ids)
    assert len(world.notifier.of("approval_requested")) == 4


def test_a_slack_failure_is_retried_not_lost(world: World) -> None:
    view = world.ask(SAM)
    world.notifier.fail_methods.add("approval_requested")
    world.notifier.fail_times = 1
    world.drain()
    [item] = world.items()
    assert (item.status, item.attempts) == ("pending", 1)
    assert item.last_error and "Slack is not answering" in item.last_error
    assert world.notifier.of("approval_requested") == []

    world.clock.advance(seconds=POLICY.max_seconds)
    world.drain()
    [call] = world.notifier.of("approval_requested")
    assert call.args["request"].id == view.id
    assert world.items()[0].status == "done"


def test_after_the_last_attempt_the_item_fails_and_the_approvers_are_told(world: World) -> None:
    request_id = _approved(world, SAM)
    world.emulator.down(True)
    for _ in range(POLICY.max_attempts):
        world.drain()
        world.clock.advance(seconds=POLICY.max_seconds)
    [create] = world.items(kind=outbox_store.CREATE_BLOCKED_TIME)
    assert (create.status, create.attempts) == ("failed", POLICY.max_attempts)
    world.drain()
    [told] = world.notifier.of("delivery_failed")
    assert told.args["channel"] == APPROVALS_CHANNEL_ID
    assert told.args["request"].id == request_id
    assert f"could not be added to the calendar for request #{request_id}" in told.args["what"]
    assert world.blocks_for(SAM) == []
    assert world.timeoff.view(request_id).status == "approved"


def test_backoff_doubles_with_jitter_up_to_a_ceiling() -> None:
    policy = RetryPolicy(base_seconds=10, max_seconds=60)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delays = [policy.delay(attempt, rng) for _ in range(50)]
        assert all(timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_a_lapsed_claim_cannot_record_its_outcome(world: World) -> None:
    world.ask(SAM)
    now = world.clock.now
    with session_scope(world.sessions) as session:
        [first] = outbox_store.claim_due(session, now=now, lease_until=now + timedelta(seconds=5), limit=5)
    with session_scope(world.sessions) as session:
        assert outbox_store.claim_due(session, now=now, lease_until=now + timedelta(seconds=5), limit=5) == []
    later = now + timedelta(seconds=6)
    with session_scope(world.sessions) as session:
        [second] = outbox_store.claim_due(
            session, now=later, lease_until=later + timedelta(seconds=5), limit=5
        )
    assert (first.id, first.attempt, second.attempt) == (second.id, 1, 2)
    with session_scope(world.sessions) as session:
        assert outbox_store.complete(session, first, at=later) is False
        assert outbox_store.complete(session, second, at=later) is True
    assert world.items()[0].status == "done"


def test_the_admin_who_approved_is_not_needed_for_the_worker(world: World) -> None:
    # The worker acts for rosterbot: an approver demoted after approving changes nothing.
    view = world.ask(SAM)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    world.emulator.set_member_role(2, "staff")
    world.drain()
    assert len(world.blocks_for(SAM)) == 1
