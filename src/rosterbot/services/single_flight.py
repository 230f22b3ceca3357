"""`SingleFlight`: concurrent reads of the same thing share one call.

Fifty people who open a form in the same second are fifty identity resolutions at once; each
would read the same team from the business API (5 calls a second, 2 s each when slow). With a
single flight the first caller reads and the others wait for its answer (or its error).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

V = TypeVar("V")


class SingleFlight(Generic[V]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[Hashable, Future[V]] = {}

    def do(self, key: Hashable, call: Callable[[], V]) -> V:
        """`call()`, unless a call for `key` is already running: then its outcome."""
        with self._lock:
            running = self._calls.get(key)
            if running is None:
                mine: Future[V] = Future()
                self._calls[key] = mine
        if running is not None:
            return running.result()
        try:
            value = call()
        except BaseException as error:
            mine.set_exception(error)
            raise
        else:
            mine.set_result(value)
            return value
        finally:
            with self._lock:
                del self._calls[key]
