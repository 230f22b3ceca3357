"""`make load` (`python -m bench.load`, not in CI): time off under load, with an unreliable API.

Two web processes (two `rosterbot serve --workers 1`, as two dynos) and two `rosterbot worker`s on
one PostgreSQL database (`load`, migrated first), the business API emulator failing every 10th
call with a 500. For `duration` seconds (60), `users` simulated people (50; a fifth of them admins)
use it at once, each sending to one of the two web processes:

- staff open `/timeoff`, submit the form (one day, a different day each time), read the answer,
  and cancel a quarter of their requests again with `/timeoff cancel <id>`;
- admins click Approve on the approval messages the workers post in the approvals channel (two
  admins may click the same one: it must be decided once);
- each waits for the answer and then 3 to 6 seconds (`think`) before the next thing.

Then the workers get up to `drain` seconds to finish, and it prints what a person would check:
requests in a final state, approved requests with exactly one blocked time in the business API
(found by the `(rosterbot #id)` marker the worker puts in its name), cancelled requests with none,
outbox items left, Slack messages posted twice (the same text in the same channel), and the errors
users read.

    python -m bench.load [--users 50] [--duration 60] [--database URL]
    python -m bench.load --chaos [...]   # the kill test: bench/chaos.py
"""

from __future__ import annotations

import argparse
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
    BIN,
    Outside,
    Row,
    WebServer,
    add_bench_users,
    fresh_database,
    print_table,
    rosterbot_env,
    start_rosterbot,
    warm_up,
)
from rosterbot.emulators.business_api import EmulatorConfig
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID
from rosterbot.emulators.slack_api import SlackWorkspace
from rosterbot.services.timeoff_views import block_marker
from rosterbot.store.db import make_engine, make_session_factory
from rosterbot.store.models import OutboxItem, TimeOffRequest

LOAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/load"
USERS = 50
DURATION = 60.0
DRAIN = 120.0  # the outbox retries a failed call after 15-30 s, then 30-60 s: two failures need 90 s
ADMIN_SHARE = 5  # one user in five is an admin
CANCEL_SHARE = 0.25
FAULT_EVERY = 10  # the API answers every 10th call with a 500
THINK = (3.0, 6.0)  # seconds a person waits between two things they do
FORM = "timeoff_request"  # CallbackId.TIMEOFF_REQUEST
FIELD = "timeoff_field"  # ActionId.TIMEOFF_FIELD
APPROVE = "timeoff_approve"  # ActionId.TIMEOFF_APPROVE
ANSWER_TIMEOUT = 20.0
REQUEST_ID = re.compile(r"#(\d+)")
SENT = re.compile(r"^Time off request #\d+.* sent")


@dataclass
class Tally:
    """What the simulated people did and read."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # the texts users read that were not success

    def add(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] += n

    def error(self, text: str) -> None:
        with self.lock:
            self.counts["error answers"] += 1
            self.errors[text[:100]] += 1


def ensure_database(url: str) -> None:
    """Create the database named in `url` when PostgreSQL does not have it yet."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, connect_timeout=5):
            return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    name = plain.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(plain.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def start_worker(
    outside: Outside,
    database_url: str,
    secret: str,
    log_dir: Path,
    n: int,
    *,
    settings: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`rosterbot worker` in a process group of its own, its output in `log_dir`."""
    env = rosterbot_env(outside, database_url, secret, **(settings or {}))
    log = (log_dir / f"worker-{n}.log").open("wb")
    return subprocess.Popen(
        [str(BIN / "rosterbot"), "worker"],
        env=env,
        cwd=log_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class People:
    """The simulated people, each sending to one of the web processes (`slacks`)."""

    def __init__(
        self,
        outside: Outside,
        slacks: Sequence[SlackWorkspace],
        until: float,
        think: tuple[float, float] = THINK,
        seed: int = 11,
    ) -> None:
        self.think = think
        self.outside = outside
        self.state = outside.slack
        self.slacks = slacks
        self.until = until
        self.tally = Tally()
        self._days = iter(range(10, 100_000))
        self._days_lock = threading.Lock()
        self._clicked: set[tuple[str, str]] = set()
        self._rng = random.Random(seed)

    def slack_for(self, number: int) -> SlackWorkspace:
        return self.slacks[number % len(self.slacks)]

    def _answer(self, user: str, seen: int) -> bool:
        return self.state.wait_above(
            f"answer:{user}", seen, min(ANSWER_TIMEOUT, self.until + 30 - time.monotonic())
        )

    def staff(self, user: str, number: int) -> None:
        slack = self.slack_for(number)
        while time.monotonic() < self.until:
            key = f"view:{user}:{FORM}"
            seen_view = self.state.count(key)
            status = slack.command(user, "/timeoff").status_code
            if status != 200:
                self._failed(f"/timeoff answered {status}")
                continue
            if not self.state.wait_above(key, seen_view, ANSWER_TIMEOUT):
                self._failed("form not opened")
                continue
            with self._days_lock:
                day = (date.today() + timedelta(days=next(self._days))).isoformat()
            values = {"starts_on": {FIELD: day}, "ends_on": {FIELD: day}, "reason": {FIELD: "load"}}
            seen = self.state.count(f"answer:{user}")
            reply = slack.submit_view(user, self.state.latest_view[(user, FORM)], values)
            self.tally.add("requests submitted")
            if reply.status_code != 200:
                self._failed(f"submission answered {reply.status_code}")
                continue
            if reply.content and b'"errors"' in reply.content:
                self.tally.error(reply.text)
                continue
            if not self._answer(user, seen):
                self._failed("no answer")
                continue
            text = self._user_text(user)
            if not SENT.match(text):
                self.tally.error(text)
                continue
            found = REQUEST_ID.search(text)
            if found and self._rng.random() < CANCEL_SHARE:
                seen = self.state.count(f"answer:{user}")
                status = slack.command(user, "/timeoff", f"cancel {found.group(1)}").status_code
                if status != 200:
                    self._failed(f"/timeoff cancel answered {status}")
                    continue
                self.tally.add("cancels sent")
                if self._answer(user, seen):
                    answer = self._user_text(user)
                    if "ancel" not in answer:
                        self.tally.error(answer)
                else:
                    self.tally.add("no answer")
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
            seen = self.state.count(f"answer:{user}")
            status = slack.click(user, APPROVE, message=message).status_code
            if status != 200:
                self._failed(f"Approve answered {status}")
                continue
            self.tally.add("approve clicks")
            if not self._answer(user, seen):
                self._failed("no answer")
                continue
            answer = self._user_text(user)
            # Approved; or told why not (decided by another admin, or cancelled meanwhile).
            if not (answer.startswith(":information_source:") or "pproved" in answer):
                self.tally.error(answer)
            time.sleep(self._rng.uniform(*self.think))

    def _failed(self, what: str) -> None:
        self.tally.add(what)
        time.sleep(0.5)

    def _user_text(self, user: str) -> str:
        """The newest thing said to `user` (a response_url post or an ephemeral message)."""
        with self.state.signal:
            return self.state.last_text.get(user, "")


def _has_action(message: dict[str, Any], action_id: str) -> bool:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return True
    return False


@dataclass
class LoadResult:
    statuses: Counter[str]
    approved: int
    approved_one_block: int
    approved_no_block: int
    approved_many_blocks: int
    cancelled_with_block: int
    outbox_left: Counter[str]
    duplicate_posts: int
    posts: int
    tally: Tally
    api_calls: int
    api_faults: int
    seconds: float


def measure(
    *,
    users: int = USERS,
    duration: float = DURATION,
    drain: float = DRAIN,
    database_url: str | None = None,
    web_processes: int = 2,
    workers: int = 2,
    think: tuple[float, float] = THINK,
    fault_every: int | None = FAULT_EVERY,
) -> LoadResult:
    """The run described above; `fault_every`: every how many API calls one fails (None: none)."""
    url = database_url or os.environ.get("BENCH_LOAD_DATABASE_URL") or LOAD_DATABASE
    if url.startswith("postgresql"):
        ensure_database(url)
    database = fresh_database(url)
    outside = Outside.start(EmulatorConfig())
    secret = "load-" + os.urandom(8).hex()
    admins = max(1, users // ADMIN_SHARE)
    staff_ids = add_bench_users(outside, users - admins, role="staff", prefix="S")
    admin_ids = add_bench_users(outside, admins, role="admin", prefix="A")
    log_dir = Path(tempfile.mkdtemp(prefix="rosterbot-load-"))
    servers: list[WebServer] = []
    worker_processes: list[subprocess.Popen[bytes]] = []
    try:
        servers = [start_rosterbot(outside, database, secret, workers=1) for _ in range(web_processes)]
        slacks = [outside.workspace(s.url, secret, pool=users + 10) for s in servers]
        warm_up(slacks[0], outside.slack, staff_ids + admin_ids)  # linked by e-mail, no faults yet
        worker_processes = [start_worker(outside, database, secret, log_dir, n) for n in range(workers)]
        outside.api.clear_requests()
        if fault_every:
            outside.api.set_faults(fault_status=500, fault_every=fault_every)
        started = time.monotonic()
        people = People(outside, slacks, until=started + duration, think=think)
        threads = [
            threading.Thread(target=people.staff, args=(u, n), daemon=True) for n, u in enumerate(staff_ids)
        ] + [threading.Thread(target=people.admin, args=(u, n), daemon=True) for n, u in enumerate(admin_ids)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(duration + 2 * ANSWER_TIMEOUT + 30)
        _drain(database, started + duration + drain)
        seconds = time.monotonic() - started
        for slack in slacks:
            slack.close()
        return _result(database, outside, people.tally, seconds)
    finally:
        for process in worker_processes:
            stop_worker(process)
        for server in servers:
            server.stop(grace=5)
        outside.stop()


def _drain(database_url: str, until: float) -> None:
    """Wait until the outbox has nothing due left (or `until`)."""
    engine = make_engine(database_url)
    try:
        while time.monotonic() < until:
            with engine.connect() as connection:
                left = connection.scalar(
                    select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
                )
            if not left:
                return
            time.sleep(1.0)
    finally:
        engine.dispose()


def _result(database_url: str, outside: Outside, tally: Tally, seconds: float) -> LoadResult:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            rows = list(session.scalars(select(TimeOffRequest)))
            outbox_left = Counter(
                f"{item.kind}:{item.status}"
                for item in session.scalars(select(OutboxItem).where(OutboxItem.status != "done"))
            )
    finally:
        engine.dispose()
    blocks = outside.api.blocked_times()
    per_request: Counter[int] = Counter()
    for row in rows:
        marker = block_marker(row.id)
        per_request[row.id] = sum(1 for b in blocks if marker in (b.name or ""))
    approved = [r for r in rows if r.status == "approved"]
    posts = [c for c in outside.slack.calls_to("chat.postMessage") if c.ok]
    seen = Counter((str(c.args.get("channel")), str(c.args.get("text"))) for c in posts)
    requests = list(outside.api.requests)
    return LoadResult(
        statuses=Counter(r.status for r in rows),
        approved=len(approved),
        approved_one_block=sum(1 for r in approved if per_request[r.id] == 1),
        approved_no_block=sum(1 for r in approved if per_request[r.id] == 0),
        approved_many_blocks=sum(1 for r in approved if per_request[r.id] > 1),
        cancelled_with_block=sum(1 for r in rows if r.status == "cancelled" and per_request[r.id] > 0),
        outbox_left=outbox_left,
        duplicate_posts=sum(n - 1 for n in seen.values() if n > 1),
        posts=len(posts),
        tally=tally,
        api_calls=len(requests),
        api_faults=sum(1 for r in requests if r.status >= 500),
        seconds=seconds,
    )


def rows(result: LoadResult) -> list[Row]:
    total = sum(result.statuses.values())
    final = sum(n for s, n in result.statuses.items() if s in ("approved", "denied", "cancelled"))
    done = result.tally.counts
    left = ", ".join(f"{k} {v}" for k, v in sorted(result.outbox_left.items())) or "none"
    errors = "; ".join(f"{n}x '{t}'" for t, n in result.tally.errors.most_common(3))
    return [
        Row(
            "load",
            "requests stored",
            f"{total}",
            "",
            ", ".join(f"{s} {n}" for s, n in sorted(result.statuses.items())),
        ),
        Row(
            "load", "requests in a final state", f"{final} of {total}", "", "pending ones were never approved"
        ),
        Row(
            "load",
            "approved with exactly one blocked time",
            f"{result.approved_one_block} of {result.approved}",
            "all",
            f"none: {result.approved_no_block}, more than one: {result.approved_many_blocks}",
        ),
        Row("load", "cancelled with a blocked time", f"{result.cancelled_with_block}", "0", ""),
        Row(
            "load",
            "Slack messages posted twice",
            f"{result.duplicate_posts} of {result.posts}",
            "0",
            "same text to the same channel or DM",
        ),
        Row("load", "outbox items not done", left, "none", "after the drain"),
        Row(
            "load",
            "what users did",
            ", ".join(f"{k} {v}" for k, v in sorted(done.items()) if k != "error answers"),
            "",
            f"{result.seconds:.0f} s in all",
        ),
        Row("load", "errors users read", f"{done.get('error answers', 0)}", "", errors),
        Row(
            "load",
            "business API calls",
            f"{result.api_calls}",
            "",
            f"{result.api_faults} answered 500 (the emulator fails every 10th call)"
            if result.api_faults
            else "no faults",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if "--chaos" in args_list:  # the kill test (bench.chaos) takes the rest of the options
        from bench import chaos

        args_list.remove("--chaos")
        return chaos.main(args_list)
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--duration", type=float, default=DURATION)
    parser.add_argument("--drain", type=float, default=DRAIN)
    parser.add_argument("--database", help=f"default $BENCH_LOAD_DATABASE_URL or {LOAD_DATABASE}")
    args = parser.parse_args(argv)
    result = measure(users=args.users, duration=args.duration, drain=args.drain, database_url=args.database)
    print_table(rows(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
