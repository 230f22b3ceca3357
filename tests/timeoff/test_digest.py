"""The daily digest (one a day however many workers run), reminders (once per period), the coverage
warning on a request, and the worker loop that drives them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

from rosterbot import worker
from rosterbot.domain.dates import format_day
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.services.digest import Digest, DigestService
from rosterbot.services.notify import PostRef
from rosterbot.store import outbox as outbox_store
from rosterbot.store import positions, workspace
from rosterbot.store.db import session_scope
from rosterbot.store.models import PostedMessage

from .conftest import ADMIN, MEMBER_IDS, OWNER, SAM, TARA, TEAM, UMAR, VERA, World

FRIDAY = 4
STYLIST = 2  # DEMO_POSITIONS order: Senior Stylist 1, Stylist 2, Colorist 3, Receptionist 4


def _at_local(world: World, day_offset: int, at: time) -> datetime:
    day = world.today() + timedelta(days=day_offset)
    return datetime.combine(day, at, tzinfo=world.zone).astimezone(UTC)


def _stylists(world: World, minimum: int) -> None:
    with session_scope(world.sessions) as session:
        for member in (UMAR, VERA):
            positions.assign(session, MEMBER_IDS[member], STYLIST, assigned_by=OWNER)
        workspace.save(session, TEAM, coverage_minimums={str(STYLIST): minimum})


def test_two_workers_post_one_digest_a_day(world: World) -> None:
    world.clock.now = _at_local(world, 1, time(8, 29))
    assert world.digests.enqueue_due_digests() == 0  # not yet

    world.clock.advance(minutes=1)  # 08:30, the default digest time
    second = DigestService(world.sessions, world.settings, world.availability, clock=world.clock)
    claimed: list[int] = []
    barrier = threading.Barrier(2)

    def run(service: DigestService) -> None:
        barrier.wait(timeout=10)
        claimed.append(service.enqueue_due_digests())

    threads = [threading.Thread(target=run, args=(s,)) for s in (world.digests, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(claimed) == [0, 1]

    drainers = [threading.Thread(target=world.drain, args=(d,)) for d in (world.outbox, world.new_delivery())]
    for thread in drainers:
        thread.start()
    for thread in drainers:
        thread.join(timeout=30)
    world.clock.advance(hours=1)
    assert world.digests.enqueue_due_digests() == 0 and second.enqueue_due_digests() == 0
    world.drain()

    [call] = world.notifier.of("digest")
    digest: Digest = call.args["digest"]
    assert call.args["channel"] == TEAM_CHANNEL_ID
    assert digest.day == world.today()
    assert digest.availability.member_count == 9
    with session_scope(world.sessions) as session:
        [posted] = session.query(PostedMessage).filter_by(kind="digest").all()
    assert (posted.ref, posted.channel) == (digest.day.isoformat(), TEAM_CHANNEL_ID) and posted.ts

    world.clock.now = _at_local(world, 1, time(8, 45))  # the next day: a new digest
    assert world.digests.enqueue_due_digests() == 1


def test_a_digest_missed_by_hours_is_not_sent_late(world: World) -> None:
    world.clock.now = _at_local(world, 1, time(19, 0))
    assert world.digests.enqueue_due_digests() == 0


def _days_to_friday(world: World, at_least: int) -> int:
    """Days from today to the first Friday at least `at_least` days ahead: a day on which the demo
    business has nobody out whatever today is (its seeded vacation runs Monday to Wednesday in UTC,
    which in Berlin reaches into Thursday)."""
    ahead = at_least
    while (world.today() + timedelta(days=ahead)).weekday() != FRIDAY:
        ahead += 1
    return ahead


def test_the_digest_tells_who_is_off_and_where_coverage_falls_short(world: World) -> None:
    _stylists(world, minimum=2)
    ahead = _days_to_friday(world, at_least=3)
    view = world.ask(VERA, days_ahead=ahead)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    world.drain()
    world.clock.now = _at_local(world, ahead, time(9, 0))
    assert world.digests.enqueue_due_digests() == 1
    world.drain()
    [call] = world.notifier.of("digest")
    digest: Digest = call.args["digest"]
    assert [row.name for row in digest.availability.out_on(digest.day)] == ["Vera Silva"]
    assert [s.sentence for s in digest.shortfalls] == [
        f"only 1 Stylist left on {format_day(digest.day)} (minimum 2)"
    ]


def test_a_request_that_would_leave_coverage_short_says_so(world: World) -> None:
    _stylists(world, minimum=2)
    view = world.ask(VERA, days_ahead=6)
    expected = f"only 1 Stylist left on {format_day(view.starts_on)} (minimum 2)"
    assert world.timeoff.coverage_warning(view) == [expected]
    world.drain()
    [post] = world.notifier.of("approval_requested")
    assert post.args["coverage_lines"] == [expected]
    # Sam is no Stylist; a partial day leaves Vera working that day.
    assert world.timeoff.coverage_warning(world.ask(SAM, days_ahead=6)) == []
    partial = world.ask(VERA, days_ahead=7, all_day=False, start_time=time(9), end_time=time(12))
    assert world.timeoff.coverage_warning(partial) == []


def test_a_waiting_request_is_reminded_once_per_period(world: World) -> None:
    waiting = world.ask(SAM)
    decided = world.ask(TARA)
    world.timeoff.decide(world.actor(ADMIN), decided.id, approve=False, note="No cover")
    world.drain()

    world.clock.advance(hours=23)
    assert world.digests.enqueue_reminders() == 0
    world.clock.advance(hours=2)
    second = DigestService(world.sessions, world.settings, world.availability, clock=world.clock)
    assert world.digests.enqueue_reminders() + second.enqueue_reminders() == 1
    world.drain()
    [reminder] = world.notifier.of("reminder")
    assert reminder.args["request"].id == waiting.id
    assert reminder.args["channel"] == APPROVALS_CHANNEL_ID
    assert isinstance(reminder.args["approval"], PostRef)  # in the approval message's thread

    world.clock.advance(hours=12)
    assert world.digests.enqueue_reminders() == 0
    world.clock.advance(hours=13)
    assert world.digests.enqueue_reminders() == 1
    world.timeoff.decide(world.actor(ADMIN), waiting.id, approve=True)
    world.drain()
    assert len(world.notifier.of("reminder")) == 1  # decided before its second reminder went out
    world.clock.advance(hours=30)
    assert world.digests.enqueue_reminders() == 0


def test_the_worker_does_it_all_in_one_pass(world: World) -> None:
    world.clock.now = _at_local(world, 1, time(8, 31))
    view = world.ask(SAM)
    world.timeoff.decide(world.actor(ADMIN), view.id, approve=True)
    services = SimpleNamespace(outbox=world.outbox, digests=world.digests)
    worker.run(world.settings, services, once=True)
    assert len(world.blocks_for(SAM)) == 1
    assert len(world.notifier.of("digest")) == 1
    assert all(i.status == "done" for i in world.items())


class _FlakyDigests:
    """The digest service, whose first pass fails (the database restarting, say)."""

    def __init__(self, real: DigestService) -> None:
        self.real = real
        self.failed = False

    def enqueue_reminders(self) -> int:
        if not self.failed:
            self.failed = True
            raise RuntimeError("database restarting")
        return self.real.enqueue_reminders()

    def enqueue_due_digests(self) -> int:
        return self.real.enqueue_due_digests()


def test_the_worker_loops_until_stopped_and_outlives_a_failed_pass(world: World) -> None:
    flaky = _FlakyDigests(world.digests)
    services = SimpleNamespace(outbox=world.outbox, digests=flaky)
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run, args=(world.settings, services), kwargs={"poll_seconds": 0.05, "stop_event": stop}
    )
    thread.start()
    try:
        view = world.ask(SAM)
        for _ in range(100):
            if world.items(kind=outbox_store.POST_APPROVAL, status="done"):
                break
            stop.wait(0.05)
        [post] = world.notifier.of("approval_requested")
        assert post.args["request"].id == view.id
        assert flaky.failed
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
