"""Post-ack work in a process of its own: what `rosterbot serve` does with each web process.

Why: in a burst (50 people sending the time-off form at once) the post-ack work of the requests
before, on the same GIL and the same cores, kept the next requests waiting about 80 ms before
their handler even ran (BENCHMARKS.md, section 1). A web process that only verifies, acks and
hands over is free when the next request arrives; the work process runs at a lower priority.

How: a web process's listeners run as always up to their ack. `after_ack` then hands the request
itself, as Slack signed it (raw body and headers), to the work process, once. The work process
dispatches it through its own Bolt app: the signature is checked again, the listener runs again,
its ack goes nowhere, and its `after_ack` runs the work there. Running the ack path twice does
nothing twice: it makes no API or database call (`rosterbot.slack.work`); an event is claimed
once, by the web process (`middleware.DeliveryDedup` skips the claim for a handed-over request);
a form is claimed by the pool that runs its work.

If the work process is gone, the web process runs the work itself, as it would without one.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import queue
import signal
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import FrameType
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext

from rosterbot.config import Settings
from rosterbot.slack.request import bolt_request
from rosterbot.slack.work import WorkPool

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

# What a handed-over request carries in its Bolt context (the work process's DeliveryDedup reads it).
FROM_WEB_PROCESS = "from_web_process"
# The raw request, kept by middleware.RequestContext for the hand-over: (body, headers).
RAW_REQUEST = "raw_request"
_SENT = "handed_over"
# The work process's priority below the web process's: a waiting ack gets the CPU first.
WORK_NICE = 15
# How long the work process may finish what it has when its web process stops (gunicorn's
# graceful_timeout is 20 s).
DRAIN_SECONDS = 15.0

RawRequest = tuple[str, dict[str, Sequence[str]]]


class Handoff:
    """The web process's side: sends each request whose listener called `after_ack` to the work
    process, once. `submit` only queues (it runs before Slack has its answer); a sender thread
    writes to the pipe."""

    def __init__(self, process: BaseProcess, connection: Connection, local: WorkPool) -> None:
        self.process = process
        self._connection = connection
        self._local = local
        self._alive = True
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_all, name="handoff", daemon=True)
        self._sender.start()

    def submit(self, context: BoltContext, body: Mapping[str, Any], work: Callable[[], object]) -> None:
        raw = context.get(RAW_REQUEST)
        if not self._alive or raw is None:
            self._local.submit(context, body, work)
            return
        if context.get(_SENT):
            return  # a listener's second after_ack: the work process runs that listener whole
        context[_SENT] = True
        self._queue.put(_Item(context, body, work, raw))

    def close(self, timeout: float = DRAIN_SECONDS) -> None:
        """Stop handing over; the work process finishes what it has (up to `timeout`) and exits."""
        self._queue.put(None)
        self._sender.join(timeout=1.0)
        self._connection.close()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()

    def _send_all(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._alive:
                try:
                    self._connection.send(item.raw)
                    continue
                except (OSError, ValueError) as exc:  # the work process died
                    self._alive = False
                    log.error("the work process is gone (%s): working here", type(exc).__name__)
            self._local.submit(item.context, item.body, item.work)


@dataclass(frozen=True)
class _Item:
    context: BoltContext
    body: Mapping[str, Any]
    work: Callable[[], object]
    raw: RawRequest


_HANDOFFS: weakref.WeakKeyDictionary[App, Handoff] = weakref.WeakKeyDictionary()


def bind_handoff(app: App, handoff: Handoff) -> None:
    _HANDOFFS[app] = handoff


def handoff_of(app: App) -> Handoff | None:
    """The hand-over of `app`'s work to its work process; None when the app works in-process."""
    return _HANDOFFS.get(app)


def start_work_process(settings: Settings, api_url: str, local: WorkPool) -> Handoff:
    """Start this web process's work process (a fresh interpreter: never fork a process that has
    threads) and return the web side of the hand-over. `local` runs the work if the process dies."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=run_work_process,
        args=(settings, api_url, logging.getLogger().level, receiver),
        name="rosterbot-work",
        daemon=True,
    )
    process.start()
    receiver.close()  # the work process's copy is its own: its end of file is this process's exit
    handoff = Handoff(process, sender, local)
    atexit.register(handoff.close)
    return handoff


def run_work_process(settings: Settings, api_url: str, log_level: int, connection: Connection) -> None:
    """The work process: dispatch each request handed over until the web process closes the pipe
    (or exits), then finish the work begun. SIGTERM ends it the same way; Ctrl-C in a terminal is
    for gunicorn's master, which stops the web process, which ends this one."""
    from rosterbot.cli import configure_logging
    from rosterbot.runtime import build_runtime
    from rosterbot.slack.app import build_app
    from rosterbot.slack.work import work_pool_of

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    os.nice(WORK_NICE)
    configure_logging(log_level)
    runtime = build_runtime(settings, api_url=api_url)
    app = build_app(settings, runtime.services)
    try:
        while True:
            try:
                body, headers = connection.recv()
            except EOFError:  # the web process is gone
                break
            try:
                app.dispatch(bolt_request(body, headers, context={FROM_WEB_PROCESS: True}))
            except Exception:  # noqa: BLE001 - one bad request must not end the process
                log.exception("could not handle a request handed over by the web process")
    except SystemExit:
        pass
    finally:
        work_pool_of(app).wait_idle(DRAIN_SECONDS)
        runtime.close()


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
