"""`rosterbot serve`'s hand-over (`rosterbot.slack.handoff`): a web worker acks and hands each
request to the work process, which does the work. Over loopback HTTP with the real work process
(spawned), the business API emulator and the Slack stand-in: the user gets the answer, the web
worker holds no work while the API is slow, an event or a form repeated by Slack is handled
once, and when the work process is gone the web worker does the work itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from slack_bolt import App
from sqlalchemy import Engine, func, select

from rosterbot.emulators.serving import RunningServer, serve_in_thread
from rosterbot.emulators.slack_api import SlackWorkspace
from rosterbot.sandbox import Sandbox
from rosterbot.slack.app import authorize_in_background, build_app
from rosterbot.slack.handoff import Handoff, WorkProcess, handoff_of
from rosterbot.slack.web import create_web_app
from rosterbot.slack.work import work_pool_of
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest

OWNER, STAFF = "U0OWNER01", "U0STAFF01"


@dataclass
class Served:
    """The sandbox's services behind a second web app that hands its work to a work process."""

    box: Sandbox
    work: WorkProcess
    bolt: App
    handoff: Handoff
    server: RunningServer
    slack: SlackWorkspace  # Slack's side towards the handing-over app

    def stop(self) -> None:
        self.server.stop()
        self.handoff.close()
        self.work.stop(timeout=5)
        self.slack.close()


def serve_with_work_process(box: Sandbox) -> Served:
    settings, services = box.settings, box.runtime.services
    work = WorkProcess.start(settings)
    bolt = build_app(settings, services, hand_off_to=work.address)
    handoff = handoff_of(bolt)
    assert handoff is not None
    server = serve_in_thread(create_web_app(settings, services, bolt_app=bolt))
    assert settings.slack_signing_secret is not None
    secret = settings.slack_signing_secret.get_secret_value()
    standin_url = settings.slack_api_url.removesuffix("/api/")
    slack = SlackWorkspace(server.url, secret, box.slack_state, standin_url)
    return Served(box, work, bolt, handoff, server, slack)


@pytest.fixture(scope="module")
def served(sandbox: Callable[..., Sandbox]) -> Iterator[Served]:
    running = serve_with_work_process(sandbox())
    yield running
    running.stop()


@pytest.fixture
def fresh(served: Served, engine: Engine) -> Served:
    """`served` with rosterbot's tables emptied (`engine`) and the business API answering at once."""
    served.box.api_state.set_faults()
    return served


def stored_requests(box: Sandbox) -> int:
    with session_scope(box.services.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(TimeOffRequest)) or 0)


def test_the_web_process_acks_and_the_work_process_answers(fresh: Served) -> None:
    box = fresh.box
    box.api_state.set_faults(latency=0.5)  # the work waits on the API
    before = len(box.slack_state.responses)

    reply = fresh.slack.command(OWNER, "/team", "list")

    assert reply.status_code == 200
    assert fresh.work.process.is_alive()
    assert work_pool_of(fresh.bolt).running == 0  # nothing waits on the API in the web process
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=10)
    answer = box.slack_state.responses[before]
    assert "Aaron" in answer.text + str(answer.blocks)
    assert work_pool_of(fresh.bolt).running == 0


def test_an_event_slack_sends_again_is_handled_once(fresh: Served) -> None:
    box = fresh.box
    published = len(box.slack_state.calls_to("views.publish"))
    home = {"type": "app_home_opened", "user": STAFF, "tab": "home"}
    home["channel"] = box.slack_state.im_channel(STAFF).id

    assert fresh.slack.event(home, event_id="EvTWICE01").status_code == 200
    assert fresh.slack.event(home, event_id="EvTWICE01", retry_num=1).status_code == 200

    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.publish")) > published, timeout=10)
    box.slack_state.wait_for(lambda _s: False, timeout=1.0)  # a second publish would land now
    assert len(box.slack_state.calls_to("views.publish")) == published + 1
    assert (box.slack_state.home(STAFF) or {}).get("type") == "home"


def test_a_form_submitted_twice_is_stored_once(fresh: Served) -> None:
    box = fresh.box
    assert fresh.slack.command(STAFF, "/timeoff").status_code == 200
    assert box.slack_state.wait_for(
        lambda s: any(v.get("callback_id") == "timeoff_request" for v in s.open_views(STAFF)), timeout=10
    )
    [form] = [v for v in box.slack_state.open_views(STAFF) if v.get("callback_id") == "timeoff_request"]
    starts_on = (date.today() + timedelta(days=12)).isoformat()
    values = {"starts_on": {"timeoff_field": starts_on}, "all_day": {"timeoff_field": "all_day"}}

    first = fresh.slack.submit_view(STAFF, dict(form), values)  # a double click: the same view
    second = fresh.slack.submit_view(STAFF, dict(form), values)

    assert first.status_code == second.status_code == 200
    assert box.slack_state.wait_for(lambda _s: stored_requests(box) > 0, timeout=10)
    box.slack_state.wait_for(lambda _s: False, timeout=1.0)  # a second request would land now
    assert stored_requests(box) == 1


def test_when_the_work_process_dies_the_web_process_does_the_work(
    sandbox: Callable[..., Sandbox], engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    running = serve_with_work_process(sandbox())
    try:
        box = running.box
        before = len(box.slack_state.responses)
        assert running.slack.command(OWNER, "/team", "list").status_code == 200  # connected
        assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=10)
        running.work.process.kill()
        running.work.process.join(5)
        before = len(box.slack_state.responses)

        with caplog.at_level(logging.ERROR, logger="rosterbot.slack.handoff"):
            assert running.slack.command(OWNER, "/team", "list").status_code == 200
            assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=10)

        answer = box.slack_state.responses[before]
        assert "Aaron" in answer.text + str(answer.blocks)
        assert any("work process cannot be reached" in r.getMessage() for r in caplog.records)
        assert work_pool_of(running.bolt).wait_idle(5)
    finally:
        running.stop()


def test_a_web_worker_has_its_auth_test_before_its_first_request(sandbox: Callable[..., Sandbox]) -> None:
    """Bolt calls auth.test on an app's first request; in a burst right after start-up every
    request waited for it. `rosterbot serve` calls it at start, on a thread."""
    box = sandbox()
    calls = box.slack_state.calls_to
    before = len(calls("auth.test"))
    bolt = build_app(box.settings, box.runtime.services)
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
        assert work_pool_of(bolt).wait_idle(5)
