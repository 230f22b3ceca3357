"""`rosterbot serve`: the API rate limit is shared out among gunicorn's workers."""

from __future__ import annotations

from rosterbot.config import load_settings
from rosterbot.server import gunicorn_options, worker_settings


def test_each_worker_gets_its_share_of_the_api_rate_limit() -> None:
    settings = load_settings(api_rate_limit=5.0)
    assert worker_settings(settings, 2).api_rate_limit == 2.5
    assert worker_settings(settings, 1).api_rate_limit == 5.0
    assert settings.api_rate_limit == 5.0  # the caller's settings are not changed


def test_gunicorn_runs_threaded_workers_on_the_port() -> None:
    options = gunicorn_options(3000, 2)
    assert (options["bind"], options["workers"], options["worker_class"]) == ("0.0.0.0:3000", 2, "gthread")
