"""Fault tests: the whole bot on loopback (`Sandbox`: the business API emulator, the Slack Web API
stand-in and the real web app), with faults injected on either side.

One sandbox per test module (starting one costs about a second); before each test the rosterbot
database is emptied (`engine`), the emulator is back to the demo business with no faults, the
stand-in has forgotten everything, and the identity cache is cold. After each test every fault is
switched off again. The business API client retries fast here (`FAST_API`), so a fault costs a
second or two, not a minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from rosterbot.config import EMULATOR_PARTNER_TOKEN, EMULATOR_SESSION_COOKIE, EMULATOR_USER_TOKEN
from rosterbot.emulators.demo import DEMO_TEAM
from rosterbot.sandbox import SANDBOX_BOT_TOKEN, Sandbox
from rosterbot.worker import JobWorker
from support import block_texts, logging_to

from .fault_proxy import FaultProxy

OWNER, ADMIN, STAFF, GUEST = "U0OWNER01", "U0ADMIN01", "U0STAFF01", "U0GUEST01"
MEMBER_IDS = {person.slack_user_id: n for n, person in enumerate(DEMO_TEAM, start=1)}

# Timeout 0.5 s, two retries with 50-100 ms backoff, at most 1 s of waiting between tries.
FAST_API: dict[str, Any] = {
    "api_timeout": 0.5,
    "api_max_retries": 2,
    "api_backoff_base": 0.05,
    "api_max_wait": 1.0,
}
# Slack wants the HTTP answer within 3 s; the app acks before it works, so it answers far sooner.

UNAVAILABLE = "not answering right now"
BUSY = "busy right now"


@dataclass
class Faulty:
    """The sandbox, and the fault proxy between its app and its business API emulator."""

    box: Sandbox
    proxy: FaultProxy
    listeners: JobWorker

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until no listener of the app runs any more."""
        self.listeners.wait_idle(timeout)

    def stop(self) -> None:
        self.settle()
        self.box.stop()
        self.proxy.stop()


def start_faulty(database_url: str, **settings: Any) -> Faulty:
    """A sandbox whose app reaches the emulator through a `FaultProxy` (passing everything through
    until a test adds a rule)."""
    proxy = FaultProxy()
    box = Sandbox.start(database_url=database_url, settings={**FAST_API, **settings, "api_url": proxy.url})
    proxy.upstream = box.servers[2].url  # the emulator (servers: app, Slack stand-in, emulator)
    return Faulty(box, proxy, box.work_pool)


@pytest.fixture(scope="module")
def faulty(database_url: str, _migrated_engine: Engine) -> Iterator[Faulty]:
    started = start_faulty(database_url)
    yield started
    started.stop()


def reset(box: Sandbox) -> None:
    box.stop_worker()
    box.api_state.reset()  # demo data, no recorded requests, no faults, up
    box.slack_state.clear()  # recordings and faults
    box.services.identity.forget()


@pytest.fixture
def box(faulty: Faulty, engine: Engine) -> Iterator[Sandbox]:
    """The module's sandbox, fresh (`engine` empties rosterbot's tables)."""
    sandbox = faulty.box
    faulty.settle()
    faulty.proxy.clear()
    reset(sandbox)
    yield sandbox
    faulty.settle()
    faulty.proxy.clear()
    sandbox.api_state.set_faults()
    sandbox.api_state.down(False)
    sandbox.slack_state.clear()
    sandbox.stop_worker()


@pytest.fixture
def proxy(faulty: Faulty, box: Sandbox) -> FaultProxy:
    return faulty.proxy


# ---- what went wrong, as logged ----------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Records at WARNING or above from the `rosterbot` and `slack_bolt` loggers; `tracebacks()`:
    those that carry one (an expected fault is told to the user, not dumped in the log)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("rosterbot.emulators"):
            return  # the stand-ins, not the app (another module's stopped sandbox may still log)
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [
            f"{r.name}: {r.getMessage()} ({r.exc_info[1]!r})" if r.exc_info else f"{r.name}: {r.getMessage()}"
            for r in self.records
            if r.exc_info or r.stack_info
        ]


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    with logging_to(handler):
        yield handler


# ---- what the user saw -------------------------------------------------------------------------


def said_to(box: Sandbox, user: str) -> list[str]:
    """Everything shown to `user` so far: response_url posts, ephemeral messages, DMs and modals."""
    state = box.slack_state
    texts: list[str] = []
    for post in state.responses:
        if post.user in (None, user):
            texts.append(" ".join([post.text, *block_texts(post.blocks or [])]))
    for ephemeral in state.ephemerals(user=user):
        texts.append(" ".join([ephemeral.text, *block_texts(ephemeral.blocks or [])]))
    for dm in state.messages(state.im_channel(user).id):
        texts.append(" ".join([str(dm.get("text") or ""), *block_texts(dm.get("blocks") or [])]))
    for view in state.open_views(user):
        texts.append(" ".join(block_texts(view.get("blocks") or [])))
    return texts


def wait_said(box: Sandbox, user: str, wanted: str, timeout: float = 8.0) -> str:
    """The first thing shown to `user` that contains `wanted` (case-insensitive), waiting for it."""
    needle = wanted.casefold()

    def found() -> str | None:
        return next((t for t in said_to(box, user) if needle in t.casefold()), None)

    box.slack_state.wait_for(lambda _s: found() is not None, timeout=timeout)
    text = found()
    assert text is not None, f"{user} was never told {wanted!r}; they saw {said_to(box, user)!r}"
    return text


def secrets_of(box: Sandbox) -> list[str]:
    values = [SANDBOX_BOT_TOKEN, EMULATOR_PARTNER_TOKEN, EMULATOR_USER_TOKEN, EMULATOR_SESSION_COOKIE]
    if box.settings.slack_signing_secret is not None:
        values.append(box.settings.slack_signing_secret.get_secret_value())
    return values


def assert_plain(box: Sandbox, text: str) -> None:
    """A sentence for a person: no traceback, no exception repr, no credential."""
    assert text.strip()
    for marker in ("Traceback", 'File "', "Exception", "Error(", "httpx", "sqlalchemy"):
        assert marker not in text, f"{marker!r} shown to a user: {text!r}"
    for secret in secrets_of(box):
        assert secret not in text, "a credential was shown to a user"


def assert_nothing_leaked(box: Sandbox, user: str) -> None:
    for text in said_to(box, user):
        assert_plain(box, text)


# ---- sending -----------------------------------------------------------------------------------


def answered(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send one request as Slack does; Slack's answer is 200. (That the answer does not wait for
    the business API is shown by order, in test_busy_app and the acknowledgement tests, and
    measured in bench/: a test times nothing.)"""
    reply = send()
    assert reply.status_code == 200, f"Slack got {reply.status_code}: {reply.text[:200]!r}"
    return reply


def command(box: Sandbox, user: str, name: str, text: str = "") -> httpx.Response:
    return answered(lambda: box.slack.command(user, name, text))


def wait_view(box: Sandbox, user: str, callback_id: str, timeout: float = 6.0) -> dict[str, Any]:
    """The modal with `callback_id` open for `user`, once the app has filled it."""

    def found() -> dict[str, Any] | None:
        views = [v for v in box.slack_state.open_views(user) if v.get("callback_id") == callback_id]
        return views[-1] if views else None

    box.slack_state.wait_for(lambda _s: found() is not None, timeout=timeout)
    view = found()
    assert view is not None, f"no {callback_id} modal for {user}: {box.slack_state.open_views(user)!r}"
    return view
