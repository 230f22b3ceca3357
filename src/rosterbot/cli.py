"""The `rosterbot` command: serve, socket, console, worker, emulator, db upgrade."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from rosterbot.config import Settings, SettingsError, load_settings
from rosterbot.logs import configure_logging

log = logging.getLogger(__name__)

# What `rosterbot console --help` promises; `console.run_console` returns these.
CONSOLE_EXIT_STATUS = """\
exit status:
  0    :quit, Ctrl-D, or the end of the script (even in the middle of a form)
  2    the script (or standard input) cannot be read or is not UTF-8 text: one line on stderr says why
  130  interrupted by Ctrl-C while the app works (at a prompt, Ctrl-C clears the line or leaves the form)"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        settings = load_settings()
        return int(args.handler(settings, args) or 0)
    except SettingsError as exc:
        print(f"rosterbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rosterbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve Slack over HTTP on $PORT (/slack/events, /healthz)")
    serve.add_argument("--port", type=int, help="override $PORT")
    serve.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    _demo_flag(serve)
    serve.set_defaults(handler=_serve)

    socket = commands.add_parser("socket", help="connect to Slack over Socket Mode")
    _demo_flag(socket)
    socket.set_defaults(handler=_socket)

    console = commands.add_parser(
        "console",
        help="try rosterbot in the terminal, no Slack workspace needed",
        epilog=CONSOLE_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    console.add_argument(
        "--script", metavar="FILE", help="run the lines of FILE (UTF-8) and print the transcript"
    )
    console.set_defaults(handler=_console)

    worker = commands.add_parser("worker", help="deliver the outbox, send reminders and digests")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    _demo_flag(worker)
    worker.set_defaults(handler=_worker)

    emulator = commands.add_parser("emulator", help="serve the business API emulator over HTTP")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8080)
    emulator.add_argument("--database", default="sqlite://", help="SQLAlchemy URL of its state (memory)")
    emulator.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    emulator.add_argument("--live-style", action="store_true", help="answer v1 like the live service")
    emulator.set_defaults(handler=_emulator)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply the migrations")
    upgrade.set_defaults(handler=_db_upgrade)
    return parser


def _demo_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run on the built-in demo business (no ROSTERBOT_API_URL); every reply says demo data",
    )


def _for_slack(settings: Settings, args: argparse.Namespace, *required: str) -> Settings:
    """The settings of a command that serves a Slack workspace: `required` set, and the business
    API configured unless the demo is asked for (`--demo` or ROSTERBOT_DEMO=1)."""
    settings.require(*required)
    if args.demo:
        settings = settings.model_copy(update={"demo": True})
    settings.require_business_api(args.command)
    if settings.demo:
        log.warning("demo mode: the built-in demo business, not a real team; every reply says so")
    return settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from rosterbot.server import serve

    settings = _for_slack(settings, args, "slack_bot_token", "slack_signing_secret")
    serve(settings, port=args.port or settings.port, workers=args.workers)
    return 0


def _socket(settings: Settings, args: argparse.Namespace) -> int:
    from rosterbot.runtime import build_runtime
    from rosterbot.slack.web import run_socket_mode

    settings = _for_slack(settings, args, "slack_bot_token", "slack_app_token")
    runtime = build_runtime(settings)
    run_socket_mode(settings, runtime)
    return 0


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from rosterbot.console import run_console

    return run_console(settings, script=args.script)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from rosterbot.runtime import build_runtime
    from rosterbot.worker import run

    settings = _for_slack(settings, args, "slack_bot_token")
    runtime = build_runtime(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        run(settings, runtime, once=args.once, stop_event=stop)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0


def _emulator(settings: Settings, args: argparse.Namespace) -> int:
    from rosterbot.emulators.business_api import serve
    from rosterbot.runtime import emulator_config

    config = emulator_config(
        settings,
        database_url=args.database,
        latency=args.latency,
        v1_style="live" if args.live_style else "seed",
    )
    print(f"business API emulator on http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr)
    serve(config, args.host, args.port)
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from rosterbot.store.migrate import upgrade

    upgrade(settings.database_url)
    print("database schema is up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
