"""`rosterbot serve`: gunicorn's options."""

from __future__ import annotations

from rosterbot.server import gunicorn_options


def test_gunicorn_runs_threaded_workers_on_the_port() -> None:
    options = gunicorn_options(3000, 2)
    assert (options["bind"], options["workers"], options["worker_class"]) == ("0.0.0.0:3000", 2, "gthread")
