"""`rosterbot console`: rosterbot in a terminal, with no Slack workspace, token or account.

A shell adapter on the real path: the business API emulator (with its demo business) and the Slack
Web API stand-in run in this process on loopback, with the real web app between them
(`rosterbot.sandbox.Sandbox`). Every line typed goes to the app as a request signed as Slack signs
it; what the app sends to Slack is rendered for the terminal. No command has a console-only path.

    run_console(settings)                      # interactive (readline, ~/.rosterbot_history)
    run_console(settings, script="demo.txt")   # a file of lines; prints the transcript
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rosterbot.config import Settings
from rosterbot.console.render import PLAIN, AnsiStyle, Style
from rosterbot.console.session import ConsoleSession, LineSource, Timing
from rosterbot.console.terminal import ScriptSource, TerminalSource

if TYPE_CHECKING:
    from rosterbot.sandbox import Sandbox

__all__ = ["DEMO_SCRIPT", "ConsoleSession", "Timing", "run_console", "start_console_sandbox"]

DEMO_SCRIPT = Path(__file__).with_name("demo.txt")

# Settings the sandbox owns: the Slack side is the stand-in, the API is the in-process emulator.
_SANDBOX_OWNED = {
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "slack_api_url",
    "api_url",
    "team_channel",
    "approvals_channel",
}

BANNER = """\
rosterbot console: the demo salon's team in a Slack that lives in this terminal.
You are {name}, the owner. Try /team list, /timeoff, /availability week; :help for more, :quit to leave.
"""


def run_console(
    settings: Settings,
    script: str | None = None,
    *,
    out: TextIO | None = None,
    timing: Timing | None = None,
) -> int:
    """Run the console until `:quit` or the end of input, and return the exit status that
    `rosterbot console --help` promises (`cli.CONSOLE_EXIT_STATUS`): 0 on a normal end, 2 if the
    script cannot be read or is not UTF-8 text (one line on stderr says why). `script`: a file of
    lines (typed commands, and the answers to form prompts), run without a terminal, echoing each
    line after its prompt. Without a script and with no terminal, the lines are read from standard
    input the same way."""
    stream = out or sys.stdout
    _quiet_logging()
    lines: list[str] | None = None
    if script is not None or not sys.stdin.isatty():
        where = script if script is not None else "standard input"
        try:
            lines = _script_lines(script)
        except ScriptError as exc:
            print(f"rosterbot console: cannot read {where}: {exc}", file=sys.stderr)
            return 2
    interactive = lines is None
    if settings.api_url is not None:
        print(
            "rosterbot console: uses the built-in business API emulator (its demo team matches the "
            "console's Slack users); ROSTERBOT_API_URL is not used here.",
            file=sys.stderr,
        )
    if interactive:
        print("Starting rosterbot…", file=stream, flush=True)
    box = start_console_sandbox(settings)
    try:
        style: Style = AnsiStyle() if interactive and _colour(stream) else PLAIN
        source: LineSource = TerminalSource() if lines is None else ScriptSource(lines, stream)
        watch = box.services.outbox is not None
        if watch:
            box.start_worker(poll_seconds=0.2)
        session = ConsoleSession(box, stream, source, style=style, timing=timing, watch_outbox=watch)
        if interactive:
            user = box.slack_state.users[session.user_id]
            print(BANNER.format(name=user.real_name), file=stream, flush=True)
        return session.run()
    finally:
        box.stop()


class ScriptError(Exception):
    """The script's lines cannot be had; the message says why in a few words."""


def _script_lines(script: str | None) -> list[str]:
    """The lines of `script`, or of standard input: UTF-8 text, or `ScriptError`."""
    try:
        if script is not None:
            raw = Path(script).read_bytes()
        else:
            stdin = getattr(sys.stdin, "buffer", None)
            raw = stdin.read() if stdin is not None else sys.stdin.read().encode("utf-8")
    except OSError as exc:
        raise ScriptError(str(exc.strerror or exc)) from exc
    try:
        return raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScriptError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line})") from exc


def start_console_sandbox(settings: Settings) -> Sandbox:
    """The sandbox on `settings`: rosterbot's database at `settings.database_url`, the emulator's
    state at `settings.emulator_database_url` (demo data on first start), every other setting kept."""
    # Imported here, after the logging is quieted: importing Alembic logs at INFO.
    from rosterbot.runtime import emulator_config
    from rosterbot.sandbox import Sandbox

    emulator = emulator_config(settings)
    overrides: dict[str, Any] = {
        name: getattr(settings, name) for name in type(settings).model_fields if name not in _SANDBOX_OWNED
    }
    box = Sandbox.start(database_url=settings.database_url, emulator=emulator, settings=overrides)
    box.seed_demo_positions()
    return box


def _quiet_logging() -> None:
    # WARNING and up, unless `rosterbot -v` asked for DEBUG.
    root = logging.getLogger()
    if root.level > logging.DEBUG or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
        # Bolt warns about a command nobody listens to; the console says so in its own words.
        logging.getLogger("slack_bolt.App").setLevel(logging.ERROR)


def _colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
