"""`rosterbot serve`: the web process under gunicorn (the Procfile's `web`).

gunicorn's threaded workers: a Slack request is acked as soon as its listener calls `ack()`, and
the listener's slower work goes on in the work process (`rosterbot.slack.handoff`), so threads
here only carry requests.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlalchemy.exc import SQLAlchemyError

from rosterbot.config import Settings
from rosterbot.slack.handoff import WorkAddress, WorkProcess

log = logging.getLogger(__name__)

THREADS = 16


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any], work: WorkAddress) -> None:
        self._settings = settings
        self._options = options
        self._work = work
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
        # The post-ack work goes to the work process (rosterbot.slack.handoff).
        bolt = build_app(self._settings, runtime.services, hand_off_to=self._work)
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
    """Serve until stopped (SIGTERM/SIGINT): gunicorn's web workers, and the one work process that
    does their post-ack work (`rosterbot.slack.handoff`), started first. All of them, and every
    other process on the database, keep to one API rate limit together (`runtime.py`)."""
    work = WorkProcess.start(settings)
    master = os.getpid()
    try:
        options = gunicorn_options(port, workers, host)
        _Gunicorn(settings, options, work.address).run()
    finally:
        # A web worker is a fork of this process and leaves gunicorn's run() through here too: only
        # the process that started the work process may stop it.
        if os.getpid() == master:
            work.stop()
