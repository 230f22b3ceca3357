"""`rosterbot serve`: the web process under gunicorn (the Procfile's `web`), and a worker process.

A web worker verifies a Slack request, runs its listener's ack function, stores the lazy work as a
job and answers Slack (`rosterbot.slack.jobs`); it does no post-ack work itself, so its threads only
carry requests. The worker process started here (as `rosterbot worker` would run) does the jobs,
at a lower priority; the Procfile's `worker` adds more, on any machine sharing the database.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from types import FrameType
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlalchemy.exc import SQLAlchemyError

from rosterbot.config import Settings

log = logging.getLogger(__name__)

THREADS = 16
# The worker process's priority below the web workers': 50 busy work threads at nice 5 kept acks
# waiting 300-600 ms in a burst of 50 time-off forms; at nice 15 no longer than the floor's.
WORK_NICE = 15


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # Each worker process builds its own runtime after the fork: one connection pool each.
        from rosterbot.runtime import build_runtime
        from rosterbot.slack.app import authorize_in_background, build_app
        from rosterbot.slack.web import create_web_app

        runtime = build_runtime(self._settings)
        try:
            runtime.services.timeoff.zones.load()  # now, so that no time-off form waits for it
        except SQLAlchemyError:
            log.warning("the database does not answer: the time zones are read at the first form")
        bolt = build_app(self._settings, runtime.services)  # its jobs go to the worker process
        authorize_in_background(bolt)
        return create_web_app(self._settings, runtime.services, bolt_app=bolt)


def gunicorn_options(port: int, workers: int, host: str = "0.0.0.0") -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS,
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        # No access log: request lines could carry response_urls; errors still go to stderr.
        "accesslog": None,
    }


def serve(settings: Settings, *, port: int, workers: int = 1, host: str = "0.0.0.0") -> None:
    """Serve until stopped (SIGTERM/SIGINT): gunicorn's web workers, and one worker process
    started first (a fresh interpreter: never fork a process that has threads), started again
    whenever it dies, as gunicorn does for its web workers."""
    worker = WorkerProcess(settings)
    master = os.getpid()
    try:
        _Gunicorn(settings, gunicorn_options(port, workers, host)).run()
    finally:
        # A web worker is a fork of this process and leaves gunicorn's run() through here too: only
        # the process that started the worker may stop it.
        if os.getpid() == master:
            worker.stop()


class WorkerProcess:
    """`serve`'s worker process, kept running: a thread of the master starts a new one when it
    dies (killed, out of memory); what the dead one held is taken again when its lease ends."""

    def __init__(self, settings: Settings, *, check_seconds: float = 1.0) -> None:
        self._settings = settings
        self._stopping = threading.Event()
        self.process = self._start()
        self._check_seconds = check_seconds
        threading.Thread(target=self._keep_running, name="worker-supervisor", daemon=True).start()

    def stop(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: it stops claiming and lets running work finish
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()

    def _start(self) -> multiprocessing.process.BaseProcess:
        process = multiprocessing.get_context("spawn").Process(
            target=run_worker_process,
            args=(self._settings, logging.getLogger().level, os.getpid()),
            name="rosterbot-worker",
            daemon=True,
        )
        process.start()
        return process

    def _keep_running(self) -> None:
        while not self._stopping.wait(self._check_seconds):
            if not _alive(self.process) and not self._stopping.is_set():
                log.error("the worker process ended (exit code %s): starting another", self.process.exitcode)
                self.process = self._start()


def _alive(process: multiprocessing.process.BaseProcess) -> bool:
    """Whether `process` still runs. Not `is_alive()` alone: gunicorn's master reaps every child
    that ends (its SIGCHLD handler waits for any pid), and then multiprocessing can no longer tell."""
    if process.pid is None or not process.is_alive():
        return False
    try:
        os.kill(process.pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    return True


def run_worker_process(settings: Settings, log_level: int, parent: int) -> None:
    """`rosterbot serve`'s worker process: `rosterbot worker` until SIGTERM, or until the process
    that started it is gone. Ctrl-C in a terminal is for gunicorn's master, which then stops this."""
    from rosterbot.cli import configure_logging
    from rosterbot.runtime import build_runtime
    from rosterbot.worker import run

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()

    def stop_on(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    os.nice(WORK_NICE)
    configure_logging(log_level)

    def watch_parent() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=watch_parent, name="parent", daemon=True).start()
    runtime = build_runtime(settings)
    try:
        run(settings, runtime, stop_event=stop)
    finally:
        runtime.close()
