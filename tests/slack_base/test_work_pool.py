"""The work a listener does after its ack (`rosterbot.slack.work`): Slack has its answer before the
work starts, an error in the work reaches the user, a repeated form does its work once."""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from rosterbot.slack.errors import UNEXPECTED
from rosterbot.slack.work import WorkPool, after_ack

from .conftest import Harness

OWNER = "U0OWNER01"


def test_slack_has_its_answer_while_the_work_is_still_waiting(harness: Harness) -> None:
    release = threading.Event()
    done: list[str] = []

    @harness.bolt.command("/slow")
    def slow(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        after_ack(context, body, lambda: done.append("done") if release.wait(10) else None)

    reply = harness.slack.command(OWNER, "/slow")

    assert reply.status_code == 200
    assert done == [] and harness.work_pool.running == 1  # answered, work still waiting
    release.set()
    assert harness.work_pool.wait_idle(5)
    assert done == ["done"]


def test_an_error_in_the_work_reaches_the_user_and_the_pool_goes_on(harness: Harness) -> None:
    @harness.bolt.command("/broken")
    def broken(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        ack()

        def work() -> None:
            raise RuntimeError("boom")

        after_ack(context, body, work)

    assert harness.slack.command(OWNER, "/broken").status_code == 200
    assert harness.work_pool.wait_idle(5)
    assert harness.slack.command(OWNER, "/broken").status_code == 200
    assert harness.work_pool.wait_idle(5)

    said = [r.text for r in harness.state.responses]
    assert said == [UNEXPECTED, UNEXPECTED]  # the traceback is logged, not shown


def test_the_pool_counts_queued_and_running_work_and_survives_a_failing_handler() -> None:
    errors: list[str] = []

    def on_error(error: Exception, body: Any, context: Any) -> None:
        errors.append(str(error))
        raise ValueError("the handler fails too")

    pool = WorkPool(on_error, threads=2)
    gate = threading.Event()
    ran: list[int] = []
    context: dict[str, Any] = {}
    try:
        for number in range(5):
            pool.submit(context, {}, lambda n=number: ran.append(n) if gate.wait(5) else None)  # type: ignore[arg-type, misc]
        assert pool.running == 5
        assert not pool.wait_idle(0.05)
        gate.set()
        assert pool.wait_idle(5)
        assert sorted(ran) == [0, 1, 2, 3, 4]

        def fail() -> None:
            raise KeyError("lost")

        pool.submit(context, {}, fail)  # type: ignore[arg-type]
        assert pool.wait_idle(5)
        pool.submit(context, {}, lambda: ran.append(5))  # type: ignore[arg-type]
        assert pool.wait_idle(5)
    finally:
        pool.shutdown()
    assert errors == ["'lost'"]
    assert ran[-1] == 5


def test_work_whose_delivery_was_claimed_before_does_not_run() -> None:
    pool = WorkPool(lambda error, body, context: None, threads=1)
    ran: list[str] = []
    try:
        pool.submit({"claim_delivery": lambda: True}, {}, lambda: ran.append("first"))  # type: ignore[arg-type]
        pool.submit({"claim_delivery": lambda: False}, {}, lambda: ran.append("repeat"))  # type: ignore[arg-type]
        assert pool.wait_idle(5)
    finally:
        pool.shutdown()
    assert ran == ["first"]
