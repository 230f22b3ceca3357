"""Post-ack work in a process of its own: what `rosterbot serve` does.

Why: in a burst (50 people sending the time-off form at once) the post-ack work of the requests
before, on the same GIL and the same cores, kept the next requests waiting about 80 ms before
their handler even ran (BENCHMARKS.md, section 1). A web worker that only verifies, acks and
hands over is free when the next request arrives; the work process runs at a lower priority.

How: `rosterbot serve` starts one work process (`WorkProcess.start`) before gunicorn starts its
web workers. A web worker's listeners run as always up to their ack; `after_ack` then hands the
request itself, as Slack signed it (raw body and headers), to the work process, once, over a
local socket (`Handoff`). The work process dispatches it through its own Bolt app: the signature
is checked again, the listener runs again, its ack goes nowhere, and its `after_ack` runs the work
there. Running the ack path twice does nothing twice: it makes no API or database call
(`rosterbot.slack.work`); an event is claimed once, by the web worker (`middleware.DeliveryDedup`
skips the claim for a handed-over request); a form is claimed by the pool that runs its work.

All business API calls then come from the one work process, so it has the whole
ROSTERBOT_API_RATE_LIMIT. If the work process is gone, a web worker does the work itself, as it
would without one.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import secrets
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
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
# The work process's priority below the web workers'. The kernel weighs each thread: 50 work
# threads busy at nice 5 (335 each against a web thread's 1024) kept acks waiting 300-600 ms in a
# burst of 50 time-off forms; at nice 15 (36 each) they waited no longer than the floor's.
WORK_NICE = 15
# How long the work process may finish what it has when `rosterbot serve` stops (gunicorn's
# graceful_timeout is 20 s).
DRAIN_SECONDS = 15.0

RawRequest = tuple[str, dict[str, Sequence[str]]]


@dataclass(frozen=True)
class WorkAddress:
    """Where the work process listens (a UNIX socket) and the key a web worker proves itself with."""

    path: str
    authkey: bytes


class WorkProcess:
    """`rosterbot serve`'s work process, seen from the process that started it."""

    def __init__(self, process: BaseProcess, address: WorkAddress) -> None:
        self.process = process
        self.address = address

    @classmethod
    def start(cls, settings: Settings, *, timeout: float = 30.0) -> WorkProcess:
        """Start it (a fresh interpreter: never fork a process that has threads) and wait until it
        listens."""
        folder = tempfile.mkdtemp(prefix="rosterbot-work-")
        address = WorkAddress(str(Path(folder) / "work.sock"), secrets.token_bytes(32))
        context = multiprocessing.get_context("spawn")
        process = context.Process(
            target=run_work_process,
            args=(settings, address, logging.getLogger().level, os.getpid()),
            name="rosterbot-work",
            daemon=True,
        )
        process.start()
        deadline = time.monotonic() + timeout
        while not Path(address.path).exists():
            if not process.is_alive() or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the work process did not start (see its log above)")
            time.sleep(0.02)
        return cls(process, address)

    def stop(self, timeout: float = DRAIN_SECONDS) -> None:
        """Ask it to finish what it has (up to `timeout`) and exit."""
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: it stops taking work and drains
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
        with contextlib.suppress(OSError):  # shutting down: a folder left behind harms nothing
            Path(self.address.path).unlink(missing_ok=True)
            Path(self.address.path).parent.rmdir()


class Handoff:
    """A web worker's side: sends each request whose listener called `after_ack` to the work
    process, once. `submit` only queues (it runs before Slack has its answer); a sender thread
    connects and writes. While the work process cannot be reached, `local` does the work."""

    def __init__(self, address: WorkAddress, local: WorkPool) -> None:
        self._address = address
        self._local = local
        self._connection: Connection | None = None
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_all, name="handoff", daemon=True)
        self._sender.start()

    def submit(self, context: BoltContext, body: Mapping[str, Any], work: Callable[[], object]) -> None:
        if context.get(_SENT):
            return  # a listener's second after_ack: the work process runs that listener whole
        context[_SENT] = True
        self._queue.put(_Item(context, body, work, context[RAW_REQUEST]))

    def close(self) -> None:
        self._queue.put(None)
        self._sender.join(timeout=1.0)
        if self._connection is not None:
            self._connection.close()

    def _send_all(self) -> None:
        while (item := self._queue.get()) is not None:
            if not self._send(item.raw):
                self._local.submit(item.context, item.body, item.work)

    def _send(self, raw: RawRequest) -> bool:
        """Send to the work process, connecting (again) when needed; False when it is gone."""
        for _ in range(2):  # a connection broken since the last request: one new one
            try:
                if self._connection is None:
                    address = self._address
                    self._connection = Client(address.path, family="AF_UNIX", authkey=address.authkey)
                self._connection.send(raw)
                return True
            except (OSError, EOFError, ValueError) as exc:
                if self._connection is not None:
                    self._connection.close()
                self._connection = None
                error = exc
        log.error("the work process cannot be reached (%s): working here", type(error).__name__)
        return False


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
    """The hand-over of `app`'s work to the work process; None when the app works in-process."""
    return _HANDOFFS.get(app)


def run_work_process(settings: Settings, address: WorkAddress, log_level: int, parent: int) -> None:
    """The work process: dispatch each request the web workers hand over until SIGTERM (or until
    the process that started it is gone), then finish the work begun. Ctrl-C in a terminal is
    for gunicorn's master, which then stops this process."""
    from rosterbot.cli import configure_logging
    from rosterbot.runtime import build_runtime
    from rosterbot.slack.app import authorize_in_background, build_app
    from rosterbot.slack.work import work_pool_of
    from rosterbot.worker import check_channels

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    os.nice(WORK_NICE)
    configure_logging(log_level)
    # Listening first: a web worker may connect (and queue requests) while the app is built.
    listener = Listener(address.path, family="AF_UNIX", authkey=address.authkey)
    runtime = build_runtime(settings)
    app = build_app(settings, runtime.services)
    authorize_in_background(app)
    # Once per `rosterbot serve`: warn of a configured channel the bot cannot post in.
    threading.Thread(target=check_channels, args=(runtime.services,), name="channels", daemon=True).start()
    threading.Thread(target=_accept_all, args=(listener, app), name="accept", daemon=True).start()
    try:
        while os.getppid() == parent:
            time.sleep(1.0)
    except SystemExit:
        pass
    finally:
        listener.close()
        work_pool_of(app).wait_idle(DRAIN_SECONDS)
        runtime.close()


def _accept_all(listener: Listener, app: App) -> None:
    while True:
        try:
            connection = listener.accept()
        except OSError:  # closed: the process is stopping
            return
        except Exception:  # noqa: BLE001 - a client that failed the handshake
            log.warning("refused a connection to the work process", exc_info=True)
            continue
        threading.Thread(target=_dispatch_all, args=(connection, app), name="handed", daemon=True).start()


def _dispatch_all(connection: Connection, app: App) -> None:
    """Dispatch what one web worker hands over, in order, until it disconnects."""
    with connection:
        while True:
            try:
                body, headers = connection.recv()
            except (EOFError, OSError):
                return
            try:
                app.dispatch(bolt_request(body, headers, context={FROM_WEB_PROCESS: True}))
            except Exception:  # noqa: BLE001 - one bad request must not stop the others
                log.exception("could not handle a request handed over by a web worker")


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
