"""One rate limit for the whole deployment: limiters in different processes and machines (here: on
engines of their own, and in processes of their own) share the business API's limit through the
database. Clocks and sleeps are given, never the wall clock's."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from rosterbot.config import load_settings
from rosterbot.emulators.business_api import EmulatorConfig, start_emulator
from rosterbot.runtime import build_runtime
from rosterbot.store.db import make_engine
from rosterbot.store.models import RateLimit
from rosterbot.store.rate_limit import BUSINESS_API, SharedRateLimit

START = 1_800_000_000.0  # a moment, in seconds since the epoch, on the tests' own clock


class Clock:
    """A clock that moves only when told; the sleeps asked of it are kept, per round."""

    def __init__(self) -> None:
        self.now = START
        self._lock = threading.Lock()
        self._round = threading.local()
        self.slept: list[tuple[int, float]] = []  # (round, seconds)

    def __call__(self) -> float:
        return self.now

    def enter_round(self, number: int) -> None:
        self._round.number = number

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append((getattr(self._round, "number", 0), seconds))


@pytest.fixture
def machines(engine: Engine, database_url: str) -> Iterator[Callable[[], Engine]]:
    """`machines()`: one more engine on the (emptied) test database, as another process or machine
    would have."""
    engines: list[Engine] = []

    def another() -> Engine:
        engines.append(make_engine(database_url))
        return engines[-1]

    yield another
    for other in engines:
        other.dispose()


def limit_on(
    engine: Engine, rate: float, clock: Clock | None = None, fallback: Callable[[], None] | None = None
) -> SharedRateLimit:
    """A limiter as a process would build it on `engine`: on the database's clock unless given one."""
    if clock is None:
        return SharedRateLimit(engine, BUSINESS_API, rate, fallback=fallback)
    return SharedRateLimit(engine, BUSINESS_API, rate, clock=clock, sleep=clock.sleep, fallback=fallback)


def test_callers_on_two_machines_get_evenly_spaced_slots_in_turn(machines: Callable[[], Engine]) -> None:
    clock = Clock()
    rate, threads_each, rounds = 5.0, 4, 5
    limits = [limit_on(machines(), rate, clock), limit_on(machines(), rate, clock)]
    callers = len(limits) * threads_each
    everyone_ready = threading.Barrier(callers)
    failures: list[BaseException] = []

    def call(limit: SharedRateLimit) -> None:
        try:
            for number in range(rounds):
                everyone_ready.wait(timeout=30)  # nobody starts a round before all finished the last
                clock.enter_round(number)
                limit.acquire()
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
            failures.append(exc)
            everyone_ready.abort()

    workers = [threading.Thread(target=call, args=(limit,)) for limit in limits for _ in range(threads_each)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []

    # The clock stood still: each caller slept from now to its slot. The very first went at once.
    interval = 1 / rate
    waits = sorted(seconds for _, seconds in clock.slept)
    assert len(waits) == callers * rounds - 1
    # Every slot taken once, none closer than the interval, and none left empty between them.
    assert waits == pytest.approx([interval * n for n in range(1, callers * rounds)])
    # In turn: every caller of both machines had its n-th call before anyone had an (n+1)-th.
    for number, seconds in clock.slept:
        assert number * callers * interval <= seconds + 1e-9 < (number + 1) * callers * interval


def test_an_idle_limit_lets_the_next_call_go_at_once_and_banks_no_burst(
    machines: Callable[[], Engine],
) -> None:
    clock = Clock()
    first, second = limit_on(machines(), 4.0, clock), limit_on(machines(), 4.0, clock)
    first.acquire()
    second.acquire()
    first.acquire()
    assert [seconds for _, seconds in clock.slept] == [0.25, 0.5]

    clock.now += 60  # a quiet minute
    second.acquire()  # at once
    first.acquire()  # one interval later: the quiet minute is not a credit of 240 calls
    assert [seconds for _, seconds in clock.slept] == [0.25, 0.5, 0.25]


def test_slots_are_read_on_the_databases_clock(machines: Callable[[], Engine]) -> None:
    # A limit of one call in 100 s: the slots are far enough apart that no pause of the test
    # machine can move them, so they are exactly 100 s apart whatever the time.
    limits = [limit_on(machines(), 0.01), limit_on(machines(), 0.01)]
    slots = [limits[n % 2].reserve() for n in range(6)]
    assert [b.at - a.at for a, b in zip(slots, slots[1:], strict=False)] == pytest.approx([100.0] * 5)
    assert slots[0].wait < 100
    for ahead, slot in enumerate(slots[1:], start=1):
        assert (ahead - 1) * 100 < slot.wait <= ahead * 100


def test_two_limits_by_name_do_not_share_slots(engine: Engine) -> None:
    clock = Clock()
    api = SharedRateLimit(engine, BUSINESS_API, 1.0, clock=clock, sleep=clock.sleep)
    other = SharedRateLimit(engine, "another_api", 1.0, clock=clock, sleep=clock.sleep)
    assert [api.reserve().at, other.reserve().at, api.reserve().at] == [START, START, START + 1]


def test_while_the_database_does_not_answer_each_process_keeps_the_limit_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A SQLite file in a folder that does not exist: every connection fails.
    gone = make_engine(f"sqlite:///{tmp_path / 'missing' / 'rosterbot.db'}")
    kept_alone: list[None] = []
    clock = Clock()
    limit = limit_on(gone, 5.0, clock, fallback=lambda: kept_alone.append(None))
    with caplog.at_level(logging.WARNING, logger="rosterbot.store.rate_limit"):
        for _ in range(3):
            limit.acquire()
    assert len(kept_alone) == 3 and clock.slept == []
    warnings = [r for r in caplog.records if "did not answer" in r.getMessage()]
    assert len(warnings) == 1  # said once, not once a call

    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError):
        limit_on(gone, 5.0, clock).acquire()  # without a fallback the failure is the caller's
    gone.dispose()


def _reserve_in_a_process(url: str, count: int, slots: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    limit = SharedRateLimit(engine, BUSINESS_API, 0.001)
    slots.put([limit.reserve().at for _ in range(count)])
    engine.dispose()


def test_two_processes_share_the_limit(engine: Engine, database_url: str) -> None:
    # One call in 1000 s on the database's clock: every slot after the first is a whole interval on.
    context = multiprocessing.get_context("spawn")
    slots: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    count = 25
    processes = [
        context.Process(target=_reserve_in_a_process, args=(database_url, count, slots)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    taken = sorted(slots.get(timeout=60) + slots.get(timeout=60))
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert len(taken) == 2 * count
    gaps = [b - a for a, b in zip(taken, taken[1:], strict=False)]
    assert gaps == pytest.approx([1000.0] * (2 * count - 1))


def test_every_process_of_a_deployment_reserves_in_the_one_shared_limit(
    engine: Engine, database_url: str
) -> None:
    server, state = start_emulator(EmulatorConfig())
    settings = load_settings(database_url=database_url, api_url=server.url, api_rate_limit=1000.0)
    runtimes = [build_runtime(settings), build_runtime(settings)]
    try:

        def next_slot() -> float | None:
            with engine.connect() as connection:
                return connection.execute(
                    select(RateLimit.next_slot).where(RateLimit.name == BUSINESS_API)
                ).scalar_one_or_none()

        assert next_slot() is None
        runtimes[0].services.api.list_team()
        after_first = next_slot()
        assert after_first is not None
        runtimes[1].services.api.list_team()  # another process: it reserves after the first
        after_second = next_slot()
        assert after_second is not None and after_second >= after_first + 1 / 1000
    finally:
        for runtime in runtimes:
            runtime.close()
        server.stop()
        state.close()
