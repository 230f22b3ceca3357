"""`rosterbot serve`: the web process under gunicorn (the Procfile's `web`), and a worker process.

A web worker verifies a Slack request, runs its listener's ack function, stores the lazy work as a
job and answers Slack (`rosterbot.slack.jobs`); it does no post-ack work itself, so its threads only
carry requests. The worker process started here (as `rosterbot worker` would run) does the jobs,
at a lower priority; the Procfile's `worker` adds more, on any machine sharing the database.

gunicorn's master only starts and watches processes, so it imports none of the bot: the settings,
checked before it starts, reach it pickled and are unpickled in the processes that use them.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication

from rosterbot.logs import configure_logging
from rosterbot.worker_process import start_worker_process

if TYPE_CHECKING:
    from flask import Flask

    from rosterbot.config import Settings

log = logging.getLogger("rosterbot.server")  # not __main__, its name in the master

THREADS = 16


class _Gunicorn(BaseApplication):
    def __init__(self, pickled_settings: bytes, options: dict[str, Any]) -> None:
        self._pickled_settings = pickled_settings
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # Each worker process builds its own runtime after the fork: one connection pool each. The
        # bot is imported here, not by the master, which only watches the workers (less memory).
        from sqlalchemy.exc import SQLAlchemyError

        from rosterbot.runtime import build_runtime
        from rosterbot.slack.app import authorize_in_background, build_app
        from rosterbot.slack.web import create_web_app

        settings: Settings = pickle.loads(self._pickled_settings)
        runtime = build_runtime(settings)
        try:
            runtime.services.timeoff.zones.load()  # now, so that no time-off form waits for it
        except SQLAlchemyError:
            log.warning("the database does not answer: the time zones are read at the first form")
        bolt = build_app(settings, runtime.services)  # its jobs go to the worker process
        authorize_in_background(bolt)
        return create_web_app(settings, runtime.services, bolt_app=bolt)


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
    """Serve until stopped: this process, which loaded and checked `settings` (pydantic: 15 MiB
    the master has no use for), becomes a fresh interpreter running `run_master` (exec: the same
    process, as a process manager sees it), the settings pickled through a pipe."""
    read, write = os.pipe()
    with os.fdopen(write, "wb") as pipe:
        pipe.write(pickle.dumps(settings))  # 1 KiB: the pipe keeps it until the master reads it
    os.set_inheritable(read, True)
    options = {"settings-fd": read, "port": port, "workers": workers, "host": host}
    options["log-level"] = logging.getLogger().level
    argv = [sys.executable, "-m", "rosterbot.server", *(f"--{k}={v}" for k, v in options.items())]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


def run_master(pickled_settings: bytes, *, port: int, workers: int, host: str) -> None:
    """gunicorn's web workers until stopped (SIGTERM/SIGINT), and one worker process started first
    (a fresh interpreter: never fork a process that has threads), started again whenever it dies,
    as gunicorn does for its web workers."""
    worker = WorkerProcess(pickled_settings)
    master = os.getpid()
    try:
        _Gunicorn(pickled_settings, gunicorn_options(port, workers, host)).run()
    finally:
        # A web worker is a fork of this process and leaves gunicorn's run() through here too: only
        # the process that started the worker may stop it.
        if os.getpid() == master:
            worker.stop()


class WorkerProcess:
    """`serve`'s worker process, kept running: a thread of the master starts a new one when it
    dies (killed, out of memory); what the dead one held is taken again when its lease ends."""

    def __init__(self, pickled_settings: bytes, *, check_seconds: float = 1.0) -> None:
        self._pickled_settings = pickled_settings
        self._stopping = threading.Event()
        self.process = start_worker_process(pickled_settings, logging.getLogger().level)
        self._check_seconds = check_seconds
        threading.Thread(target=self._keep_running, name="worker-supervisor", daemon=True).start()

    def stop(self, timeout: float = 20.0) -> None:
        self._stopping.set()
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: it stops claiming and lets running work finish
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _keep_running(self) -> None:
        while not self._stopping.wait(self._check_seconds):
            # poll() also sees a worker process that gunicorn's master reaped (its SIGCHLD handler
            # waits for any pid): waitpid then fails with ECHILD, which Popen takes as ended.
            ended = self.process.poll()
            if ended is not None and not self._stopping.is_set():
                log.error("the worker process ended (exit code %s): starting another", ended)
                self.process = start_worker_process(self._pickled_settings, logging.getLogger().level)


def _main() -> None:
    """What `serve` runs: python -m rosterbot.server --settings-fd=N --port=N --workers=N ..."""
    parser = argparse.ArgumentParser(prog="python -m rosterbot.server")
    for name in ("settings-fd", "port", "workers", "log-level"):
        parser.add_argument(f"--{name}", type=int, required=True)
    parser.add_argument("--host", required=True)
    args = parser.parse_args()
    configure_logging(args.log_level)
    with os.fdopen(args.settings_fd, "rb") as settings_pipe:
        pickled = settings_pipe.read()
    run_master(pickled, port=args.port, workers=args.workers, host=args.host)


if __name__ == "__main__":
    _main()
