"""Never the demo business by accident: `rosterbot serve`, `socket` and `worker` refuse to start
without ROSTERBOT_API_URL (one line on stderr, exit 2) unless the demo is asked for (`--demo` or
ROSTERBOT_DEMO=1); in demo mode every reply and the App Home say "Demo data"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rosterbot.cli import main
from rosterbot.config import Settings
from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from support import SLACK_WAIT, command, texts

SETTING_NAMES = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "ROSTERBOT_DATABASE_URL",
    "DATABASE_URL", "ROSTERBOT_API_URL", "ROSTERBOT_DEMO", "PORT",
)
COMMANDS = ("serve", "socket", "worker")
DEMO = "Demo data: the built-in demo business, not your real team"
STAFF = "U0STAFF01"


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> list[tuple[str, Settings]]:
    """Real Slack settings and no business API; what would start is recorded instead of run."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env, and the SQLite files land here
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-workspace-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "real-signing-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-real-app-token")
    runs: list[tuple[str, Settings]] = []

    class FakeRuntime:
        services = None

        def close(self) -> None:
            pass

    def build_runtime(settings: Settings, **_: Any) -> FakeRuntime:
        runs.append(("runtime", settings))
        return FakeRuntime()

    monkeypatch.setattr("rosterbot.server.serve", lambda settings, **_: runs.append(("serve", settings)))
    monkeypatch.setattr("rosterbot.runtime.build_runtime", build_runtime)
    monkeypatch.setattr("rosterbot.slack.web.run_socket_mode", lambda s, *_: runs.append(("socket", s)))
    monkeypatch.setattr("rosterbot.worker.run", lambda s, *_, **__: runs.append(("worker", s)))
    return runs


@pytest.mark.parametrize("name", COMMANDS)
def test_no_business_api_refuses_to_start_with_one_line(
    name: str, started: list[tuple[str, Settings]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([name]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [
        f"rosterbot: ROSTERBOT_API_URL is not set: rosterbot {name} needs the business API"
        " (or run with --demo for the built-in demo business)"
    ]
    assert started == [], "nothing may start on the demo business by accident"
    assert "real-signing-secret" not in err and "xoxb" not in err


@pytest.mark.parametrize("name", COMMANDS)
def test_the_demo_asked_for_by_flag_starts_in_demo_mode(
    name: str, started: list[tuple[str, Settings]]
) -> None:
    assert main([name, "--demo"]) == 0
    assert started and all(settings.demo and settings.api_url is None for _, settings in started)


def test_the_demo_asked_for_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, started: list[tuple[str, Settings]]
) -> None:
    monkeypatch.setenv("ROSTERBOT_DEMO", "1")
    assert main(["serve"]) == 0
    assert [(what, settings.demo) for what, settings in started] == [("serve", True)]


def test_with_the_business_api_it_starts_for_real(
    monkeypatch: pytest.MonkeyPatch, started: list[tuple[str, Settings]]
) -> None:
    monkeypatch.setenv("ROSTERBOT_API_URL", "https://api.example.com")
    assert main(["serve"]) == 0
    assert [(what, settings.demo) for what, settings in started] == [("serve", False)]


def test_demo_with_a_live_api_is_refused(
    monkeypatch: pytest.MonkeyPatch, started: list[tuple[str, Settings]], capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo note would call the live business's data fake."""
    monkeypatch.setenv("ROSTERBOT_API_URL", "https://api.example.com")
    assert main(["worker", "--demo"]) == 2
    assert "ROSTERBOT_API_URL" in capsys.readouterr().err
    assert started == []


# -- in demo mode, everything the workspace sees says so -------------------------------------------


@pytest.fixture(scope="module")
def demo_box(sandbox: Callable[..., Sandbox]) -> Iterator[Sandbox]:
    yield sandbox(demo=True)


def test_demo_mode_marks_replies_and_the_home(demo_box: Sandbox, engine: object) -> None:
    demo_box.slack_state.clear()
    reply = command(demo_box, STAFF, "/team", "whoami")
    assert DEMO in reply.text + "\n" + texts(reply.blocks or [])

    assert demo_box.slack.home_opened(STAFF).status_code == 200
    assert demo_box.slack_state.wait_for(lambda s: s.home(STAFF) is not None, timeout=SLACK_WAIT)
    home = demo_box.slack_state.home(STAFF)
    assert home is not None and DEMO in texts(home["blocks"])


def test_without_demo_mode_no_reply_says_demo(sandbox: Callable[..., Sandbox], engine: object) -> None:
    box = sandbox()
    reply = command(box, STAFF, "/team", "whoami")
    assert "Demo data" not in reply.text + texts(reply.blocks or [])


def test_demo_mode_marks_what_the_worker_posts(demo_box: Sandbox, engine: object) -> None:
    demo_box.slack_state.clear()
    assert demo_box.services.outbox is not None
    demo_box.services.outbox.notifier.delivery_failed(None, "The digest could not be posted", TEAM_CHANNEL_ID)
    [posted] = demo_box.slack_state.messages(TEAM_CHANNEL_ID)
    assert DEMO in texts(posted["blocks"])
    assert "The digest could not be posted" in texts(posted["blocks"])
