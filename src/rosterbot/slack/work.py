"""The work a listener does after its ack, on the process's work pool.

Bolt runs our listeners with `process_before_response=True`: a listener runs on the HTTP thread,
and Slack has its answer as soon as the listener returns. Every listener acks first (or answers a
form's errors) and hands the rest to `after_ack`, so the ack path is the HTTP thread alone: no
hand-off to another thread and back, no API call, no database call (the time-off form's date
checks read the zone from a 30-s cache). Bolt's default
(`process_before_response=False`) runs the whole listener on its executor while the HTTP thread
polls for the ack every 10 ms; in a burst of 50 requests those hand-offs, each waiting for the GIL
behind the other listeners' work, cost most of the acknowledgement time (BENCHMARKS.md).

An error in the work goes to `rosterbot.slack.errors.handle_error`, as Bolt would pass it, which
tells the user. `WorkPool.wait_idle` says when nothing is left to do (the console and the tests).
Under `rosterbot serve` the pool is the work process's (`rosterbot.slack.handoff`); the console,
Socket Mode and the tests run it in the process that acks.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import App, BoltContext

log = logging.getLogger(__name__)

# Threads per process for post-ack work. A `/team list` holds one for two API calls of up to 2 s
# each. Threads start only when work is waiting, and then stay (BENCHMARKS.md section 5).
WORK_THREADS = 256

ErrorHandler = Callable[[Exception, Mapping[str, Any], BoltContext], None]


class WorkSink(Protocol):
    """Where `after_ack` puts work: this process's `WorkPool`, or under `rosterbot serve` the
    hand-over to the work process (`rosterbot.slack.handoff.Handoff`)."""

    def submit(self, context: BoltContext, body: Mapping[str, Any], work: Callable[[], object]) -> None: ...


class WorkPool:
    """Runs post-ack work on up to `threads` threads; counts what is still to finish.

    `submit` only queues: a dispatcher thread hands the work to the thread pool. Handing it over
    directly would make the HTTP thread start a pool thread in a burst (`Thread.start` waits for
    the new thread to run, behind every other thread wanting the GIL): 16 ms at the median and
    up to 70 ms per request with 50 commands at once, all of it before Slack had its answer."""

    def __init__(self, on_error: ErrorHandler, *, threads: int = WORK_THREADS) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="work")
        self._on_error = on_error
        self._idle = threading.Condition()
        self._running = 0
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._dispatcher = threading.Thread(target=self._dispatch, name="work-dispatch", daemon=True)
        self._dispatcher.start()

    @property
    def running(self) -> int:
        """Work submitted and not finished (queued or running)."""
        with self._idle:
            return self._running

    def submit(self, context: BoltContext, body: Mapping[str, Any], work: Callable[[], object]) -> None:
        with self._idle:
            self._running += 1
        self._queue.put(_Work(context, body, work))

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no work is running or queued; False if `timeout` seconds passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    def shutdown(self) -> None:
        """Stop taking work; what is queued is dropped, what runs finishes on its own."""
        self._queue.put(None)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _dispatch(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._executor.submit(self._run, item)
            except RuntimeError:  # shut down meanwhile
                self._done()

    def _run(self, item: _Work) -> None:
        try:
            claim = item.context.get("claim_delivery")  # middleware.DeliveryDedup
            if claim is None or claim():
                item.work()
        except Exception as error:  # noqa: BLE001 - every error is told to the user
            try:
                self._on_error(error, item.body, item.context)
            except Exception:  # noqa: BLE001 - the pool's thread must survive a failing handler
                log.exception("the error handler failed")
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._running -= 1
            self._idle.notify_all()


@dataclass(frozen=True)
class _Work:
    context: BoltContext
    body: Mapping[str, Any]
    work: Callable[[], object]


_POOLS: weakref.WeakKeyDictionary[App, WorkPool] = weakref.WeakKeyDictionary()


def bind(app: App, pool: WorkPool) -> None:
    """`pool` is where `app`'s listeners put their work (`build_app` binds each app's)."""
    _POOLS[app] = pool


def work_pool_of(app: App) -> WorkPool:
    return _POOLS[app]


def after_ack(context: BoltContext, body: Mapping[str, Any], work: Callable[[], object]) -> None:
    """Run `work` after this listener returns (its ack then goes to Slack at once). A slash
    command's work first takes one from the user's share (`services.throttle`): beyond it the
    user reads why (`TooFast`, through the error handler) and nothing else is done."""
    sink: WorkSink = context["work_pool"]
    if "command" not in body:  # clicks and forms: a refused form would lose what was typed
        sink.submit(context, body, work)
        return

    def fair_share() -> object:
        throttle = getattr(context.get("services"), "throttle", None)  # test doubles may have none
        if throttle is not None and context.team_id and context.user_id:
            throttle.admit(context.team_id, context.user_id)
        return work()

    sink.submit(context, body, fair_share)
