"""What every benchmark shares: the two outside services in this process (the business API emulator
and the Slack Web API stand-in), the web process under test as a subprocess (`rosterbot serve`, or
the ack-only floor) on a free loopback port, bench users, the database, and the result table."""

from __future__ import annotations

import collections
import contextlib
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from rosterbot.emulators.business_api import EmulatorConfig, EmulatorState, start_emulator
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, DEMO_SLACK_TEAM_ID, TEAM_CHANNEL_ID
from rosterbot.emulators.serving import RunningServer
from rosterbot.emulators.slack_api import SlackState, SlackWorkspace, start_slack_standin

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv that runs the benchmarks also runs the servers
BOT_TOKEN = "xoxb-bench-bot-token"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
WEB_WORKERS = 2  # the Procfile's WEB_CONCURRENCY default
# Another checkout's src/ for the servers under test (`python -m bench.compare --old PATH`): rosterbot
# as it was at another commit, run beside today's by the same harness. None: the code on the path.
SERVER_SRC: str | None = None
READY_TIMEOUT = 60.0


# ---- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table `make bench` prints."""

    benchmark: str
    measure: str
    value: str
    goal: str = ""
    note: str = ""


def print_table(rows: Sequence[Row], out: Any = None) -> None:
    out = out or sys.stdout
    headers = ("benchmark", "measure", "value", "goal", "note")
    cells = [headers] + [(r.benchmark, r.measure, r.value, r.goal, r.note) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)
        if number == 0:
            print("  ".join("-" * w for w in widths), file=out)
    out.flush()


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method; NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


# ---- the database ----------------------------------------------------------------------------------


def choose_database(url: str | None = None) -> str:
    """`url`, else $BENCH_DATABASE_URL, else the `bench` PostgreSQL database when it answers, else
    a new SQLite file ("sqlite" asks for one)."""
    url = url or os.environ.get("BENCH_DATABASE_URL") or _postgres_if_up(DEFAULT_POSTGRES_URL)
    if not url or url == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='rosterbot-bench-')}/rosterbot.db"
    return url


def fresh_database(url: str | None = None) -> str:
    """A migrated rosterbot database (see `choose_database`); PostgreSQL is emptied first (its
    public schema dropped: give the benchmarks a database of their own)."""
    from sqlalchemy import text

    from rosterbot.store.db import make_engine
    from rosterbot.store.migrate import upgrade

    url = choose_database(url)
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    if SERVER_SRC is None:
        upgrade(url)
    else:  # the servers' own migrations: they refuse a schema newer than they know
        code = "import sys; from rosterbot.store.migrate import upgrade; upgrade(sys.argv[1])"
        env = {**os.environ, "PYTHONPATH": server_path()}
        subprocess.run([sys.executable, "-c", code, url], env=env, check=True, capture_output=True)
    return url


def server_path() -> str:
    """PYTHONPATH of a server under test: `SERVER_SRC` first when set, the repository (for
    `bench.floor`), then what the caller had (the tests' clock under --today)."""
    parts = [SERVER_SRC, str(REPO), os.environ.get("PYTHONPATH", "")]
    return os.pathsep.join(p for p in parts if p)


def _postgres_if_up(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=2):
            return url
    except Exception:  # noqa: BLE001 - no PostgreSQL here: SQLite will do
        return None


def database_kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


# ---- the Slack stand-in, with waits -------------------------------------------------------------


class SignalledSlackState(SlackState):
    """The stand-in's state, counting what the app sends per Slack user so a simulated user can
    wait (without polling) for its answer: `reply:<user>` (a response_url post, an ephemeral
    message or a DM), `answer:<user>` (the same without DMs: what answers a request, not the
    worker's notices), `response:<url id>` and `view:<user>:<callback_id>` (a modal opened or
    updated)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.signal = threading.Condition()
        self.counts: collections.Counter[str] = collections.Counter()
        # When each count went up (time.monotonic(), as the stand-in handled the call): key -> times.
        self.stamps: dict[str, list[float]] = collections.defaultdict(list)
        self.latest_view: dict[tuple[str, str], str] = {}
        self.response_texts: dict[str, list[str]] = collections.defaultdict(list)
        self.last_text: dict[str, str] = {}  # the newest response_url post or ephemeral, per user

    def count(self, key: str) -> int:
        with self.signal:
            return self.counts[key]

    def wait_above(self, key: str, seen: int, timeout: float) -> bool:
        """Wait until `key` counts more than `seen`, at most `timeout` seconds."""
        with self.signal:
            return self.signal.wait_for(lambda: self.counts[key] > seen, timeout=max(0.0, timeout))

    def stamp(self, key: str, number: int) -> float:
        """When `key` counted `number` (from 1); NaN if it has not."""
        with self.signal:
            times = self.stamps.get(key, [])
            return times[number - 1] if 0 < number <= len(times) else math.nan

    def _bump(self, *keys: str) -> None:
        now = time.monotonic()
        with self.signal:
            for key in keys:
                self.counts[key] += 1
                self.stamps[key].append(now)
            self.signal.notify_all()

    def post_response(self, url_id: str, payload: dict[str, Any]) -> None:
        super().post_response(url_id, payload)
        with self.lock:
            hook = self._response_urls.get(url_id)
            user = hook.user if hook else None
        with self.signal:
            self.response_texts[url_id].append(str(payload.get("text") or ""))
            if user:
                self.last_text[user] = str(payload.get("text") or "")
        self._bump(f"reply:{user}", f"answer:{user}", f"response:{url_id}")

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None) -> str:
        ts = super().post_ephemeral(channel, user, text, blocks)
        with self.signal:
            self.last_text[user] = text
        self._bump(f"reply:{user}", f"answer:{user}")
        return ts

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None, **kwargs: Any
    ) -> dict[str, Any]:
        message = super().post_message(channel, text, blocks, **kwargs)
        keys = [f"message:{channel}"]
        with self.lock:
            im = self.channels.get(channel)
            if im is not None and im.is_im and im.user:
                keys.append(f"reply:{im.user}")
        self._bump(*keys)
        return message

    def store_view(self, view: dict[str, Any], *, user: str | None, **kwargs: Any) -> dict[str, Any]:
        stored = super().store_view(view, user=user, **kwargs)
        owner = user or self.view_user(stored["id"])
        if owner:
            callback = stored.get("callback_id") or ""
            with self.signal:
                self.latest_view[(owner, callback)] = stored["id"]
            self._bump(f"view:{owner}:{callback}")
        return stored


# Slack and the business API run on other machines; here their stand-ins share the cores with the
# server under test, and rosterbot's post-ack work keeps them busy (the floor's never calls them).
# Their threads run at this nice value so that they do not take the CPU from the server's acks
# as a remote service could not (`python -m bench --remote-nice 0`: at the server's priority).
REMOTE_NICE = 19


def yield_to_servers(nice: int) -> None:
    """Run this process (the stand-ins and the simulated users) below the servers under test and
    the timing sender, each of which has a session of its own. Where the kernel schedules by
    session (autogroup, on in most distributions' kernels), a nice value counts only within the
    session, so this process takes a session of its own and sets that group's nice."""
    if nice <= 0:
        return
    with contextlib.suppress(OSError):  # already a process group leader (a terminal's job)
        os.setsid()
    group = Path("/proc/self/autogroup")
    if os.getsid(0) == os.getpid() and group.exists():  # never the caller's session
        with contextlib.suppress(OSError):
            group.write_text(str(nice))


@dataclass
class Outside:
    """The business API emulator and the Slack stand-in, served from this process on loopback
    (their threads at `REMOTE_NICE`)."""

    api_server: RunningServer
    api: EmulatorState
    slack_server: RunningServer
    slack: SignalledSlackState

    @classmethod
    def start(cls, config: EmulatorConfig | None = None) -> Outside:
        api_server, api_state = start_emulator(config or EmulatorConfig())
        state = SignalledSlackState(accepted_tokens={BOT_TOKEN})
        slack_server, _ = start_slack_standin(state=state)
        for server in (api_server, slack_server):  # its request threads inherit the value
            os.setpriority(os.PRIO_PROCESS, server.thread.native_id or 0, REMOTE_NICE)
        return cls(api_server, api_state, slack_server, state)

    @property
    def api_url(self) -> str:
        return self.api_server.url

    @property
    def slack_api_url(self) -> str:
        return self.slack_server.url + "/api/"

    def workspace(self, app_url: str, signing_secret: str, *, pool: int = 100) -> SlackWorkspace:
        """Slack's side towards the app at `app_url`: signed requests over a pool of `pool`
        keep-alive connections (one per simulated user), 30 s timeout."""
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        http = httpx.Client(timeout=30.0, limits=limits)
        return SlackWorkspace(app_url, signing_secret, self.slack, self.slack_server.url, http=http)

    def stop(self) -> None:
        """Stop serving. The emulator's engine is left to the garbage collector: a request that
        was still waiting out the emulator's latency would otherwise meet a database that is gone."""
        self.slack_server.stop()
        self.api_server.stop()


def add_bench_users(outside: Outside, count: int, role: str = "admin", prefix: str = "B") -> list[str]:
    """`count` people who are both a team member (`role`) and a Slack user with the same e-mail,
    so rosterbot links them on first use. Returns their Slack user ids."""
    users = []
    for number in range(1, count + 1):
        user_id = f"U0{prefix}{number:05d}"
        email = f"{prefix.lower()}{number:05d}@bench.example"
        outside.slack.add_user(user_id, "Bench", f"{prefix}{number:05d}", email)
        outside.api.add_member(role, "Bench", f"{prefix}{number:05d}", email)
        users.append(user_id)
    return users


# ---- the web process under test ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rosterbot_env(outside: Outside, database_url: str, signing_secret: str, **extra: str) -> dict[str, str]:
    """The production server's settings, as environment variables (nothing inherited that could
    point it elsewhere)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ROSTERBOT_", "SLACK_")) and k not in ("DATABASE_URL", "PORT", "WEB_CONCURRENCY")
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=outside.slack_api_url,
        ROSTERBOT_API_URL=outside.api_url,
        ROSTERBOT_DATABASE_URL=database_url,
        ROSTERBOT_TEAM_CHANNEL=TEAM_CHANNEL_ID,
        ROSTERBOT_APPROVALS_CHANNEL=APPROVALS_CHANNEL_ID,
        # A bench user sends as fast as it is answered, far past a person's share of commands:
        # the per-user limit (services/throttle.py) would refuse the very traffic being measured.
        ROSTERBOT_COMMAND_BURST="0",
        PYTHONPATH=server_path(),
    )
    env.update(extra)
    return env


@dataclass
class WebServer:
    """A gunicorn master and its workers in their own process group."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_at: float
    ready_seconds: float = math.nan
    _log: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> float:
        """Poll /healthz until 200; seconds from the process start to that first 200."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({self.process.returncode}); see {self.log_path}")
                try:
                    if http.get(self.url + "/healthz").status_code == 200:
                        self.ready_seconds = time.monotonic() - self.started_at
                        return self.ready_seconds
                except httpx.TransportError:
                    pass
                time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f} s; see {self.log_path}")

    def wait_settled(self, timeout: float = 15.0) -> None:
        """Wait until the server's processes have finished starting: /healthz answers as soon as
        one worker is up, while the other (and rosterbot's work process) may still be importing
        and would take its share of a burst sent now. Settled: under 20 ms of CPU in 200 ms."""
        deadline = time.monotonic() + timeout
        last = cpu_seconds([self.process.pid, *children_of(self.process.pid)])
        while time.monotonic() < deadline:
            time.sleep(0.2)
            now = cpu_seconds([self.process.pid, *children_of(self.process.pid)])
            if now - last < 0.02:
                return
            last = now

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (the master's children that run the master's command)."""
        master = command_line(self.process.pid)
        return [pid for pid in children_of(self.process.pid) if command_line(pid) == master]

    def all_pids(self) -> list[int]:
        """The master and every process under it (workers, rosterbot's worker process, helpers)."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children_of(pid))
        return found

    def work_pids(self) -> list[int]:
        """The master's other children: rosterbot's worker process (and, in runtimes before
        `rosterbot.worker_process`, multiprocessing's resource tracker); none for the floor."""
        workers = set(self.worker_pids())
        return [pid for pid in children_of(self.process.pid) if pid not in workers]

    def stop(self, *, grace: float = 25.0) -> None:
        """SIGTERM to the group (gunicorn's graceful stop), SIGKILL after `grace` seconds. grace=0:
        kill at once (a run whose queued work is not wanted)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL if grace <= 0 else signal.SIGTERM)
                self.process.wait(timeout=grace if grace > 0 else 10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        # Workers left behind by a killed master.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> WebServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop(grace=0)


def start_server(name: str, argv: list[str], env: dict[str, str], *, port: int | None = None) -> WebServer:
    """Start `argv` (which must take `--port`) in its own process group; wait for /healthz."""
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix=f"rosterbot-bench-{name}-"))
    log_path = workdir / "server.log"
    log = log_path.open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        [*argv, "--port", str(port)],
        env=env,
        cwd=workdir,  # no stray .env; default files land here
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = WebServer(name, process, port, log_path, started, _log=log)
    try:
        server.wait_ready()
        server.wait_settled()
    except BaseException:
        server.stop(grace=0)
        raise
    return server


def start_rosterbot(
    outside: Outside,
    database_url: str,
    signing_secret: str,
    *,
    workers: int = WEB_WORKERS,
    settings: Mapping[str, str] | None = None,
) -> WebServer:
    """`rosterbot serve --workers N` as the Procfile runs it; `settings`: more environment."""
    env = rosterbot_env(outside, database_url, signing_secret, **(settings or {}))
    return start_server("rosterbot", [str(BIN / "rosterbot"), "serve", "--workers", str(workers)], env)


def start_floor(outside: Outside, signing_secret: str, *, workers: int = WEB_WORKERS) -> WebServer:
    """The ack-only Bolt app (`bench.floor`) under the same gunicorn settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROSTERBOT_", "SLACK_"))}
    env.update(
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=outside.slack_api_url,
        # What the caller had on the path stays after the repo's (the tests' clock under --today).
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    )
    return start_server("floor", [sys.executable, "-m", "bench.floor", "--workers", str(workers)], env)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of `pids` so far (those still running)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    """Every process whose command name (/proc/<pid>/comm) is `name`, e.g. PostgreSQL's backends."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == name:
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def children_of(pid: int) -> list[int]:
    # Each thread's children are listed under its own task: `serve` starts its worker process again
    # from a thread of the master, which /proc/<pid>/task/<pid>/children alone does not show.
    tasks = list(Path(f"/proc/{pid}/task").glob("*/children"))
    if tasks:
        found: list[int] = []
        for children in tasks:
            try:
                found += [int(p) for p in children.read_text().split()]
            except OSError:  # the thread ended meanwhile
                continue
        return found
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def rss_kib(pid: int) -> int:
    """Resident memory of `pid` in KiB (VmRSS in /proc/<pid>/status)."""
    return status_number(pid, "VmRSS")


def thread_count(pid: int) -> int:
    """How many threads `pid` has (Threads in /proc/<pid>/status)."""
    return status_number(pid, "Threads")


def status_number(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise LookupError(f"no {name} for {pid}")


def new_secret() -> str:
    return secrets.token_hex(16)


def team_id() -> str:
    return DEMO_SLACK_TEAM_ID


def warm_up(
    slack: SlackWorkspace, state: SignalledSlackState, users: Sequence[str], *, threads: int = 10
) -> int:
    """Each user runs `/team whoami` once (linking them by e-mail, filling the role cache) and waits
    for the answer; returns how many got none within 30 s."""
    missing = 0
    lock = threading.Lock()

    def one(user: str) -> None:
        nonlocal missing
        seen = state.count(f"reply:{user}")
        reply = slack.command(user, "/team", "whoami")
        if reply.status_code != 200 or not state.wait_above(f"reply:{user}", seen, 30.0):
            with lock:
                missing += 1

    run_threads([lambda u=u: one(u) for u in users], threads)
    return missing


def run_threads(tasks: Sequence[Any], threads: int) -> None:
    """Run the callables on `threads` threads; re-raise the first error."""
    pending = list(tasks)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def loop() -> None:
        while True:
            with lock:
                if not pending or errors:
                    return
                task = pending.pop()
            try:
                task()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                with lock:
                    errors.append(exc)

    workers = [threading.Thread(target=loop, daemon=True) for _ in range(max(1, min(threads, len(tasks))))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
