"""Bolt calls auth.test on an app's first request; `rosterbot serve` calls it at start. (A module of
its own: the worker processes of test_worker_process.py work the same test database.)"""

from __future__ import annotations

from collections.abc import Callable

from rosterbot.emulators.serving import serve_in_thread
from rosterbot.emulators.slack_api import SlackWorkspace
from rosterbot.sandbox import Sandbox
from rosterbot.slack.app import authorize_in_background, build_app
from rosterbot.slack.web import create_web_app

OWNER = "U0OWNER01"


def test_a_web_worker_has_its_auth_test_before_its_first_request(sandbox: Callable[..., Sandbox]) -> None:
    """Bolt calls auth.test on an app's first request; in a burst right after start-up every
    request waited for it. `rosterbot serve` calls it at start, on a thread."""
    box = sandbox()
    calls = box.slack_state.calls_to
    before = len(calls("auth.test"))
    bolt = build_app(box.settings, box.runtime.services, run_here=box.work_pool.submit)
    authorize_in_background(bolt)
    assert box.slack_state.wait_for(lambda _s: len(calls("auth.test")) == before + 1, timeout=5)

    server = serve_in_thread(create_web_app(box.settings, box.runtime.services, bolt_app=bolt))
    try:
        assert box.settings.slack_signing_secret is not None
        secret = box.settings.slack_signing_secret.get_secret_value()
        standin_url = box.settings.slack_api_url.removesuffix("/api/")
        slack = SlackWorkspace(server.url, secret, box.slack_state, standin_url)
        responses = len(box.slack_state.responses)
        assert slack.command(OWNER, "/team", "help").status_code == 200
        assert box.slack_state.wait_for(lambda s: len(s.responses) > responses, timeout=5)
        assert len(calls("auth.test")) == before + 1  # the request did not call it again
        slack.close()
    finally:
        server.stop()
        assert box.work_pool.wait_idle(5)
