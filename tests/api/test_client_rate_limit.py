"""The client-side rate limit holds across threads sharing one client (server-side timestamps), and
across clients (processes) sharing one through the database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from rosterbot.api.transport import RateLimiter
from rosterbot.store.db import make_engine
from rosterbot.store.rate_limit import BUSINESS_API, SharedRateLimit

from .fault_server import FaultServer, MakeApi, Reply

TEAM = "/api/v1/merchant/team"


def test_eleven_concurrent_requests_at_five_a_second_span_two_seconds(
    fault: FaultServer, make_api: MakeApi
) -> None:
    fault.script("GET", TEAM, Reply(body=[]))
    api = make_api(rate_limit=5.0)
    with ThreadPoolExecutor(max_workers=11) as pool:
        results = list(pool.map(lambda _: api.list_team(), range(11)))
    assert results == [[]] * 11
    times = sorted(r.at for r in fault.seen("GET", TEAM))
    assert len(times) == 11
    assert times[-1] - times[0] >= 1.8
    # No two requests closer than the limit allows (less a little scheduling noise).
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.15
    assert api.request_count == 11


def test_two_clients_do_not_share_a_limit(fault: FaultServer, make_api: MakeApi) -> None:
    fault.script("GET", TEAM, Reply(body=[]))
    first, second = make_api(rate_limit=2.0), make_api(rate_limit=2.0)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda api: api.list_team(), [first, second]))
    times = sorted(r.at for r in fault.seen("GET", TEAM))
    assert times[1] - times[0] < 0.3


def test_the_limiter_reserves_consecutive_slots() -> None:
    now = [100.0]
    slept: list[float] = []
    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        limiter.acquire()
    assert slept == [0.25, 0.5]
    now[0] = 101.0  # idle long enough: the next request goes at once
    limiter.acquire()
    assert slept == [0.25, 0.5]


def test_clients_of_two_processes_share_one_limit_through_the_database_retries_included(
    fault: FaultServer, make_api: MakeApi, engine: Engine, database_url: str
) -> None:
    fault.script("GET", TEAM, Reply(status=503), Reply(body=[]))
    now = 100.0
    waited: list[float] = []
    engines = [make_engine(database_url), make_engine(database_url)]  # one per process
    try:
        first, second = (
            make_api(
                limiter=SharedRateLimit(own, BUSINESS_API, 2.0, clock=lambda: now, sleep=waited.append),
                sleep=lambda _: None,  # the retry's backoff
            )
            for own in engines
        )
        assert first.list_team() == []  # a 503, then the retry
        assert second.list_team() == []
    finally:
        for own in engines:
            own.dispose()
    assert len(fault.seen("GET", TEAM)) == 3
    # Three tries, one slot each, half a second apart: the second process waits behind the first's.
    assert waited == [0.5, 1.0]
