"""Benchmark 4: a burst of team operations against a business API limited to 5 requests a second.

Admins send `ops` slash commands at once (`/team show`, `/team deactivate` and `/team reactivate`
on different staff members, a third each) to `rosterbot serve --workers 2`; the emulator answers
429 above 5 requests a second, as the live API does. Counted: requests Slack got no 200 for, and
answers in Slack that are not the operation's success sentence (an error told to the user), or no
answer at all before the deadline; the time from the first command to the last answer against
the ideal, the API calls that succeeded divided by 5 a second.

The issue asks for 300 operations; at about 3.3 calls each that is 200 s at 5 a second, so the
default is 90 (about 60 s ideal) to keep `make bench` short; `--burst-ops 300` runs the full size.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import (
    Outside,
    Row,
    WebServer,
    add_bench_users,
    fresh_database,
    new_secret,
    run_threads,
    start_rosterbot,
    warm_up,
)
from rosterbot.emulators.business_api import EmulatorConfig
from rosterbot.emulators.slack_api import SlackWorkspace

OPS = 90
ADMINS = 10
API_RATE = 5.0
MAX_SECONDS = 90.0  # the deadline for the default size; a larger burst gets 1.5x its ideal
CALLS_PER_OP = 10 / 3  # show 2, deactivate 4, reactivate 4
KINDS = ("show", "deactivate", "reactivate")
SUCCESS: dict[str, Callable[[str], bool]] = {
    "show": lambda text: text.endswith((": staff", ": admin", ": owner")),
    "deactivate": lambda text: text.startswith("Deactivated "),
    "reactivate": lambda text: text.startswith("Reactivated "),
}


@dataclass
class Burst:
    ops: int
    seconds: float = 0.0  # first command sent to last answer (or the deadline)
    statuses: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # ok / error / none, per operation
    errors: Counter[str] = field(default_factory=Counter)  # the error sentences users read
    calls_ok: int = 0
    calls_429: int = 0
    calls_other: int = 0
    rate: float = API_RATE
    machines: int = 1  # complete sets (serve + worker) sharing the database and the limit
    kinds: tuple[str, ...] = KINDS

    @property
    def ideal_seconds(self) -> float:
        return self.calls_ok / self.rate


def run(
    *,
    ops: int = OPS,
    admins: int = ADMINS,
    api_rate: float = API_RATE,
    max_seconds: float | None = None,
    database_url: str | None = None,
    server_env: dict[str, str] | None = None,
    machines: int = 1,
    kinds: Sequence[str] = KINDS,
) -> list[Row]:
    """`measure`, as table rows. `max_seconds` (the wait for the last answer) defaults to 90 s, or
    1.5x the ideal time of a larger burst."""
    if max_seconds is None:
        max_seconds = max(MAX_SECONDS, 1.5 * ops * CALLS_PER_OP / api_rate)
    burst = measure(
        ops=ops,
        admins=admins,
        api_rate=api_rate,
        max_seconds=max_seconds,
        database_url=database_url,
        server_env=server_env or {},
        machines=machines,
        kinds=kinds,
    )
    return rows(burst, server_env or {})


def measure(
    *,
    ops: int,
    admins: int,
    api_rate: float,
    max_seconds: float,
    database_url: str | None,
    server_env: dict[str, str],
    machines: int = 1,
    kinds: Sequence[str] = KINDS,
) -> Burst:
    """`machines` > 1: that many complete sets, as that many machines would run them on one
    database: each `rosterbot serve --workers 2` and one `rosterbot worker`; the operations are
    spread over their web servers in turn, as a load balancer would. `kinds`: some of `KINDS`
    (`show` alone takes no owners lock: the limit's own effect)."""
    from bench.load import start_worker, stop_worker  # noqa: PLC0415 - only for several machines

    outside = Outside.start(EmulatorConfig())
    secret = new_secret()
    servers: list[WebServer] = []
    workers: list[subprocess.Popen[bytes]] = []
    try:
        database = fresh_database(database_url)
        if machines > 1 and not database.startswith("postgresql"):
            raise ValueError(
                "several machines share one PostgreSQL database: --database postgresql+psycopg://…"
            )
        people = add_bench_users(outside, admins, role="admin", prefix="A")
        targets: dict[str, list[int]] = {kind: [] for kind in kinds}
        for number in range(ops):
            kind = kinds[number % len(kinds)]
            member = outside.api.add_member(
                "staff", "Target", f"{kind[:3]}{number:05d}", is_active=kind != "reactivate"
            )
            targets[kind].append(member.id)
        log_dir = Path(tempfile.mkdtemp(prefix="rosterbot-burst-"))
        for machine in range(machines):
            servers.append(start_rosterbot(outside, database, secret, settings=server_env))
            if machines > 1:
                env = dict(server_env)
                workers.append(start_worker(outside, database, secret, log_dir, machine, settings=env))
        slacks = [outside.workspace(server.url, secret, pool=64) for server in servers]
        try:
            for slack in slacks:
                warm_up(slack, outside.slack, people)  # linked, at full speed, before the burst
            outside.api.clear_requests()
            outside.api.set_faults(rate_limit_per_second=api_rate)
            burst = Burst(ops, rate=api_rate, machines=machines, kinds=tuple(kinds))
            order = [  # the kinds interleaved: show, deactivate, reactivate, show, ...
                (kind, targets[kind][i])
                for i in range(max(len(t) for t in targets.values()))
                for kind in kinds
                if i < len(targets[kind])
            ]
            plan = [
                (slacks[n % len(slacks)], people[n % len(people)], kind, member)
                for n, (kind, member) in enumerate(order)
            ]
            url_ids: list[tuple[str, str]] = []
            lock = threading.Lock()
            started = time.monotonic()

            def send(slack: SlackWorkspace, user: str, kind: str, member_id: int) -> None:
                fields = slack.command_fields(user, "/team", f"{kind} #{member_id}")
                url_id = fields["response_url"].rsplit("/", 1)[1]
                try:
                    status = str(slack.post_form(fields).status_code)
                except Exception as exc:  # noqa: BLE001 - what Slack would see: no answer
                    status = type(exc).__name__
                with lock:
                    burst.statuses[status] += 1
                    url_ids.append((kind, url_id))

            run_threads([lambda p=p: send(*p) for p in plan], threads=32)
            deadline = started + max_seconds
            for _kind, url_id in url_ids:
                outside.slack.wait_above(f"response:{url_id}", 0, deadline - time.monotonic())
            burst.seconds = min(time.monotonic(), deadline) - started
            _classify(burst, url_ids, outside)
            outside.api.set_faults()
        finally:
            for slack in slacks:
                slack.close()
    finally:
        for process in workers:
            stop_worker(process)
        for server in servers:
            server.stop(grace=0)
        outside.stop()
    return burst


def _classify(burst: Burst, url_ids: Sequence[tuple[str, str]], outside: Outside) -> None:
    for kind, url_id in url_ids:
        texts = outside.slack.response_texts.get(url_id) or []
        if not texts:
            burst.outcomes["none"] += 1
        elif SUCCESS[kind](texts[0]):
            burst.outcomes["ok"] += 1
        else:
            burst.outcomes["error"] += 1
            burst.errors[texts[0][:90]] += 1
    for request in list(outside.api.requests):
        if request.status == 429:
            burst.calls_429 += 1
        elif request.status < 400:
            burst.calls_ok += 1
        else:
            burst.calls_other += 1


def rows(burst: Burst, server_env: dict[str, str]) -> list[Row]:
    not_acked = sum(v for k, v in burst.statuses.items() if k != "200")
    told_errors = burst.outcomes["error"] + burst.outcomes["none"] + not_acked
    setting = f", {', '.join(f'{k}={v}' for k, v in server_env.items())}" if server_env else ""
    top = "; ".join(f"{n}x '{t}'" for t, n in burst.errors.most_common(2))
    return [
        Row(
            "4 burst",
            f"{burst.ops} team operations at once, API {burst.rate:g} req/s{setting}"
            + (f", {burst.machines} machines (serve + worker each)" if burst.machines > 1 else "")
            + (f", only {'/'.join(burst.kinds)}" if tuple(burst.kinds) != KINDS else ""),
            f"{told_errors} errors reached users (no 200: {not_acked}, "
            f"error answer: {burst.outcomes['error']}, no answer: {burst.outcomes['none']})",
            "none",
            top or "every operation answered with its success sentence",
        ),
        Row(
            "4 burst",
            "total time vs ideal (successful API calls / rate)",
            f"{burst.seconds:.1f} s vs {burst.ideal_seconds:.1f} s "
            f"({burst.seconds / max(burst.ideal_seconds, 1e-9):.2f}x)",
            "",
            f"API calls: {burst.calls_ok} ok, {burst.calls_429} answered 429, "
            f"{burst.calls_other} other errors",
        ),
    ]
