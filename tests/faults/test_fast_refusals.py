"""A listener that acks and then raises at once (a refusal decided in a millisecond) still answers
Slack 200 at once, and the user reads why.

With Bolt's default (`process_before_response=False`) slack_bolt 1.30 resets `ack.response` to
None when a listener raises after acking, and when that beat its 10 ms poll Slack got a 404 after
3 s. Listeners now answer on the HTTP thread (`rosterbot.slack.work`); this keeps that fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from slack_bolt import Ack, App

from rosterbot.domain.roles import Role
from rosterbot.emulators.serving import serve_in_thread
from rosterbot.emulators.slack_api import SlackWorkspace
from rosterbot.sandbox import Sandbox
from rosterbot.services.errors import NotLinked, PermissionDenied
from rosterbot.slack.app import build_app
from rosterbot.slack.web import create_web_app

from .conftest import GUEST, STAFF, ErrorLog, answered, assert_plain, command, wait_said

ROUNDS = 12


@pytest.fixture
def refusing(box: Sandbox) -> Iterator[SlackWorkspace]:
    """The real middleware and error handler, with `/refuse` that acks and raises at once."""
    bolt: App = build_app(box.settings, box.services, features=())

    @bolt.command("/refuse")
    def refuse(ack: Ack, command: dict[str, str]) -> None:
        ack()
        if command["text"] == "role":
            raise PermissionDenied(Role.ADMIN, "Only an owner or an admin can change the team.")
        raise NotLinked()

    server = serve_in_thread(create_web_app(box.settings, box.services, bolt_app=bolt))
    assert box.settings.slack_signing_secret is not None
    slack = SlackWorkspace(server.url, box.settings.slack_signing_secret.get_secret_value(), box.slack_state)
    yield slack
    slack.close()
    server.stop()


def test_an_immediate_refusal_after_ack_answers_200_at_once_every_time(
    box: Sandbox, refusing: SlackWorkspace, error_log: ErrorLog
) -> None:
    for round_number in range(ROUNDS):
        text = "role" if round_number % 2 else ""
        answered(partial(refusing.command, STAFF, "/refuse", text))
    box.slack_state.wait_for(lambda s: len(s.responses) >= ROUNDS, timeout=5)
    texts = [post.text for post in box.slack_state.responses]
    assert len(texts) == ROUNDS  # each told once
    assert sum("change the team" in t for t in texts) == ROUNDS // 2
    for text in texts:
        assert_plain(box, text)
    assert error_log.tracebacks() == []


def test_an_unlinked_user_is_answered_at_once_and_told_how_to_get_linked(
    box: Sandbox, error_log: ErrorLog
) -> None:
    for _ in range(4):
        box.slack_state.clear()
        command(box, GUEST, "/team", "list")
        assert_plain(box, wait_said(box, GUEST, "link"))
    assert box.api_state.writes() == []
    assert error_log.tracebacks() == []
