"""A listener's lazy work is a job stored before Slack has its answer (`rosterbot.slack.jobs`): Slack
is answered while the work waits, an error in it reaches the user, a stored job is done by whichever
worker takes it, and only a stored job runs lazy-only."""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, Respond
from slack_bolt.middleware.request_verification import RequestVerification

from rosterbot.slack.context import defer_work
from rosterbot.slack.errors import UNEXPECTED
from rosterbot.slack.jobs import SignedOrStored
from rosterbot.slack.request import bolt_request
from rosterbot.store import outbox
from rosterbot.store.db import session_scope
from rosterbot.worker import JobWorker

from .conftest import Harness

OWNER = "U0OWNER01"


def ack_and_defer(ack: Ack, context: BoltContext) -> None:
    ack()
    defer_work(context)


def stored(harness: Harness) -> list[tuple[str, str]]:
    with session_scope(harness.services.session_factory) as session:
        return [(i.status, i.payload["function"]) for i in outbox.items(session, kind=outbox.RUN_LISTENER)]


def test_slack_has_its_answer_while_the_stored_work_is_still_waiting(harness: Harness) -> None:
    release = threading.Event()
    done: list[str] = []

    def slow() -> None:
        if release.wait(10):
            done.append("done")

    harness.bolt.command("/slow")(ack_and_defer, slow)

    reply = harness.slack.command(OWNER, "/slow")

    assert reply.status_code == 200
    assert done == [] and harness.work_pool.running == 1  # answered, work still waiting
    assert stored(harness) == [("pending", "slow")]  # stored before Slack had its answer
    release.set()
    assert harness.work_pool.wait_idle(5)
    assert done == ["done"]
    assert stored(harness) == [("done", "slow")]


def test_an_error_in_the_work_reaches_the_user_and_the_worker_goes_on(harness: Harness) -> None:
    def broken(respond: Respond) -> None:
        raise RuntimeError("boom")

    harness.bolt.command("/broken")(ack_and_defer, broken)

    assert harness.slack.command(OWNER, "/broken").status_code == 200
    assert harness.work_pool.wait_idle(5)
    assert harness.slack.command(OWNER, "/broken").status_code == 200
    assert harness.work_pool.wait_idle(5)

    said = [r.text for r in harness.state.responses]
    assert said == [UNEXPECTED, UNEXPECTED]  # the traceback is logged, not shown
    assert stored(harness) == [("done", "broken"), ("done", "broken")]  # told: nothing to retry


def test_a_job_stored_by_a_process_that_died_is_done_by_another_worker(harness: Harness) -> None:
    """The app stores the work; its own worker never runs it (as if the process died right after
    the ack). Another worker, claiming from the queue, dispatches the stored request lazy-only: it
    passes without the signature (not stored), and the ack function does not run again."""
    ran: list[str] = []
    acked: list[str] = []

    def ack_hello(ack: Ack, context: BoltContext) -> None:
        acked.append("ack")
        ack()
        defer_work(context)

    def hello(command: dict[str, Any], respond: Respond) -> None:
        ran.append(command["text"])
        respond(text="hello again")

    harness.bolt.command("/hello")(ack_hello, hello)
    harness.work_pool.stop()  # this process's worker is gone: nothing is done here

    assert harness.slack.command(OWNER, "/hello", "there").status_code == 200
    assert stored(harness) == [("pending", "hello")] and ran == []

    other = JobWorker(harness.services.outbox, poll_seconds=0.05).start()  # type: ignore[arg-type]
    try:
        assert harness.state.wait_for(lambda s: [r.text for r in s.responses] == ["hello again"], timeout=5)
        assert other.wait_idle(5)
    finally:
        other.stop()
    assert ran == ["there"] and acked == ["ack"]
    assert stored(harness) == [("done", "hello")]


def test_a_request_from_the_internet_never_runs_lazy_only(harness: Harness) -> None:
    """Bolt reads `x-slack-bolt-lazy-only` from the headers: a signed request that carries it still
    runs its ack function (the web app drops Bolt's headers), and its work is stored as always."""
    acked: list[str] = []

    def ack_hello(ack: Ack, context: BoltContext) -> None:
        acked.append("ack")
        ack()
        defer_work(context)

    def hello(respond: Respond) -> None:
        respond(text="hello")

    harness.bolt.command("/hello")(ack_hello, hello)
    body = b"command=%2Fhello&text=&user_id=U0OWNER01&team_id=T0DEMO&channel_id=C0TEAM&response_url=x"
    lazy_only = {"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": "hello"}
    reply = harness.slack.post(body, "application/x-www-form-urlencoded", headers=lazy_only)

    assert reply.status_code == 200
    assert acked == ["ack"]
    assert harness.work_pool.wait_idle(5)
    assert stored(harness) == [("done", "hello")]


def test_bolt_checks_every_request_that_is_not_a_stored_job(harness: Harness) -> None:
    """`SignedOrStored` took the place of Bolt's RequestVerification (found in slack_bolt's private
    middleware list: this fails if that changes), and refuses an unsigned request dispatched to
    Bolt directly, lazy-only or not."""
    kinds = [type(m) for m in harness.bolt._middleware_list]  # noqa: SLF001
    assert SignedOrStored in kinds and RequestVerification not in kinds
    ran: list[str] = []
    harness.bolt.command("/hello")(ack_and_defer, lambda: ran.append("ran"))

    body = "command=%2Fhello&text=&user_id=U0OWNER01&team_id=T0DEMO"
    for extra in ({}, {"x-slack-bolt-lazy-only": ["1"], "x-slack-bolt-lazy-function-name": ["<lambda>"]}):
        headers = {"content-type": ["application/x-www-form-urlencoded"], **extra}
        assert harness.bolt.dispatch(bolt_request(body, headers)).status == 401
    assert harness.work_pool.wait_idle(5)
    assert ran == [] and stored(harness) == []


def test_work_that_came_over_socket_mode_is_stored_and_done(harness: Harness) -> None:
    """Socket Mode gives Bolt the payload parsed (no raw body): it is stored as JSON."""
    ran: list[str] = []

    def hello(command: dict[str, Any]) -> None:
        ran.append(command["text"])

    harness.bolt.command("/hello")(ack_and_defer, hello)
    payload = {"command": "/hello", "text": "over the socket", "user_id": OWNER, "team_id": "T0DEMO"}
    response = harness.bolt.dispatch(BoltRequest(body=payload, mode="socket_mode"))

    assert response.status == 200
    assert harness.work_pool.wait_idle(5)
    assert ran == ["over the socket"] and stored(harness) == [("done", "hello")]
