"""Knowing when the app is still working on an input. Slack apps ack first and work after, so an
HTTP answer says nothing about what is still to come; the console counts the Bolt listeners still
running, the way a test would wait for "the post-ack work".

Bolt runs every listener (ack-first, `process_before_response=False`) on its listener executor; the
console wraps that executor with one that counts what it was given and has not finished. Only
observed: every listener runs exactly as it would in production.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any


class CountingExecutor(Executor):
    """Runs everything on `inner`; `running` is how many submitted calls have not finished."""

    def __init__(self, inner: Executor) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._running += 1
        try:
            future = self._inner.submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait, cancel_futures=cancel_futures)

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._lock:
            self._running -= 1


def count_listeners(wsgi_app: Any) -> CountingExecutor | None:
    """Wrap the listener executor of the Bolt app behind `wsgi_app` (`create_web_app` keeps it in
    `extensions["bolt_app"]`). None when this Bolt version keeps it elsewhere: the console then
    goes by what it sees arrive, which is enough when the business API answers quickly."""
    bolt = getattr(wsgi_app, "extensions", {}).get("bolt_app")
    runner = getattr(bolt, "_listener_runner", None)
    inner = getattr(runner, "listener_executor", None)
    if runner is None or not isinstance(inner, Executor):
        return None
    counting = CountingExecutor(inner)
    runner.listener_executor = counting
    lazy = getattr(runner, "lazy_listener_runner", None)
    if lazy is not None and getattr(lazy, "executor", None) is inner:
        lazy.executor = counting
    return counting
