"""The daily digest (one a day however many workers run), reminders (once per period), the coverage
warning on a request, and the worker loop that drives them."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

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
BERLIN = ZoneInfo("Europe/Berlin")  # the world's business zone
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


def test_a_digest_missed_by_hours_is_sent_late_once_and_one_missed_by_more_than_half_a_day_is_not(
    world: World,
) -> None:
    """A worker down at 08:30 sends that day's digest when it is back, until the next day's is
    nearer (20:30); past that the day's digest is skipped and the next one comes at its own time."""
    first = world.today() + timedelta(days=1)
    second, third = first + timedelta(days=1), first + timedelta(days=2)
    world.clock.now = _local(first, time(19, 0))
    assert world.digests.enqueue_due_digests() == 1
    world.clock.advance(hours=1)
    assert world.digests.enqueue_due_digests() == 0  # once
    world.drain()
    [call] = world.notifier.of("digest")
    assert call.args["digest"].day == first and not call.args["digest"].late  # late, but on its day

    world.clock.now = _local(second, time(20, 31))  # the next day's: missed by 12 hours
    assert world.digests.enqueue_due_digests() == 0
    world.clock.now = _local(third, time(7, 0))  # nor posted first thing the day after
    assert world.digests.enqueue_due_digests() == 0
    world.clock.now = _local(third, time(8, 30))
    assert world.digests.enqueue_due_digests() == 1
    assert _digest_days(world) == [first, third]


def _local(day: date, at: time) -> datetime:
    """`at` on `day` in the business's zone, as a UTC instant."""
    return datetime.combine(day, at, tzinfo=BERLIN).astimezone(UTC)


def _digest_days(world: World) -> list[date]:
    """The days of the digests queued, oldest first."""
    return sorted(
        date.fromisoformat(item.payload["day"]) for item in world.items(kind=outbox_store.POST_DIGEST)
    )


def _digest_at(world: World, at: time, team: str = TEAM, channel: str = TEAM_CHANNEL_ID) -> None:
    with session_scope(world.sessions) as session:
        workspace.save(session, team, digest_time=at, team_channel=channel)


def test_a_2330_digest_with_the_worker_back_at_0015_is_sent_for_its_day(world: World) -> None:
    _digest_at(world, time(23, 30))
    missed = world.today() + timedelta(days=1)
    after = missed + timedelta(days=1)
    world.clock.now = _local(missed, time(23, 0))
    assert world.digests.enqueue_due_digests() == 0
    world.clock.now = _local(after, time(0, 15))  # the worker was down from 23:00 to 00:15
    assert world.digests.enqueue_due_digests() == 1
    world.drain()
    [call] = world.notifier.of("digest")
    assert call.args["digest"].day == missed  # for the day it was due, not today...
    assert call.args["digest"].late  # ...and it says it comes late

    world.clock.now = _local(after, time(8, 30))
    assert world.digests.enqueue_due_digests() == 0  # the new day's is not due before 23:30
    world.clock.now = _local(after, time(23, 30))
    assert world.digests.enqueue_due_digests() == 1
    assert _digest_days(world) == [missed, after]


def test_a_2359_digest_with_the_worker_back_at_0001_and_one_stored_with_seconds(world: World) -> None:
    _digest_at(world, time(23, 59))
    first = world.today() + timedelta(days=1)
    second, third = first + timedelta(days=1), first + timedelta(days=2)
    world.clock.now = _local(first, time(23, 58))
    assert world.digests.enqueue_due_digests() == 0
    world.clock.now = _local(second, time(0, 1))
    assert world.digests.enqueue_due_digests() == 1
    assert _digest_days(world) == [first]

    # A time stored with seconds (by a form built by hand, before the form refused it) is due at its
    # minute: every pass from 23:59:00 on sees it, the one at 00:00:30 too.
    _digest_at(world, time(23, 59, 59, 999999))
    world.clock.now = _local(second, time(23, 58, 59))
    assert world.digests.enqueue_due_digests() == 0
    world.clock.now = _local(second, time(23, 59, 30))
    assert world.digests.enqueue_due_digests() == 1
    world.clock.now = _local(third, time(0, 0, 30))
    assert world.digests.enqueue_due_digests() == 0
    assert _digest_days(world) == [first, second]


STEP = timedelta(minutes=10)


def _walk(world: World, start: datetime, days: int, *, down: tuple[datetime, datetime] | None = None) -> None:
    """Run the digest pass every STEP from `start` (UTC) for `days` days, except while `down`."""
    world.clock.now = start
    while world.clock.now < start + timedelta(days=days):
        if down is None or not down[0] <= world.clock.now < down[1]:
            world.digests.enqueue_due_digests()
        world.clock.now += STEP


def _sent(world: World, team: str) -> dict[date, datetime]:
    """Each digest day queued for `team` -> when it was queued (local time in Berlin)."""
    sent: dict[date, datetime] = {}
    for item in world.items(kind=outbox_store.POST_DIGEST):
        if item.payload["slack_team_id"] == team:
            day = date.fromisoformat(item.payload["day"])
            assert day not in sent, f"{day} sent twice"
            sent[day] = item.created_at.replace(tzinfo=item.created_at.tzinfo or UTC).astimezone(BERLIN)
    return sent


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


@pytest.mark.parametrize(
    ("saturday", "changed_to"),
    [(date(2027, 3, 27), timedelta(hours=2)), (date(2027, 10, 30), timedelta(hours=1))],
    ids=["spring", "autumn"],
)
def test_one_digest_a_local_day_across_a_clock_change_in_berlin(
    world: World, saturday: date, changed_to: timedelta
) -> None:
    """Digests at 02:30 (on the Sunday of the change that wall time is skipped, or comes twice) and
    at 23:30, with the worker back 45 minutes late on the Saturday night: each local day's digest is
    sent once, at or after its time."""
    late, early = "T0LATE", "T0EARLY"
    _digest_at(world, time(23, 30), team=late, channel="C0LATE")
    _digest_at(world, time(2, 30), team=early, channel="C0EARLY")
    friday = datetime.combine(saturday - timedelta(days=1), time(15), tzinfo=BERLIN).astimezone(UTC)
    saturday_night = datetime.combine(saturday, time(23, 0), tzinfo=BERLIN).astimezone(UTC)
    _walk(world, friday, 4, down=(saturday_night, saturday_night + timedelta(minutes=75)))

    sunday = saturday + timedelta(days=1)
    assert datetime.combine(sunday, time(12), tzinfo=BERLIN).utcoffset() == changed_to

    late_sent = _sent(world, late)
    assert sorted(late_sent) == _days(saturday - timedelta(days=1), 4)  # Friday to Monday, once each
    assert late_sent[saturday].date() == sunday and late_sent[saturday].time() == time(0, 20)  # back
    for day in (saturday - timedelta(days=1), sunday, sunday + timedelta(days=1)):
        assert (late_sent[day].date(), late_sent[day].time()) == (day, time(23, 30))

    early_sent = _sent(world, early)
    assert sorted(early_sent) == _days(saturday, 4)  # Saturday to Tuesday
    for day, at in early_sent.items():
        assert at.date() == day and time(2, 30) <= at.time() < time(4, 0), (day, at)
        if day != sunday:
            assert at.time() == time(2, 30)
    if changed_to == timedelta(hours=1):  # 02:30 came twice: sent at the first, in summer time
        assert early_sent[sunday].utcoffset() == timedelta(hours=2)


def test_a_workspace_whose_zone_cannot_be_loaded_does_not_stop_the_others_or_the_outbox(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with session_scope(world.sessions) as session:
        workspace.save(session, "T0MARS", timezone="Mars/Olympus_Mons", team_channel="C0MARS")
        workspace.save(session, TEAM, timezone="Europe/Berlin")
    world.clock.now = _at_local(world, 1, time(8, 31))
    view = world.ask(SAM)  # its approval post waits in the outbox
    services = SimpleNamespace(outbox=world.outbox, digests=world.digests)
    with caplog.at_level(logging.WARNING, logger="rosterbot.services.digest"):
        worker.run_once(services)
        worker.run_once(services)

    [digest] = world.notifier.of("digest")
    assert (digest.args["channel"], digest.args["digest"].slack_team_id) == (TEAM_CHANNEL_ID, TEAM)
    [post] = world.notifier.of("approval_requested")
    assert post.args["request"].id == view.id
    assert all(i.status == "done" for i in world.items())
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]  # once, not every pass
    assert "T0MARS" in warning.getMessage() and "Mars/Olympus_Mons" in warning.getMessage()


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
    worker.run_once(services)
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
    jobs = worker.JobWorker(world.outbox, schedule=worker.schedule_of(services), poll_seconds=0.05).start()
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
        jobs.stop()
