"""Counting the Bolt listeners still at work (what the console waits for after an ack)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from rosterbot.console.watch import CountingExecutor, count_listeners


def test_counts_what_has_not_finished() -> None:
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        counting = CountingExecutor(pool)
        first = counting.submit(release.wait, 5)
        second = counting.submit(lambda: 1 / 0)
        second.exception(timeout=5)
        assert _settles_at(counting, 1)  # a call that raised has finished too
        release.set()
        assert first.result(timeout=5) is True
        assert _settles_at(counting, 0)


def _settles_at(counting: CountingExecutor, expected: int) -> bool:
    # Done callbacks run just after the result is set: give them a moment.
    deadline = time.monotonic() + 5
    while counting.running != expected and time.monotonic() < deadline:
        time.sleep(0.005)
    return counting.running == expected


def test_an_app_without_a_bolt_listener_runner_is_left_alone() -> None:
    class Plain:
        extensions: dict[str, object] = {}

    assert count_listeners(Plain()) is None
    assert count_listeners(object()) is None
