"""Acknowledged means kept: a listener's lazy work is stored as a job before Slack gets its answer.

Each listener is Bolt's `ack=` / `lazy=` pair (`rosterbot.slack.turn.Listener`). The ack function
decides only what Slack needs at once and, when there is more to do, calls `defer_work(context)`.
Bolt then hands each lazy function to the app's `LazyListenerRunner`; ours, `StoringLazyRunner`,
stores the request as Slack sent it (body and the headers worth keeping) and the function's name as
a job of the one queue (`services.jobs`), still before the ack is returned. A worker
(`rosterbot.worker.JobWorker`), in this process or any other sharing the database, claims the job
and dispatches the stored request through the app again as lazy-only (`run_stored`), as Bolt's AWS
Lambda adapter re-invokes a function with `x-slack-bolt-lazy-only`.

A stored job is not a new request from the internet: it was verified before it was stored, and
only what can write the database can make one. `SignedOrStored` takes Bolt's signature check's
place and lets through a dispatch that carries its job (`RequestScope.job`, set here, never from
the wire), so a job retried later is not refused for its age; every other request is checked as
Bolt checks it.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.middleware import Middleware
from slack_bolt.middleware.request_verification import RequestVerification
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from rosterbot.config import Settings
from rosterbot.services.jobs import Claim, ListenerWork
from rosterbot.services.outbox import Permanent
from rosterbot.slack.context import SCOPE_KEY, RequestScope, StoredJob, scope_of
from rosterbot.slack.errors import report_error
from rosterbot.slack.middleware import delivery_key
from rosterbot.slack.request import bolt_request

if TYPE_CHECKING:
    from rosterbot.services.container import Services

log = logging.getLogger(__name__)

LAZY_ONLY = "x-slack-bolt-lazy-only"
LAZY_FUNCTION = "x-slack-bolt-lazy-function-name"
# Headers a stored request keeps: what Bolt and our listeners read. Not the signature (a stored job
# is not checked again), nothing else a proxy may have added.
KEPT_HEADERS = frozenset({"content-type", "x-slack-retry-num", "x-slack-retry-reason"})

JobSink = Callable[[int], None]  # a stored job's id -> done by this process's worker


class StoringLazyRunner(LazyListenerRunner):
    """Bolt's lazy listener runner: `start` stores the lazy work (the ack is not yet returned);
    `run` does it, in a worker, when Bolt dispatches the stored request lazy-only."""

    def __init__(self, logger: logging.Logger, services: Services, run_here: JobSink | None) -> None:
        """`run_here`: this process's worker, which does what this process stores at once (the
        console, Socket Mode, the tests); None: a worker process claims it (`rosterbot serve`)."""
        self.logger = logger
        self._services = services
        self._run_here = run_here

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        scope = scope_of(request.context)
        if scope is None or not scope.defer or not request.lazy_function_name:
            return  # the ack function answered everything (a form's errors, a stale form)
        key = delivery_key(request)
        # Socket Mode hands Bolt the payload parsed, with no raw body: it is kept as JSON.
        raw = bool(request.raw_body)
        work = ListenerWork(
            function=request.lazy_function_name,
            body=request.raw_body if raw else json.dumps(request.body),
            headers=kept_headers(request.headers) if raw else {"content-type": ["application/json"]},
            slack_team_id=str(request.context.team_id or ""),
        )
        # A form is claimed with its work (a double click stores one job); an event was claimed
        # before its listener ran (middleware.DeliveryDedup).
        form_key = key if key and key.startswith("view:") else None
        job = self._services.jobs.store_listener_work(work, delivery_key=form_key)
        if job is None:
            log.info("skipped a repeated Slack delivery (view)")
        elif self._run_here is not None:
            self._run_here(job)

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        """Do the lazy work; what it raises is told to the user (`report_error`), as any error
        after the ack: the job is then done."""
        scope = scope_of(request.context)
        if scope is not None and scope.job is not None:
            scope.job.ran = True
        kwargs = build_required_kwargs(
            logger=self.logger,
            required_arg_names=get_arg_names_of_callable(function),
            request=request,
            response=None,
            this_func=function,
        )
        try:
            function(**kwargs)
        except Exception as error:  # noqa: BLE001 - every error is told to the user
            try:
                report_error(error, request.body, request.context)
            except Exception:  # noqa: BLE001 - the job is done all the same; the log has it
                log.exception("the error handler failed")


def _lazy_request(request: BoltRequest, lazy_func_name: str) -> BoltRequest:
    copied = copy.copy(request)
    copied.lazy_only = True
    copied.lazy_function_name = lazy_func_name
    return copied


def kept_headers(headers: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    return {name: list(values) for name, values in headers.items() if name.lower() in KEPT_HEADERS}


class SignedOrStored(RequestVerification):
    """Bolt's signature check, except for a stored job's dispatch (see the module's docstring)."""

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        scope = scope_of(req.context)
        if scope is not None and scope.job is not None:
            return next()
        return super().process(req=req, resp=resp, next=next)


def install(app: App, services: Services, signing_secret: str, run_here: JobSink | None) -> None:
    """Make `app` store its lazy work (`StoringLazyRunner`) and let its stored jobs through
    (`SignedOrStored`, in the place of Bolt's `RequestVerification`)."""
    runner = app.listener_runner
    runner.lazy_listener_runner = StoringLazyRunner(app.logger, services, run_here)
    # Bolt deep-copies the whole request (its context's Web client included) for each lazy
    # function, for a thread to use; ours only reads the body and headers to store them, on the
    # HTTP thread: a shallow copy does (the deep copy was a quarter of the ack path's time).
    runner._build_lazy_request = _lazy_request  # type: ignore[method-assign]  # noqa: SLF001
    # slack_bolt keeps its built-in middleware in a private list; tests/slack_base/test_jobs.py
    # fails if that changes.
    middleware: list[Any] = app._middleware_list  # noqa: SLF001
    for index, item in enumerate(middleware):
        if type(item) is RequestVerification:
            middleware[index] = SignedOrStored(signing_secret, base_logger=app.logger)
            return
    raise RuntimeError("slack_bolt's RequestVerification was not found: the app would not verify requests")


def run_stored(app: App, services: Services, settings: Settings) -> Callable[[Claim], None]:
    """The worker's handler of a `RUN_LISTENER` job: dispatch its request through `app`, lazy-only."""

    def run(claim: Claim) -> None:
        work = ListenerWork.of_payload(claim.payload)
        job = StoredJob(claim, steps=dict(claim.payload.get("steps") or {}))
        headers = {**work.headers, LAZY_ONLY: ["1"], LAZY_FUNCTION: [work.function]}
        scope = RequestScope(services, settings, job=job)
        response = app.dispatch(bolt_request(work.body, headers, context={SCOPE_KEY: scope}))
        if not job.ran:
            # No listener of this app has that function (a deploy renamed it) or a middleware
            # refused the request: no retry will change that.
            raise Permanent(f"stored work {work.function!r} found no listener (status {response.status})")

    return run


class JobSteps(Middleware):
    """Gives a stored job's run a Web client that does not open a modal twice (`JobWebClient`)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        scope = scope_of(req.context)
        client = req.context.get("client")
        if scope is not None and scope.job is not None and isinstance(client, WebClient):
            job, jobs = scope.job, self._services.jobs
            req.context["client"] = JobWebClient(client, job, lambda k, v: jobs.record_step(job.claim, k, v))
        return next()


class JobWebClient(WebClient):
    """The Web client of a stored job's run. A trigger opens one modal, once: a modal that an
    earlier attempt of the job opened (and then died) is not opened again; that attempt's answer
    stands, and the work goes on from there (updating the modal it opened). Everything else goes
    to `inner` as it is."""

    def __init__(self, inner: WebClient, job: StoredJob, record: Callable[[str, Any], None]) -> None:
        super().__init__(token=inner.token, base_url=inner.base_url, logger=inner.logger)
        self._inner, self._job, self._record = inner, job, record

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        if api_method != "views.open":
            return self._inner.api_call(api_method, **kwargs)
        args = kwargs.get("json") or kwargs.get("params") or {}
        trigger = args.get("trigger_id")
        key = f"views.open:{trigger}"
        done = self._job.steps.get(key)
        if isinstance(done, dict):
            log.info("job #%s: the modal its first attempt opened stands", self._job.claim.id)
            return SlackResponse(
                client=self,
                http_verb="POST",
                api_url=api_method,
                req_args={},
                data=done,
                headers={},
                status_code=200,
            )
        opened = self._inner.api_call(api_method, **kwargs)
        if isinstance(opened.data, dict):
            self._record(key, opened.data)
        return opened
