"""`rosterbot serve`: the web process under gunicorn (the Procfile's `web`).

gunicorn's threaded workers: a Slack request is acked as soon as its listener calls `ack()`, and
the listener's slower work goes on in the worker's work process (`rosterbot.slack.handoff`), so
threads here only carry requests.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlalchemy.exc import SQLAlchemyError

from rosterbot.config import Settings

log = logging.getLogger(__name__)

THREADS = 16


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
        from rosterbot.slack.app import build_app
        from rosterbot.slack.web import create_web_app

        runtime = build_runtime(self._settings)
        try:
            runtime.services.timeoff.zones.load()  # now, so that no time-off form waits for it
        except SQLAlchemyError:
            log.warning("the database does not answer: the time zones are read at the first form")
        # The post-ack work goes to a process of this worker's own (rosterbot.slack.handoff).
        bolt = build_app(self._settings, runtime.services, work_process=True)
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
    """Serve until stopped (SIGTERM/SIGINT). The API rate limit is shared out among the workers:
    each process limits itself, and together they must stay within what the API allows."""
    _Gunicorn(worker_settings(settings, workers), gunicorn_options(port, workers, host)).run()


def worker_settings(settings: Settings, workers: int) -> Settings:
    """`settings` for one of `workers` processes: ROSTERBOT_API_RATE_LIMIT divided among them."""
    return settings.model_copy(update={"api_rate_limit": settings.api_rate_limit / max(workers, 1)})
