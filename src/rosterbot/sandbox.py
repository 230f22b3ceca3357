"""The whole bot on loopback: the business API emulator, the Slack Web API stand-in, and the real
web app (`create_web_app`) between them, reached with requests signed as Slack signs them.

The console runs on it, and so do the end-to-end tests and the benchmarks: no command has a code
path of its own here; only the two outside services are stand-ins.

    with Sandbox.start() as box:
        box.slack.command("U0STAFF01", "/team", "list")
        box.slack_state.responses[-1].text
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from rosterbot.config import Settings, load_settings
from rosterbot.emulators.business_api import EmulatorConfig, EmulatorState, start_emulator
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.emulators.serving import RunningServer, serve_in_thread
from rosterbot.emulators.slack_api import SlackState, SlackWorkspace, start_slack_standin
from rosterbot.runtime import Runtime, build_runtime
from rosterbot.worker import JobWorker, schedule_of

SANDBOX_BOT_TOKEN = "xoxb-sandbox-bot-token"


@dataclass
class Sandbox:
    settings: Settings
    runtime: Runtime
    api_state: EmulatorState
    slack_state: SlackState
    slack: SlackWorkspace
    # The process's worker: does at once the jobs the app stores (`work_pool.wait_idle(t)` waits
    # for them) and, after `start_worker`, what else is due in the queue.
    work_pool: JobWorker
    servers: list[RunningServer] = field(default_factory=list, repr=False)

    @classmethod
    def start(
        cls,
        *,
        database_url: str | None = None,
        emulator: EmulatorConfig | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Sandbox:
        """Start both stand-ins and the app on free loopback ports. `settings` overrides any
        setting by field name (e.g. `{"timezone": "Europe/Berlin"}`); `command_burst` is 0 unless
        given (services/throttle.py)."""
        signing_secret = secrets.token_hex(16)
        if database_url is None:
            # A file, not ":memory:": the web threads, the worker and migrations share it.
            database_url = f"sqlite:///{tempfile.mkdtemp(prefix='rosterbot-')}/rosterbot.db"
        api_server, api_state = start_emulator(emulator or EmulatorConfig())
        slack_server, slack_state = start_slack_standin(state=SlackState(accepted_tokens={SANDBOX_BOT_TOKEN}))
        values: dict[str, Any] = {
            "slack_bot_token": SANDBOX_BOT_TOKEN,
            "slack_signing_secret": signing_secret,
            "slack_api_url": slack_server.url + "/api/",
            "database_url": database_url,
            "api_url": api_server.url,
            "team_channel": TEAM_CHANNEL_ID,
            "approvals_channel": APPROVALS_CHANNEL_ID,
            # Tests and benchmarks send as fast as they are answered, as one user: no per-user
            # share of commands unless asked for (tests/security/test_fairness.py; the console
            # passes the setting's own value).
            "command_burst": 0,
        }
        values.update(settings or {})
        config = load_settings(**values)
        runtime = build_runtime(config)
        from rosterbot.slack.app import build_app
        from rosterbot.slack.web import create_web_app

        services = runtime.services
        assert services.outbox is not None  # a bot token: the queue can tell people
        lease = config.job_lease_seconds
        worker = JobWorker(services.outbox, schedule=schedule_of(services), lease_seconds=lease)
        bolt = build_app(config, runtime.services, run_here=worker.submit)
        web_app = create_web_app(config, runtime.services, bolt_app=bolt)
        app_server = serve_in_thread(web_app)
        slack = SlackWorkspace(app_server.url, signing_secret, slack_state, slack_server.url)
        return cls(
            settings=config,
            runtime=runtime,
            api_state=api_state,
            slack_state=slack_state,
            slack=slack,
            work_pool=worker,
            servers=[app_server, slack_server, api_server],
        )

    @property
    def services(self) -> Any:
        return self.runtime.services

    @property
    def app_url(self) -> str:
        return self.servers[0].url

    def stop(self) -> None:
        self.stop_worker()
        self.slack.close()
        for server in self.servers:
            server.stop()
        self.work_pool.stop()  # its idle threads end; work still running finishes on its own
        self.runtime.close()
        self.api_state.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def seed_demo_positions(self) -> int:
        """Give the demo team their positions (emulators/demo.py) in rosterbot's store, once: the
        business API has no position field, so the emulator's demo data cannot carry them.
        Returns how many were assigned (0 when any assignment exists already)."""
        from rosterbot.emulators.demo import DEMO_TEAM
        from rosterbot.store import positions
        from rosterbot.store.db import session_scope

        services = self.runtime.services
        with session_scope(services.session_factory) as session:
            if positions.assignments(session):
                return 0
            member_ids = {m.email: m.id for m in self.api_state.members() if m.email}
            position_ids = {p.title: p.id for p in self.api_state.positions()}
            assigned = 0
            for person in DEMO_TEAM:
                member_id, position_id = member_ids.get(person.email), position_ids.get(person.position)
                if member_id is not None and position_id is not None:
                    positions.assign(session, member_id, position_id, assigned_by="demo")
                    assigned += 1
            return assigned

    # The worker's claim loop (outbox, reminders, digests), in this process.
    def start_worker(self, poll_seconds: float = 0.2) -> None:
        self.work_pool.start(poll_seconds=poll_seconds)

    def stop_worker(self) -> None:
        self.work_pool.stop_claiming()
