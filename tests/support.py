"""Helpers shared by several test packages (importable, unlike a conftest): what a user reads in
Block Kit, a slash command and a modal in the sandbox, the app's listeners counted, log records
captured, a client for the business API emulator.

Imported as `support`: `tests/` has no `__init__.py`, so pytest puts it on `sys.path` for its
conftest (the default "prepend" import mode), whichever directory pytest is started from.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from rosterbot.api.client import BusinessApi
from rosterbot.config import EMULATOR_PARTNER_TOKEN, EMULATOR_SESSION_COOKIE, EMULATOR_USER_TOKEN
from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.sandbox import Sandbox

# How long a test waits for what the app sends to the Slack stand-in.
SLACK_WAIT = 5.0
# The loggers whose warnings and errors are the app's (and Bolt's on its behalf).
APP_LOGGERS = ("rosterbot", "slack_bolt")


def block_texts(value: Any) -> list[str]:
    """Every `text` string inside Block Kit (blocks, a view, a message), depth first."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                found.extend(block_texts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(block_texts(item))
    return found


def texts(blocks: Any) -> str:
    """Every `text` in a block tree, one per line: what the user reads."""
    return "\n".join(block_texts(blocks))


def command(box: Sandbox, user: str, name: str, text: str = "") -> ResponsePost:
    """`user` types `name text` in Slack; the app's first answer through the response_url."""
    before = len(box.slack_state.responses)
    reply = box.slack.command(user, name, text)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=SLACK_WAIT), "no answer"
    return box.slack_state.responses[before]


def settled_modal(box: Sandbox, user: str) -> dict[str, Any]:
    """The user's top modal once it no longer says Loading."""

    def settled(state: Any) -> bool:
        views = state.open_views(user)
        return bool(views) and "Loading" not in texts(views[-1]["blocks"])

    assert box.slack_state.wait_for(settled, timeout=SLACK_WAIT), "no modal, or still loading"
    return box.slack_state.open_views(user)[-1]


@contextmanager
def logging_to(handler: logging.Handler) -> Iterator[None]:
    """`handler` attached to the app's loggers (`APP_LOGGERS`) while inside."""
    loggers = [logging.getLogger(name) for name in APP_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def emulator_api(url: str) -> BusinessApi:
    """The real client against the emulator at `url`: its credentials, no rate limit, no retries."""
    return BusinessApi(
        url,
        company_id=1,
        partner_token=SecretStr(EMULATOR_PARTNER_TOKEN),
        user_token=SecretStr(EMULATOR_USER_TOKEN),
        session_cookie=SecretStr(EMULATOR_SESSION_COOKIE),
        rate_limit=10_000,
        max_retries=0,
        backoff_base=0.01,
        max_wait=0.05,
        timeout=5,
    )


def assert_in_progress(reply: Any, progress: str = "Saving") -> None:
    """A form accepted: Slack's answer turns the modal into `progress` at once; the service is
    asked after the ack (`rosterbot.slack.turn.form_listener`)."""
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["response_action"] == "update" and progress in texts(answer["view"]), answer


def modal_after_work(box: Sandbox, user: str, timeout: float = SLACK_WAIT) -> dict[str, Any]:
    """The user's top modal once the work after the ack is done: a form's outcome, or the form
    back, refilled with what the user typed and why."""
    assert box.work_pool.wait_idle(timeout), "the work after the ack did not finish"
    return box.slack_state.open_views(user)[-1]


def refused_fields(form: dict[str, Any]) -> dict[str, str]:
    """What a refilled form says under its inputs, by input block id (as the user reads it)."""
    prefix = "form_refusal_"
    return {
        str(block["block_id"])[len(prefix) :]: texts(block).removeprefix(":warning: ")
        for block in form.get("blocks") or []
        if str(block.get("block_id") or "").startswith(prefix)
    }
