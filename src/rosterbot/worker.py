"""The worker: does what the job queue (`store.outbox`) holds — Slack listeners' lazy work, blocked
times, messages — and queues reminders and the daily digest.

Any number of workers run, in any process on any machine sharing the database: each item is claimed
with a lease, which the worker renews while the item's work runs; a worker that dies stops renewing,
and another takes the item again when the lease ends. On PostgreSQL a worker sleeps in LISTEN and
wakes when an item is written (`store.wake`); on SQLite it polls. A process that stores a listener's
work itself (the console, Socket Mode, the tests) hands the new item's id straight to its own worker
(`JobWorker.submit`): no wait for a poll, and still nothing is lost, as the item is in the database.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from rosterbot.config import Settings
from rosterbot.services.digest import DigestService
from rosterbot.services.outbox import OutboxDelivery
from rosterbot.store import outbox
from rosterbot.store.db import make_engine, make_session_factory, session_scope
from rosterbot.store.outbox import Claim
from rosterbot.store.wake import Listener

if TYPE_CHECKING:
    from rosterbot.runtime import Runtime

log = logging.getLogger(__name__)

BATCH = 20
# Items worked at once per worker. A `/team list` holds one for two API calls of up to 2 s each.
# Threads start only when work is waiting, and then stay (BENCHMARKS.md).
THREADS = 256
# A claimed item is held this long past its last renewal; renewed every third of it while it runs.
LEASE_SECONDS = 15.0
# How often reminders and digests are looked for.
SCHEDULE_SECONDS = 2.0
# Without NOTIFY (SQLite), how often a worker looks for work that other processes stored.
SQLITE_POLL_SECONDS = 0.05
# How long a stopping worker lets running work finish (gunicorn's graceful_timeout is 20 s).
DRAIN_SECONDS = 15.0


class WorkerServices(Protocol):
    """What the worker needs of the services container."""

    @property
    def outbox(self) -> OutboxDelivery | None: ...

    @property
    def digests(self) -> DigestService: ...


def run_once(services: WorkerServices, *, batch: int = BATCH) -> int:
    """One pass: queue due reminders and digests, then deliver due outbox items until none is left,
    follow-ups included (at most 50 batches, so a flood cannot starve the scheduling). Returns the
    number of items delivered."""
    delivery = _delivery(services)
    schedule_of(services)()
    delivered = 0
    for _ in range(50):
        claimed = delivery.deliver_due(batch)
        delivered += claimed
        if claimed == 0:
            break
    return delivered


def check_channels(services: WorkerServices) -> None:
    """At start: one WARNING line for each configured channel the bot cannot post in (also shown
    in /team settings). A check that cannot run is logged, never fatal."""
    if services.outbox is None:
        return
    try:
        services.outbox.check_channels()
    except Exception:  # noqa: BLE001 - the worker starts all the same
        log.exception("the channels could not be checked at start")


class JobWorker:
    """Claims and does queued items on a pool of threads.

    `submit(item_id)`: an item this process just stored, done at once. `start()`: also claim what
    is due in the queue (any process's), wake on NOTIFY or poll every `poll_seconds`, and queue
    reminders and digests (`schedule`). `wait_idle` says when nothing is left to do here."""

    def __init__(
        self,
        delivery: OutboxDelivery,
        *,
        listener: Listener | None = None,
        schedule: Callable[[], None] | None = None,
        poll_seconds: float = 0.25,
        threads: int = THREADS,
        lease_seconds: float = LEASE_SECONDS,
        renew: Callable[[list[Claim], float], None] | None = None,
    ) -> None:
        """`renew(claims, seconds)`: extends the leases of running jobs (default: through the
        delivery's own connections; a worker process gives it a connection of its own)."""
        self.delivery = delivery
        self._renew = renew or (lambda claims, seconds: delivery.extend(claims, lease_seconds=seconds))
        self._listener = listener
        self._schedule = schedule
        self._poll_seconds = poll_seconds
        self._threads = threads
        self._lease = lease_seconds
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="job")
        self._idle = threading.Condition()
        self._running = 0
        self._held: dict[int, Claim] = {}
        self._stop = threading.Event()  # the whole worker
        self._claiming = threading.Event()  # the claim loop runs (`start`, `stop_claiming`)
        self._wake = threading.Event()
        self._loops: list[threading.Thread] = []
        self._claimer: threading.Thread | None = None
        # `submit` runs on an HTTP thread before Slack has its answer: it only queues; this thread
        # hands the work to the pool (starting a pool thread waits for the GIL behind the others).
        self._submitted: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._start_thread(self._take_submitted, "job-submit")
        self._start_thread(self._renew_leases, "job-leases")

    @property
    def running(self) -> int:
        """Items submitted or claimed here and not finished."""
        with self._idle:
            return self._running

    def submit(self, item_id: int) -> None:
        """Do item `item_id` (stored by this process, due now) as soon as a thread is free."""
        with self._idle:
            self._running += 1
        self._submitted.put(item_id)

    def wake(self) -> None:
        """Look in the queue now (an item was written or became due)."""
        self._wake.set()

    def start(self, *, poll_seconds: float | None = None) -> JobWorker:
        """Also take what is due in the queue, until `stop_claiming` or `stop`."""
        if poll_seconds is not None:
            self._poll_seconds = poll_seconds
        if self._claimer is None:
            self._claiming.set()
            self._claimer = threading.Thread(target=self._claim_due, name="job-claim", daemon=True)
            self._claimer.start()
        return self

    def stop_claiming(self) -> None:
        """Take nothing more from the queue (what this process submits is still done)."""
        self._claiming.clear()
        self._wake.set()
        if self._claimer is not None:
            self._claimer.join(timeout=5.0)
            self._claimer = None

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing submitted or claimed here is left; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    def stop(self, drain_seconds: float = 0.0) -> None:
        """Stop claiming; let running work finish for up to `drain_seconds` (what is left is
        taken again by a worker when its lease ends)."""
        self._stop.set()
        self.stop_claiming()
        self._submitted.put(None)
        if drain_seconds > 0:
            self.wait_idle(drain_seconds)
        self._executor.shutdown(wait=False, cancel_futures=True)
        for loop in self._loops:
            loop.join(timeout=2.0)
        if self._listener is not None:
            self._listener.close()

    # -- threads --------------------------------------------------------------------------------

    def _start_thread(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._loops.append(thread)

    def _take_submitted(self) -> None:
        while (item_id := self._submitted.get()) is not None:
            try:
                self._executor.submit(self._do_submitted, item_id)
            except RuntimeError:  # stopped meanwhile: the item stays queued for another worker
                self._finished()

    def _do_submitted(self, item_id: int) -> None:
        try:
            for claim in self.delivery.claim(1, lease_seconds=self._lease, item_id=item_id):
                self._do(claim)
        except Exception:  # noqa: BLE001 - the database failing: the item waits in the queue
            log.exception("could not claim job #%s; it stays queued", item_id)
        finally:
            self._finished()

    def _claim_due(self) -> None:
        next_schedule = 0.0
        while self._claiming.is_set() and not self._stop.is_set():
            if self._schedule is not None and time.monotonic() >= next_schedule:
                next_schedule = time.monotonic() + SCHEDULE_SECONDS
                try:
                    self._schedule()
                except Exception:  # noqa: BLE001 - the loop outlives a bad pass
                    log.exception("queueing reminders and digests failed; trying again")
            claimed = self._claim_batch()
            if claimed == BATCH:
                continue  # more may be due
            self._sleep()

    def _claim_batch(self) -> int:
        with self._idle:
            free = self._threads - self._running
            if free <= 0:
                return 0
            limit = min(free, BATCH)
            self._running += limit  # reserved, so that wait_idle cannot see 0 while claiming
        claims: list[Claim] = []
        try:
            claims = self.delivery.claim(limit, lease_seconds=self._lease)
        except Exception:  # noqa: BLE001 - the database restarting: poll again
            log.exception("could not claim jobs; trying again in %.1f s", self._poll_seconds)
        with self._idle:
            self._running -= limit - len(claims)
            self._idle.notify_all()
        for claim in claims:
            try:
                self._executor.submit(self._do_claimed, claim)
            except RuntimeError:  # stopped: its lease runs out and another worker takes it
                self._finished()
        return len(claims)

    def _do_claimed(self, claim: Claim) -> None:
        try:
            self._do(claim)
        finally:
            self._finished()

    def _do(self, claim: Claim) -> None:
        with self._idle:
            self._held[claim.id] = claim
        try:
            self.delivery.deliver(claim)
        finally:
            with self._idle:
                self._held.pop(claim.id, None)

    def _finished(self) -> None:
        with self._idle:
            was_full = self._running >= self._threads
            self._running -= 1
            self._idle.notify_all()
        if was_full:
            self._wake.set()  # a thread is free again: what waited for one may be due

    def _sleep(self) -> None:
        if self._listener is not None and not self._wake.is_set():
            self._listener.wait(min(self._poll_seconds, 1.0))
        else:
            self._wake.wait(self._poll_seconds)
        self._wake.clear()

    def _renew_leases(self) -> None:
        while not self._stop.wait(self._lease / 3):
            with self._idle:
                held = list(self._held.values())
            if not held:
                continue
            try:
                self._renew(held, self._lease)
            except Exception:  # noqa: BLE001 - try again at the next renewal, well within the lease
                log.warning("could not renew the leases of %s jobs", len(held), exc_info=True)


def _delivery(services: WorkerServices) -> OutboxDelivery:
    if services.outbox is None:
        raise RuntimeError("the worker needs services built with a notifier (a Slack bot token)")
    return services.outbox


def schedule_of(services: WorkerServices) -> Callable[[], None]:
    """Queue due reminders and digests (each is claimed in the database: once however many run)."""

    def schedule() -> None:
        services.digests.enqueue_reminders()
        services.digests.enqueue_due_digests()

    return schedule


def run(
    settings: Settings, runtime: Runtime, *, once: bool = False, stop_event: threading.Event | None = None
) -> None:
    """`rosterbot worker` (and `rosterbot serve`'s own worker process): work the queue until
    `stop_event` is set (or one pass with `once`), then let running work finish (up to
    `DRAIN_SECONDS`; what is left is taken again when its lease ends)."""
    services = runtime.services
    check_channels(services)
    if once:
        run_once(services)
        return
    worker = process_worker(settings, runtime)
    # The listeners' lazy work is done through a Bolt app of this process (it serves no HTTP).
    from rosterbot.slack.app import authorize_in_background, build_app, does_jobs

    app = build_app(settings, services, socket_mode=True)
    does_jobs(app, services, settings)
    authorize_in_background(app)
    worker.start()
    log.info("worker started (digest at %s %s)", settings.digest_time, settings.timezone)
    (stop_event or threading.Event()).wait()
    worker.stop(drain_seconds=DRAIN_SECONDS)
    log.info("worker stopped")


def process_worker(settings: Settings, runtime: Runtime) -> JobWorker:
    """The process's worker: it wakes on NOTIFY on PostgreSQL; on SQLite it polls."""
    listener = Listener.for_engine(runtime.engine)
    return JobWorker(
        _delivery(runtime.services),
        listener=listener,
        schedule=schedule_of(runtime.services),
        poll_seconds=1.0 if listener is not None else SQLITE_POLL_SECONDS,
        lease_seconds=settings.job_lease_seconds,
        renew=lease_renewal(runtime.engine),
    )


def lease_renewal(engine: Engine) -> Callable[[list[Claim], float], None]:
    """Renews leases on a connection of its own. Through the shared pool, a renewal could wait
    behind a busy worker's jobs for a connection until the lease had run out, and another worker
    would then do the same job at the same time (`make chaos` saw requests, blocked times and
    posts made twice)."""
    own = make_session_factory(make_engine(engine.url.render_as_string(hide_password=False), pool_size=1))

    def renew(claims: list[Claim], seconds: float) -> None:
        with session_scope(own) as session:
            outbox.extend_leases(session, claims, until=datetime.now(UTC) + timedelta(seconds=seconds))

    return renew
