"""SingleFlight: callers asking for the same key at once share one call, its value or its error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from rosterbot.services.single_flight import SingleFlight


def test_callers_at_once_share_one_call_and_a_later_caller_calls_again() -> None:
    flight: SingleFlight[int] = SingleFlight()
    calls: list[int] = []
    gate = threading.Event()

    def read() -> int:
        calls.append(1)
        gate.wait(5)
        return len(calls)

    with ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(flight.do, "team", read) for _ in range(5)]
        while not calls:
            gate.wait(0.01)
        gate.wait(0.5)  # the others are queued behind the first by now
        gate.set()
        assert [f.result(5) for f in futures] == [1] * 5
    assert flight.do("team", read) == 2  # nothing in flight any more: a new call
    assert flight.do("other", lambda: 7) == 7


def test_the_error_of_the_shared_call_reaches_every_caller() -> None:
    flight: SingleFlight[int] = SingleFlight()
    gate = threading.Event()

    def fail() -> int:
        gate.wait(5)
        raise LookupError("the API is down")

    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(flight.do, "team", fail) for _ in range(3)]
        gate.wait(0.1)
        gate.set()
        for future in futures:
            with pytest.raises(LookupError, match="down"):
                future.result(5)
    assert flight.do("team", lambda: 1) == 1
