"""`make chaos` (`python -m bench.load --chaos`, not in CI): is anything acknowledged lost, or done
twice, when processes die?

`rosterbot serve --workers 2` and one `rosterbot worker` (the Procfile's two lines) on a PostgreSQL
database of their own (`chaos_bench`, created if missing and emptied), the business API emulator and
the Slack stand-in in this process. The `make load` people (`bench.load`: staff open `/timeoff`,
submit it, cancel a quarter; admins click Approve) use it for `duration` seconds, while a seeded
killer sends SIGKILL at random moments to a gunicorn web worker, `serve`'s own worker process or
the `rosterbot worker`. gunicorn starts a new web worker itself; a killed `rosterbot worker` is
started again here (as the platform would); `serve`'s worker process is left to `serve`.

Every operation carries its own marker, so its effect can be found afterwards:

- open (`/timeoff`): the trigger id it came with; done = a `views.open` with it succeeded;
- submit (the form): a unique reason; done = one stored request with it, and one approval post
  naming it in the approvals channel (the Slack stand-in);
- cancel (`/timeoff cancel N`): its response_url; done = an answer there, and request N cancelled;
- approve (a click): its response_url; done = an answer there; per approved request, exactly one
  blocked time in the emulator (the worker's `(rosterbot #id)` marker).

After the load it waits until the queue (the `outbox` table) has nothing pending, then counts per
operation: acknowledged (Slack got 200), done, done twice, refused with a message the user read,
and lost (acknowledged, no effect and nothing said). The API makes no faults unless asked
(`--fault-every`), so that every loss is the kills'.

    python -m bench.load --chaos [--duration 60] [--seed 7] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.harness import (
    Outside,
    Row,
    WebServer,
    add_bench_users,
    command_line,
    fresh_database,
    print_table,
    start_rosterbot,
    warm_up,
)
from bench.load import (
    ADMIN_SHARE,
    ANSWER_TIMEOUT,
    APPROVE,
    CANCEL_SHARE,
    FIELD,
    FORM,
    THINK,
    People,
    _has_action,
    ensure_database,
    start_worker,
    stop_worker,
)
from rosterbot.emulators.business_api import EmulatorConfig
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID
from rosterbot.services.timeoff_views import block_marker
from rosterbot.store.db import make_engine, make_session_factory
from rosterbot.store.models import OutboxItem, TimeOffRequest

CHAOS_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/chaos_bench"
USERS = 50
DURATION = 60.0
SEED = 7
KILL_GAP = (2.0, 6.0)  # seconds between two kills
DRAIN = 240.0  # at most this long for the queue to empty after the load
NOT_WAITED_FOR = ("send_reminder", "post_digest")  # scheduled for later by design, not work left over
REQUEST_NUMBER = re.compile(r"\*#(\d+)\*")
KINDS = ("open", "submit", "cancel", "approve")
SENT_TOLD = re.compile(r"^(?::outbox_tray: )?Time off request #(\d+)\b[^\n]* sent")


@dataclass
class Operation:
    """One thing a person did, with the marker its effect is found by."""

    kind: str
    user: str
    marker: str  # open: trigger id; submit: the reason; cancel, approve: the response_url id
    status: str = ""  # the HTTP answer Slack got ("200", or the error)
    request_id: int | None = None  # cancel, approve: the request it is about
    view_id: str | None = None  # submit: the modal
    response_url: str = ""  # open: the command's response_url id (where a failure is told)


@dataclass
class Kill:
    at: float  # seconds after the load started
    target: str  # "web worker", "serve's worker", "rosterbot worker"
    pid: int


@dataclass
class ChaosResult:
    counts: dict[str, Counter[str]]  # per kind: acknowledged, done, twice, refused, lost, not acked...
    examples: dict[str, list[str]]  # per outcome: a few operations, for the report
    kills: list[Kill]
    serve_worker_restarted: bool  # serve started a new worker process after its own was killed
    serve_worker_killed: bool
    approved: int
    approved_one_block: int
    approved_no_block: int
    approved_many_blocks: int
    duplicate_posts: int
    posts: int
    outbox_left: Counter[str]
    drained_seconds: float
    seconds: float
    refusals: Counter[str] = field(default_factory=Counter)
    reruns: Counter[str] = field(default_factory=Counter)  # jobs taken more than once, by kind:function


class Markers(threading.local):
    """What the Slack stand-in issued last on this thread: the operation being sent takes it."""

    trigger: str = ""
    response_url: str = ""


def mark_issues(outside: Outside) -> Markers:
    """Record each trigger id and response_url the stand-in issues, per sending thread."""
    markers = Markers()
    state = outside.slack
    issue_trigger, issue_url = state.issue_trigger_id, state.issue_response_url

    def trigger(*args: Any, **kwargs: Any) -> str:
        markers.trigger = issue_trigger(*args, **kwargs)
        return markers.trigger

    def url(*args: Any, **kwargs: Any) -> str:
        issued = issue_url(*args, **kwargs)
        markers.response_url = issued.rsplit("/", 1)[1]
        return issued

    state.issue_trigger_id = trigger  # type: ignore[method-assign]
    state.issue_response_url = url  # type: ignore[method-assign]
    return markers


class ChaosPeople(People):
    """`bench.load`'s people, each operation recorded with its marker."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.markers = mark_issues(self.outside)
        self.operations: list[Operation] = []
        self._numbers = iter(range(1, 10_000_000))

    def _record(self, operation: Operation, status: int | str) -> Operation:
        operation.status = str(status)
        with self.tally.lock:
            self.operations.append(operation)
        return operation

    def _send(self, send: Any) -> tuple[int | str, Any]:
        try:
            reply = send()
        except Exception as exc:  # noqa: BLE001 - what Slack would see: no answer (a killed worker)
            return type(exc).__name__, None
        return reply.status_code, reply

    def staff(self, user: str, number: int) -> None:
        slack = self.slack_for(number)
        while time.monotonic() < self.until:
            key = f"view:{user}:{FORM}"
            seen_view = self.state.count(key)
            status, _ = self._send(lambda: slack.command(user, "/timeoff"))
            self._record(
                Operation("open", user, self.markers.trigger, response_url=self.markers.response_url), status
            )
            if status != 200:
                self._failed(f"/timeoff answered {status}")
                continue
            if not self.state.wait_above(key, seen_view, ANSWER_TIMEOUT):
                self._failed("form not opened")
                continue
            with self._days_lock:
                day = (date.today() + timedelta(days=next(self._days))).isoformat()
                marker = f"chaos-{next(self._numbers)}-{os.urandom(3).hex()}"
            values = {"starts_on": {FIELD: day}, "ends_on": {FIELD: day}, "reason": {FIELD: marker}}
            view_id = self.state.latest_view[(user, FORM)]
            seen = self.state.count(f"answer:{user}")
            status, reply = self._send(lambda v=view_id, f=values: slack.submit_view(user, v, f))
            self._record(Operation("submit", user, marker, view_id=view_id), status)
            if status != 200:
                self._failed(f"submission answered {status}")
                continue
            if reply.content and b'"errors"' in reply.content:
                self.tally.error(reply.text)
                continue
            if not self._answer(user, seen):
                self._failed("no answer")
                continue
            found = re.search(r"#(\d+)", self._user_text(user))
            if found and self._rng.random() < CANCEL_SHARE:
                request_id = int(found.group(1))
                seen = self.state.count(f"answer:{user}")
                status, _ = self._send(lambda r=request_id: slack.command(user, "/timeoff", f"cancel {r}"))
                url = self.markers.response_url
                self._record(Operation("cancel", user, url, request_id=request_id), status)
                if status == 200:
                    self._answer(user, seen)
            time.sleep(self._rng.uniform(*self.think))

    def admin(self, user: str, number: int) -> None:
        slack = self.slack_for(number)
        while time.monotonic() < self.until:
            waiting = [m for m in self.state.messages(APPROVALS_CHANNEL_ID) if _has_action(m, APPROVE)]
            fresh = [m for m in waiting if (user, str(m["ts"])) not in self._clicked]
            if not fresh:
                time.sleep(0.5)
                continue
            message = self._rng.choice(fresh)
            with self.tally.lock:
                self._clicked.add((user, str(message["ts"])))
            found = REQUEST_NUMBER.search(json.dumps(message.get("blocks") or []) + str(message.get("text")))
            seen = self.state.count(f"answer:{user}")
            status, _ = self._send(lambda m=message: slack.click(user, APPROVE, message=m))
            self._record(
                Operation(
                    "approve",
                    user,
                    self.markers.response_url,
                    request_id=int(found.group(1)) if found else None,
                ),
                status,
            )
            if status != 200:
                self._failed(f"Approve answered {status}")
                continue
            self._answer(user, seen)
            time.sleep(self._rng.uniform(*self.think))


class Killer:
    """SIGKILLs one of the deployment's processes every `gap` seconds (seeded), and starts a killed
    `rosterbot worker` again."""

    def __init__(
        self,
        server: WebServer,
        start: Any,
        rng: random.Random,
        until: float,
        gap: tuple[float, float] = KILL_GAP,
    ) -> None:
        self.server = server
        self._start = start  # () -> a new `rosterbot worker` process
        self.worker: subprocess.Popen[bytes] = start()
        self.retired: list[subprocess.Popen[bytes]] = []
        self.rng = rng
        self.until = until
        self.gap = gap
        self.kills: list[Kill] = []
        self.started = time.monotonic()
        self.serve_worker_killed = False
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="killer", daemon=True)

    def serve_workers(self) -> list[int]:
        """`serve`'s own worker process (`python -m rosterbot.worker_process`; before it,
        multiprocessing's spawned child, not its resource tracker)."""
        marks = (b"rosterbot.worker_process", b"spawn_main")
        return [pid for pid in self.server.work_pids() if any(m in command_line(pid) for m in marks)]

    def targets(self) -> list[tuple[str, int]]:
        found = [("web worker", pid) for pid in sorted(self.server.worker_pids())]
        found += [("serve's worker", pid) for pid in self.serve_workers()]
        if self.worker.poll() is None:
            found.append(("rosterbot worker", self.worker.pid))
        return found

    def start(self) -> Killer:
        self.started = time.monotonic()
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.rng.uniform(*self.gap)) and time.monotonic() < self.until:
            targets = self.targets()
            if not targets:
                continue
            # A kind first, then a process of it: each kind is hit as often whatever its count.
            kinds = sorted({kind for kind, _ in targets})
            kind = self.rng.choice(kinds)
            pid = self.rng.choice([p for k, p in targets if k == kind])
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.kills.append(Kill(time.monotonic() - self.started, kind, pid))
            if kind == "serve's worker":
                self.serve_worker_killed = True
            if kind == "rosterbot worker":
                self.worker.wait(10)
                self.retired.append(self.worker)
                self.worker = self._start()  # as the platform restarts a crashed dyno


def measure(
    *,
    users: int = USERS,
    duration: float = DURATION,
    seed: int = SEED,
    drain: float = DRAIN,
    database_url: str | None = None,
    think: tuple[float, float] = THINK,
    kill_gap: tuple[float, float] = KILL_GAP,
    fault_every: int | None = None,
    server_env: dict[str, str] | None = None,
) -> ChaosResult:
    url = database_url or os.environ.get("BENCH_CHAOS_DATABASE_URL") or CHAOS_DATABASE
    if url.startswith("postgresql"):
        ensure_database(url)
    database = fresh_database(url)
    outside = Outside.start(EmulatorConfig())
    secret = "chaos-" + os.urandom(8).hex()
    admins = max(1, users // ADMIN_SHARE)
    staff_ids = add_bench_users(outside, users - admins, role="staff", prefix="S")
    admin_ids = add_bench_users(outside, admins, role="admin", prefix="A")
    log_dir = Path(tempfile.mkdtemp(prefix="rosterbot-chaos-"))
    numbers = iter(range(1_000_000))
    server: WebServer | None = None
    killer: Killer | None = None
    try:
        server = start_rosterbot(outside, database, secret, workers=2, settings=server_env)
        slack = outside.workspace(server.url, secret, pool=users + 10)
        warm_up(slack, outside.slack, staff_ids + admin_ids)  # linked by e-mail before the kills
        outside.api.clear_requests()
        if fault_every:
            outside.api.set_faults(fault_status=500, fault_every=fault_every)
        started = time.monotonic()
        until = started + duration
        people = ChaosPeople(outside, [slack], until=until, think=think, seed=seed)
        killer = Killer(
            server,
            lambda: start_worker(outside, database, secret, log_dir, next(numbers), settings=server_env),
            random.Random(seed),
            until,
            kill_gap,
        ).start()
        threads = [
            threading.Thread(target=people.staff, args=(u, n), daemon=True) for n, u in enumerate(staff_ids)
        ] + [threading.Thread(target=people.admin, args=(u, n), daemon=True) for n, u in enumerate(admin_ids)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(duration + 2 * ANSWER_TIMEOUT + 30)
        killer.stop()
        load_ended = time.monotonic()
        drained = wait_for_empty_queue(database, load_ended + drain)
        drained_seconds = time.monotonic() - load_ended
        serve_restarted = bool(killer.serve_workers())
        seconds = time.monotonic() - started
        slack.close()
        drained_seconds = drained_seconds if drained else -1.0
        return count(database, outside, people, killer, serve_restarted, drained_seconds, seconds)
    finally:
        if killer is not None:
            killer.stop()
            for process in [killer.worker, *killer.retired]:
                stop_worker(process)
        if server is not None:
            server.stop(grace=5)
        outside.stop()


def pending(database_url: str) -> Counter[str]:
    """The queue's pending items by kind (scheduled reminders and digests left out)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(OutboxItem.kind, func.count())
                .where(OutboxItem.status == "pending", OutboxItem.kind.not_in(NOT_WAITED_FOR))
                .group_by(OutboxItem.kind)
            ).all()
        return Counter({str(kind): int(n) for kind, n in rows})
    finally:
        engine.dispose()


def wait_for_empty_queue(database_url: str, until: float) -> bool:
    """Wait until nothing is pending in the queue (a killed worker's items come back when their
    lease ends, a failed one after its backoff); False if `until` came first."""
    while time.monotonic() < until:
        if not pending(database_url):
            return True
        time.sleep(0.5)
    return False


def count(
    database_url: str,
    outside: Outside,
    people: ChaosPeople,
    killer: Killer,
    serve_restarted: bool,
    drained_seconds: float,
    seconds: float,
) -> ChaosResult:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            rows = list(session.scalars(select(TimeOffRequest)))
            outbox_left = Counter(
                f"{item.kind}:{item.status}"
                for item in session.scalars(select(OutboxItem).where(OutboxItem.status.not_in(("done",))))
                if item.kind not in NOT_WAITED_FOR
            )
            reruns = Counter(
                f"{item.kind}:{(item.payload or {}).get('function', '')}".rstrip(":")
                for item in session.scalars(select(OutboxItem).where(OutboxItem.attempts > 1))
            )
    finally:
        engine.dispose()
    state = outside.slack
    by_reason: Counter[str] = Counter(r.reason for r in rows)
    status_of = {r.id: r.status for r in rows}
    opens = state.calls_to("views.open")
    opened: Counter[str] = Counter(str(c.args.get("trigger_id")) for c in opens if c.ok)
    approval_posts = [
        json.dumps(c.args)
        for c in state.calls_to("chat.postMessage")
        if c.ok and c.args.get("channel") == APPROVALS_CHANNEL_ID
    ]
    posted: Counter[str] = Counter()
    for text in approval_posts:
        for marker in re.findall(r"chaos-\d+-[0-9a-f]{6}", text):
            posted[marker] += 1
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    examples: dict[str, list[str]] = {}
    refusals: Counter[str] = Counter()

    def note(outcome: str, operation: Operation, detail: str = "") -> None:
        counts[operation.kind][outcome] += 1
        shown = examples.setdefault(f"{operation.kind} {outcome}", [])
        if len(shown) < 5:
            shown.append(f"{operation.user} {operation.marker} {detail}".strip())

    ids_of: dict[str, list[int]] = {}
    for row in rows:
        ids_of.setdefault(row.reason, []).append(row.id)
    sent_told: Counter[int] = Counter()  # "Time off request #N … sent" said to the requester
    for call in state.calls_to("chat.postEphemeral") + state.calls_to("chat.postMessage"):
        found = SENT_TOLD.match(str(call.args.get("text") or ""))
        if call.ok and found:
            sent_told[int(found.group(1))] += 1

    for op in people.operations:
        acked = op.status == "200"
        counts[op.kind]["sent"] += 1
        answers = state.response_texts.get(op.marker, []) if op.kind != "submit" else []
        told: list[str] = []  # what the user read when it was not done
        if op.kind == "open":
            answers = list(state.response_texts.get(op.response_url, []))
            done, twice = opened[op.marker] >= 1, opened[op.marker] >= 2
            # The form opened, and then the user read an error about it too.
            answered_twice = done and bool(answers)
            told = answers
        elif op.kind == "submit":
            stored, shown = by_reason[op.marker], posted[op.marker]
            done, twice = stored >= 1 and shown >= 1, stored >= 2 or shown >= 2
            told_sent = [sent_told[i] for i in ids_of.get(op.marker, [])]
            answered_twice = any(n >= 2 for n in told_sent)
            answers = [f"told 'sent' {n}x" for n in told_sent]
            final = state.view(op.view_id) if op.view_id else None
            if not done and final and "Sending" not in _view_text(final):
                told = [_view_text(final)]
            if stored >= 1 and shown == 0:
                note("stored, never posted for approval", op)
        elif op.kind == "cancel":
            done = bool(answers) and status_of.get(op.request_id or -1) == "cancelled"
            twice, answered_twice = False, len(answers) >= 2
            told = answers if not done else []
        else:  # approve
            done, twice, answered_twice = bool(answers), False, len(answers) >= 2
        if not acked:
            note("not acknowledged" + (", done all the same" if done else ""), op, op.status)
            continue
        counts[op.kind]["acknowledged"] += 1
        if twice:
            note("done twice", op, " | ".join(t[:60] for t in answers[:3]))
        if answered_twice:
            note("answered twice", op, " | ".join(t[:70] for t in answers[:2]))
        if done:
            counts[op.kind]["done"] += 1
        elif told:
            note("refused, user told", op, told[0][:80])
            refusals[f"{op.kind}: {told[0][:80]}"] += 1
        else:
            note("lost", op)
    blocks = outside.api.blocked_times()
    per_request: Counter[int] = Counter()
    for row in rows:
        marker = block_marker(row.id)
        per_request[row.id] = sum(1 for b in blocks if marker in (b.name or ""))
    approved = [r for r in rows if r.status == "approved"]
    posts = [c for c in state.calls_to("chat.postMessage") if c.ok]
    seen = Counter((str(c.args.get("channel")), str(c.args.get("text"))) for c in posts)
    return ChaosResult(
        counts=counts,
        examples=examples,
        kills=killer.kills,
        serve_worker_restarted=serve_restarted,
        serve_worker_killed=killer.serve_worker_killed,
        approved=len(approved),
        approved_one_block=sum(1 for r in approved if per_request[r.id] == 1),
        approved_no_block=sum(1 for r in approved if per_request[r.id] == 0),
        approved_many_blocks=sum(1 for r in approved if per_request[r.id] > 1),
        duplicate_posts=sum(n - 1 for n in seen.values() if n > 1),
        posts=len(posts),
        outbox_left=outbox_left,
        drained_seconds=drained_seconds,
        seconds=seconds,
        refusals=refusals,
        reruns=reruns,
    )


def _view_text(view: dict[str, Any] | None) -> str:
    if not view:
        return ""
    texts = re.findall(r'"text": "([^"]*)"', json.dumps(view.get("blocks") or []))
    return " ".join(t for t in texts if t)[:200]


def rows(result: ChaosResult) -> list[Row]:
    out = []
    total: Counter[str] = Counter()
    for kind in KINDS:
        c = result.counts[kind]
        total.update(c)
        out.append(_kind_row(kind, c))
    out.append(_kind_row("all", total))
    kills = Counter(k.target for k in result.kills)
    out.append(
        Row(
            "chaos",
            "SIGKILLs",
            f"{len(result.kills)}: " + ", ".join(f"{kind} {n}" for kind, n in sorted(kills.items())),
            "",
            f"at {', '.join(f'{k.at:.0f}' for k in result.kills)} s",
        )
    )
    if result.serve_worker_killed:
        out.append(
            Row(
                "chaos",
                "serve's worker process after its kill",
                "started again" if result.serve_worker_restarted else "NOT started again",
                "started again",
                "the rosterbot worker did the queue meanwhile",
            )
        )
    out += [
        Row(
            "chaos",
            "approved with exactly one blocked time",
            f"{result.approved_one_block} of {result.approved}",
            "all",
            f"none: {result.approved_no_block}, more than one: {result.approved_many_blocks}",
        ),
        Row("chaos", "Slack messages posted twice", f"{result.duplicate_posts} of {result.posts}", "0", ""),
        Row(
            "chaos",
            "queue after the load",
            "empty" if result.drained_seconds >= 0 else "NOT empty",
            "empty",
            f"after {result.drained_seconds:.0f} s; not done: "
            + (", ".join(f"{k} {v}" for k, v in sorted(result.outbox_left.items())) or "none"),
        ),
    ]
    out.append(
        Row(
            "chaos",
            "jobs taken more than once",
            ", ".join(f"{k} {v}" for k, v in result.reruns.most_common()) or "none",
            "",
            "a killed worker's claims are taken again when their lease ends",
        )
    )
    for outcome, shown in sorted(result.examples.items()):
        if "lost" in outcome or "twice" in outcome or "refused" in outcome or "never posted" in outcome:
            out.append(Row("chaos", f"e.g. {outcome}", "; ".join(shown[:3]), "", ""))
    return out


def _kind_row(kind: str, c: Counter[str]) -> Row:
    lost, twice, answered = c["lost"], c["done twice"], c["answered twice"]
    not_acked = c["not acknowledged"] + c["not acknowledged, done all the same"]
    return Row(
        "chaos",
        kind,
        f"acknowledged {c['acknowledged']}, done {c['done']}, done twice {twice}, lost {lost}; "
        f"answered twice {answered}",
        "lost 0, twice 0",
        f"refused (told) {c['refused, user told']}; not acknowledged {not_acked} "
        f"(done all the same {c['not acknowledged, done all the same']}); sent {c['sent']}",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load --chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--duration", type=float, default=DURATION)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--drain", type=float, default=DRAIN)
    parser.add_argument("--fault-every", type=int, default=None, help="the API fails every Nth call (500)")
    parser.add_argument("--database", help=f"default $BENCH_CHAOS_DATABASE_URL or {CHAOS_DATABASE}")
    args = parser.parse_args(argv)
    result = measure(
        users=args.users,
        duration=args.duration,
        seed=args.seed,
        drain=args.drain,
        database_url=args.database,
        fault_every=args.fault_every,
    )
    print_table(rows(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
