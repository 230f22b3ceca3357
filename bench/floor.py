"""The floor: a Bolt app with the same signing secret whose listeners only `ack()`, served by the
same gunicorn settings as `rosterbot serve` (`rosterbot.server.gunicorn_options`). Like rosterbot it
has a bot token and calls `auth.test` once per process (at `SLACK_API_URL`), on its first request.

What it costs to verify a Slack signature, parse the request, run Bolt's built-in middleware and
answer, with none of rosterbot's work: the benchmarks report rosterbot's figures as a ratio to it.

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=... SLACK_API_URL=http://127.0.0.1:P/api/ \
        python -m bench.floor --port 3001 --workers 2
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from typing import Any

from flask import Flask, Response, jsonify, request
from gunicorn.app.base import BaseApplication
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

from rosterbot.server import gunicorn_options

ANY = re.compile(".*")


def only_ack(ack: Ack) -> None:
    ack()


def build_floor_app(signing_secret: str, bot_token: str, slack_api_url: str) -> App:
    """Every command, view submission and action is acked and nothing else."""
    app = App(
        name="floor",
        client=WebClient(token=bot_token, base_url=slack_api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        request_verification_enabled=True,
    )
    app.command(ANY)(only_ack)
    app.view(ANY)(only_ack)
    app.action(ANY)(only_ack)
    return app


def create_floor_web_app(signing_secret: str, bot_token: str, slack_api_url: str) -> Flask:
    """`POST /slack/events` and `GET /healthz`, like `rosterbot.slack.web.create_web_app`."""
    handler = SlackRequestHandler(build_floor_app(signing_secret, bot_token, slack_api_url))
    web = Flask("bench.floor")

    @web.post("/slack/events")
    def slack_events() -> Response:
        return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[Response, int]:
        return jsonify(ok=True), 200

    return web


class _FloorServer(BaseApplication):
    def __init__(self, secrets: tuple[str, str, str], options: dict[str, Any]) -> None:
        self._secrets = secrets  # signing secret, bot token, Slack API URL
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_floor_web_app(*self._secrets)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    secret, token = os.environ.get("SLACK_SIGNING_SECRET"), os.environ.get("SLACK_BOT_TOKEN")
    url = os.environ.get("SLACK_API_URL")
    if not (secret and token and url):
        parser.error("set SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_API_URL")
    _FloorServer((secret, token, url), gunicorn_options(args.port, args.workers, host="127.0.0.1")).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
