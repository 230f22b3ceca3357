"""Benchmarks 2 and 5: signed slash commands a second, memory, and start-up.

`/team help` (a real command that needs no business API call: it is acked, then answered through
the response_url) is sent by `threads` closed-loop clients over keep-alive connections, to
`rosterbot serve --workers 2` and to the ack-only floor. rosterbot's figure counts only when every
answer reached the Slack stand-in too. Alongside: the CPU the workers spent per request (from
/proc/<pid>/stat; what the 2-core machine's sharing with the load generator does not blur), the
workers' resident memory after start and after `requests` requests, and the time from the
process start to its first `/healthz` 200.

The load generator and the Slack stand-in share the machine's 2 cores with the server under test,
so requests a second are a floor for what the web process alone could do; the ratio to the floor
app, measured the same way, is the figure to compare.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.harness import (
    Outside,
    Row,
    WebServer,
    cpu_seconds,
    fresh_database,
    new_secret,
    pids_named,
    rss_kib,
    start_floor,
    start_rosterbot,
    thread_count,
)
from rosterbot.emulators.business_api import EmulatorConfig
from rosterbot.emulators.slack_api import SlackWorkspace

REQUESTS = 10_000
FLOOR_REQUESTS = 3_000
THREADS = 16
USER = "U0OWNER01"


@dataclass
class Measured:
    app: str
    requests: int
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    answered: int = 0  # answers that reached the stand-in (rosterbot only)
    answer_seconds: float = 0.0  # from the first request to the last answer
    cpu_seconds: float = 0.0  # the gunicorn workers
    work_cpu_seconds: float = 0.0  # the work process (rosterbot only)
    ready_seconds: float = 0.0
    rss_start_kib: list[int] = field(default_factory=list)
    rss_end_kib: list[int] = field(default_factory=list)
    work_rss_end_kib: list[int] = field(default_factory=list)
    threads_end: list[int] = field(default_factory=list)
    all_cpu_seconds: float = 0.0  # the master and every process under it
    postgres_cpu_seconds: float = 0.0  # every PostgreSQL process on the machine (others' too)
    all_rss_start_kib: int = 0  # the master and every process under it, summed
    all_rss_end_kib: int = 0

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / self.requests if self.requests else 0.0

    @property
    def work_cpu_ms_per_request(self) -> float:
        return self.work_cpu_seconds * 1000 / self.requests if self.requests else 0.0


def hammer(
    server: WebServer, slack: SlackWorkspace, requests: int, threads: int
) -> tuple[float, Counter[str]]:
    """`requests` signed `/team help`s from `threads` keep-alive clients; (seconds, statuses)."""
    remaining = [requests]
    lock = threading.Lock()
    statuses: Counter[str] = Counter()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                body = urlencode(slack.command_fields(USER, "/team", "help")).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.sign(body)}
                try:
                    connection.request("POST", "/slack/events", body, headers)
                    response = connection.getresponse()
                    response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as exc:
                    status = type(exc).__name__
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                with lock:
                    statuses[status] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(600)
    return time.perf_counter() - started, statuses


def measure(
    outside: Outside, server: WebServer, secret: str, requests: int, threads: int, *, answers: bool
) -> Measured:
    result = Measured(server.name, requests, ready_seconds=server.ready_seconds)
    with outside.workspace(server.url, secret) as slack:
        for _ in range(8):  # each worker answers once before the clock starts
            slack.command(USER, "/team", "help")
        time.sleep(0.5)
        pids, work, every = server.worker_pids(), server.work_pids(), server.all_pids()
        result.rss_start_kib = [rss_kib(p) for p in pids]
        result.all_rss_start_kib = sum(rss_kib(p) for p in every)
        key = f"reply:{USER}"
        seen = outside.slack.count(key)
        cpu_before, work_before = cpu_seconds(pids), cpu_seconds(work)
        all_before, postgres_before = cpu_seconds(every), cpu_seconds(pids_named("postgres"))
        started = time.perf_counter()
        result.seconds, result.statuses = hammer(server, slack, requests, threads)
        if answers:
            outside.slack.wait_above(key, seen + result.ok - 1, 60.0)
            result.answered = outside.slack.count(key) - seen
            result.answer_seconds = time.perf_counter() - started
        result.cpu_seconds = cpu_seconds(pids) - cpu_before
        result.work_cpu_seconds = cpu_seconds(work) - work_before
        result.all_cpu_seconds = cpu_seconds(every) - all_before
        result.postgres_cpu_seconds = cpu_seconds(pids_named("postgres")) - postgres_before
        result.all_rss_end_kib = sum(rss_kib(p) for p in server.all_pids())
        result.rss_end_kib = [rss_kib(p) for p in pids]
        result.work_rss_end_kib = [rss_kib(p) for p in work]
        result.threads_end = [thread_count(p) for p in pids]
    return result


def run(*, threads: int = THREADS, **kwargs: Any) -> list[Row]:
    """`measure_both`, as table rows."""
    return rows(*measure_both(threads=threads, **kwargs), threads)


def measure_both(
    *,
    requests: int = REQUESTS,
    floor_requests: int = FLOOR_REQUESTS,
    threads: int = THREADS,
    database_url: str | None = None,
) -> tuple[Measured, Measured]:
    """rosterbot (`requests`), then the floor (`floor_requests`), each on a fresh server."""
    outside = Outside.start(EmulatorConfig())
    secret = new_secret()
    try:
        database = fresh_database(database_url)
        server = start_rosterbot(outside, database, secret)
        try:
            ours = measure(outside, server, secret, requests, threads, answers=True)
        finally:
            server.stop(grace=0)
        floor = start_floor(outside, secret)
        try:
            base = measure(outside, floor, secret, floor_requests, threads, answers=False)
        finally:
            floor.stop(grace=0)
    finally:
        outside.stop()
    return ours, base


def rows(ours: Measured, base: Measured, threads: int) -> list[Row]:
    sustained = ours.answered / ours.answer_seconds if ours.answer_seconds else 0.0
    ratio = ours.rate / base.rate if base.rate else float("nan")
    cpu_ratio = ours.cpu_ms_per_request / base.cpu_ms_per_request if base.cpu_ms_per_request else float("nan")
    failed = sum(v for k, v in ours.statuses.items() if k != "200")
    return [
        Row(
            "2 throughput",
            f"signed /team help, {threads} clients, 2 workers",
            f"rosterbot {ours.rate:.0f} req/s acked, {sustained:.0f}/s answered; "
            f"floor {base.rate:.0f} req/s; {ratio:.2f}x",
            "",
            f"n={ours.requests} failed={failed} answered={ours.answered}; floor n={base.requests}",
        ),
        Row(
            "2 throughput",
            "worker CPU per request",
            f"rosterbot {ours.cpu_ms_per_request:.2f} ms (+ {ours.work_cpu_ms_per_request:.2f} ms in its "
            f"work process); floor {base.cpu_ms_per_request:.2f} ms; {cpu_ratio:.1f}x",
            "",
            "user+system CPU of both web workers / requests; the work process answers in Slack",
        ),
        Row(
            "5 memory",
            f"worker RSS after start -> after {ours.requests:,} requests",
            f"rosterbot {_mib(ours.rss_start_kib)} -> {_mib(ours.rss_end_kib)}; "
            f"floor {_mib(base.rss_start_kib)} -> {_mib(base.rss_end_kib)} (after {base.requests:,})",
            "",
            f"VmRSS of each gunicorn worker, MiB; rosterbot's worker process (and helpers) "
            f"at the end {_mib(ours.work_rss_end_kib)}; threads at the end: rosterbot "
            f"{'/'.join(map(str, ours.threads_end))}, floor {'/'.join(map(str, base.threads_end))}",
        ),
        Row(
            "5 start",
            "process start to first /healthz 200",
            f"rosterbot {ours.ready_seconds:.2f} s; floor {base.ready_seconds:.2f} s",
            "",
            "gunicorn master + 2 workers; rosterbot's /healthz queries the database",
        ),
    ]


def _mib(values: list[int]) -> str:
    return "/".join(f"{v / 1024:.0f}" for v in values) + " MiB" if values else "n/a"
