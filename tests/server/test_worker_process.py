"""`rosterbot serve`'s split: a web app that acks and stores each listener's lazy work as a job, and a
worker process (a fresh interpreter, as `serve` and the Procfile's `worker` run it) that does the jobs. Over
loopback HTTP with the business API emulator and the Slack stand-in: the user gets the answer, an
event or a form repeated by Slack is handled once, and work acknowledged while the worker is killed
is done once by the next worker, and the user is told.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from slack_bolt import App
from sqlalchemy import Engine, func, select

from rosterbot.config import Settings
from rosterbot.emulators.serving import RunningServer, serve_in_thread
from rosterbot.emulators.slack_api import SlackWorkspace
from rosterbot.sandbox import Sandbox
from rosterbot.server import WorkerProcess
from rosterbot.slack.app import build_app
from rosterbot.slack.web import create_web_app
from rosterbot.store import outbox
from rosterbot.store.db import session_scope
from rosterbot.store.models import OutboxItem, TimeOffRequest
from rosterbot.worker_process import start_worker_process

OWNER, ADMIN, STAFF = "U0OWNER01", "U0ADMIN01", "U0STAFF01"


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return start_worker_process(pickle.dumps(settings), logging.INFO)


@dataclass
class Served:
    """The sandbox's services behind a second web app whose jobs only a worker process does."""

    box: Sandbox
    bolt: App
    server: RunningServer
    slack: SlackWorkspace  # Slack's side towards that app
    worker: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.server.stop()
        self.worker.terminate()
        self.worker.wait(10)
        self.slack.close()


def serve_with_worker(box: Sandbox) -> Served:
    settings, services = box.settings, box.runtime.services
    bolt = build_app(settings, services)  # no worker here: the jobs wait in the queue
    server = serve_in_thread(create_web_app(settings, services, bolt_app=bolt))
    assert settings.slack_signing_secret is not None
    secret = settings.slack_signing_secret.get_secret_value()
    standin_url = settings.slack_api_url.removesuffix("/api/")
    slack = SlackWorkspace(server.url, secret, box.slack_state, standin_url)
    served = Served(box, bolt, server, slack, start_worker(settings))
    wait_until_working(served)
    return served


def wait_until_working(served: Served) -> None:
    """Until the worker process answers (it imports and connects first): a modal's trigger lives
    3 s, less than a fresh interpreter may take."""
    before = len(served.box.slack_state.responses)
    assert served.slack.command(OWNER, "/team", "help").status_code == 200
    assert served.box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=30)


@pytest.fixture(scope="module")
def served(sandbox: Callable[..., Sandbox]) -> Iterator[Served]:
    # Every worker process of this module works the same database: one set of them at a time.
    running = serve_with_worker(sandbox(job_lease_seconds=1.5))
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


def jobs(box: Sandbox) -> list[OutboxItem]:
    with session_scope(box.services.session_factory) as session:
        return outbox.items(session, kind=outbox.RUN_LISTENER)


def test_the_web_app_acks_and_stores_and_the_worker_process_answers(fresh: Served) -> None:
    box = fresh.box
    box.api_state.set_faults(latency=0.5)  # the work waits on the API
    before = len(box.slack_state.responses)

    reply = fresh.slack.command(OWNER, "/team", "list")

    assert reply.status_code == 200
    assert [job.status for job in jobs(box)] in (["pending"], ["done"])  # stored before the answer
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=15)
    answer = box.slack_state.responses[before]
    assert "Aaron" in answer.text + str(answer.blocks)
    assert box.slack_state.wait_for(lambda _s: [j.status for j in jobs(box)] == ["done"], timeout=5)


def test_an_event_slack_sends_again_is_handled_once(fresh: Served) -> None:
    box = fresh.box
    published = len(box.slack_state.calls_to("views.publish"))
    home = {"type": "app_home_opened", "user": STAFF, "tab": "home"}
    home["channel"] = box.slack_state.im_channel(STAFF).id

    assert fresh.slack.event(home, event_id="EvTWICE01").status_code == 200
    assert fresh.slack.event(home, event_id="EvTWICE01", retry_num=1).status_code == 200

    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.publish")) > published, timeout=15)
    assert len(jobs(box)) == 1  # the repeat stored nothing
    assert box.slack_state.wait_for(lambda _s: [j.status for j in jobs(box)] == ["done"], timeout=5)
    assert len(box.slack_state.calls_to("views.publish")) == published + 1


def test_a_form_submitted_twice_is_stored_once(fresh: Served) -> None:
    box = fresh.box
    assert fresh.slack.command(STAFF, "/timeoff").status_code == 200
    assert box.slack_state.wait_for(
        lambda s: any(v.get("callback_id") == "timeoff_request" for v in s.open_views(STAFF)), timeout=15
    )
    [form] = [v for v in box.slack_state.open_views(STAFF) if v.get("callback_id") == "timeoff_request"]
    starts_on = (date.today() + timedelta(days=12)).isoformat()
    values = {"starts_on": {"timeoff_field": starts_on}, "all_day": {"timeoff_field": "all_day"}}

    first = fresh.slack.submit_view(STAFF, dict(form), values)  # a double click: the same view
    second = fresh.slack.submit_view(STAFF, dict(form), values)

    assert first.status_code == second.status_code == 200
    assert len(jobs(box)) == 2  # the command's and one form's: the double click stored one job
    assert box.slack_state.wait_for(lambda _s: all(j.status == "done" for j in jobs(box)), timeout=15)
    assert stored_requests(box) == 1


def test_an_add_member_acknowledged_while_the_worker_is_killed_is_done_once_and_told(fresh: Served) -> None:
    """The operator's case: the API answers after 2 s, an admin submits the add-member form, the
    worker is killed (SIGKILL) while it works on it. A worker started again takes the job when its
    lease ends: the member exists once and the admin is told."""
    running = fresh
    box = running.box
    state = box.slack_state
    assert running.slack.command(ADMIN, "/team", "add").status_code == 200
    opened = lambda s: any(v.get("callback_id") == "team_add_member" for v in s.open_views(ADMIN))  # noqa: E731
    assert state.wait_for(opened, timeout=15)
    [form] = [v for v in state.open_views(ADMIN) if v.get("callback_id") == "team_add_member"]
    box.api_state.set_faults(latency=2.0)
    values = {
        "first_name": {"team_field": "Kim"},
        "last_name": {"team_field": "Killed"},
        "email": {"team_field": "kim.killed@example.com"},
        "role": {"team_field": "staff"},
    }

    answer = running.slack.submit_view(ADMIN, dict(form), values)

    assert answer.status_code == 200  # acknowledged: the modal says "Saving…"
    claimed = lambda _s: any(j.attempts >= 1 and j.status == "pending" for j in jobs(box))  # noqa: E731
    assert state.wait_for(claimed, timeout=15)  # the worker has it
    running.worker.kill()
    running.worker.wait(5)
    running.worker = start_worker(box.settings)  # takes the job when the lease ends

    made = lambda: [m for m in box.api_state.members() if m.email == "kim.killed@example.com"]  # noqa: E731
    assert state.wait_for(lambda s: made() and "Kim" in str(s.open_views(ADMIN)), timeout=30)
    assert state.wait_for(lambda _s: all(j.status == "done" for j in jobs(box)), timeout=15)
    assert len(made()) == 1


def test_serve_starts_its_worker_process_again_when_it_dies(fresh: Served) -> None:
    box = fresh.box
    supervised = WorkerProcess(pickle.dumps(box.settings), check_seconds=0.1)
    try:
        first = supervised.process
        first.kill()  # as the OOM killer would
        first.wait(5)
        assert box.slack_state.wait_for(
            lambda _s: supervised.process is not first and supervised.process.poll() is None, timeout=10
        )
        fresh.worker.kill()  # only the new one is left to do the work
        fresh.worker.wait(5)
        wait_until_working(fresh)
    finally:
        supervised.stop()
        fresh.worker = start_worker(box.settings)
