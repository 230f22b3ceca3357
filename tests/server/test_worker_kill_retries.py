"""What `make chaos` (bench/chaos.py) found when a worker dies mid-job.

A `/timeoff` job opens the form with the command's trigger at once, then resolves the user and
loads the team for the "For" select (business API calls). A worker killed between the two leaves the
job claimed; the next worker runs it again when the lease ends. Its `views.open` would fail (the
trigger was exchanged, or has expired after 3 s) and tell the user "Slack did not let me finish
that" under a form that is open; the job remembers the modal it opened (`slack.jobs.JobWebClient`),
and the second attempt goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from tests.server.test_worker_process import ADMIN, Served, jobs, serve_with_worker, start_worker

from rosterbot.sandbox import Sandbox


@pytest.fixture(scope="module")
def served(sandbox: Callable[..., Sandbox]) -> Iterator[Served]:
    running = serve_with_worker(sandbox(job_lease_seconds=1.5))
    yield running
    running.stop()


@pytest.fixture
def fresh(served: Served, engine: Engine) -> Served:
    served.box.api_state.set_faults()
    return served


def test_a_form_opening_retried_after_its_worker_died_tells_no_error_under_the_form(fresh: Served) -> None:
    running = fresh
    box, state = running.box, running.box.slack_state
    box.api_state.set_faults(latency=2.0)  # the job waits on the API after its views.open
    fields = running.slack.command_fields(ADMIN, "/timeoff")
    url_id = fields["response_url"].rsplit("/", 1)[1]

    assert running.slack.post_form(fields).status_code == 200

    opened = lambda s: any(v.get("callback_id") == "timeoff_request" for v in s.open_views(ADMIN))  # noqa: E731
    assert state.wait_for(opened, timeout=15)  # the first run opened the form ...
    assert any(j.status == "pending" for j in jobs(box))  # ... and is still at work
    # The job remembers the modal it opened (a moment after Slack answered the views.open).
    assert state.wait_for(lambda _s: any(j.payload.get("steps") for j in jobs(box)), timeout=5)
    running.worker.kill()
    running.worker.wait(5)
    running.worker = start_worker(box.settings)  # takes the job again when the lease ends
    assert state.wait_for(lambda _s: all(j.status == "done" for j in jobs(box)), timeout=30)

    said = [str(r.payload.get("text")) for r in state.responses if r.response_url_id == url_id]
    assert said == [], said  # the form is open: nothing went wrong for the user
    assert opened(state)
