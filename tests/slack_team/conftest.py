"""`/team` and `/position` end to end: one `Sandbox` per module (the business API emulator, the
Slack stand-in and the real web app on loopback), put back to the demo business before each test.

Helpers send what a user does (signed, through `SlackWorkspace`) and wait for what the app sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.state import EphemeralPost, ResponsePost
from rosterbot.sandbox import Sandbox
from support import SLACK_WAIT, settled_modal, texts
from support import command as command  # re-exported for the tests

OWNER = "U0OWNER01"
ADMIN = "U0ADMIN01"
STAFF = "U0STAFF01"
GUEST = "U0GUEST01"  # in Slack, not on the team: unlinked
ROLES = {"owner": OWNER, "admin": ADMIN, "staff": STAFF, "unlinked": GUEST}
MANAGERS = ("owner", "admin")
NOT_MANAGERS = ("staff", "unlinked")

# Demo member ids (emulators/demo.py order, ids from 1 after each reset).
OLIVIA, AARON, BEATRIZ, SAM, TARA, UMAR = 1, 2, 3, 4, 5, 6
# Demo position ids: Senior Stylist, Stylist, Colorist, Receptionist.
SENIOR_STYLIST, STYLIST, COLORIST, RECEPTIONIST = 1, 2, 3, 4

WAIT = SLACK_WAIT


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox()


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Sandbox:
    """The sandbox with the demo business as new: emulator reset, nothing recorded in the Slack
    stand-in, rosterbot's tables emptied (the `engine` fixture) and no cached roles."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    return _box


def everything_said(response: ResponsePost) -> str:
    return response.text + "\n" + texts(response.blocks or [])


def click(box: Sandbox, user: str, response: ResponsePost, action_id: str) -> ResponsePost:
    """`user` clicks `action_id` in the ephemeral message `response`; the app's answer."""
    before = len(box.slack_state.responses)
    message = {"ts": box.slack_state.next_ts(), "blocks": response.blocks or []}
    reply = box.slack.click(user, action_id, message=message, channel=TEAM_CHANNEL_ID)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=WAIT), "no answer"
    return box.slack_state.responses[before]


def open_modal(box: Sandbox, user: str, name: str, text: str) -> dict[str, Any]:
    """`user` types a command that opens a modal; the modal once it is no longer loading."""
    reply = box.slack.command(user, name, text)
    assert reply.status_code == 200
    return settled_modal(box, user)


def ephemeral_after(box: Sandbox, user: str, count: int = 0) -> EphemeralPost:
    """The (count+1)-th ephemeral message to `user` (the confirmation of a submitted form)."""
    assert box.slack_state.wait_for(lambda s: len(s.ephemerals(user=user)) > count, timeout=WAIT)
    return box.slack_state.ephemerals(user=user)[count]


def member_values(**fields: Any) -> dict[str, dict[str, Any]]:
    """Form values for the member modal: `first_name="Ann"`, `role="staff"`, `is_active=["active"]`."""
    return {name: {"team_field": value} for name, value in fields.items()}


def position_values(**fields: Any) -> dict[str, dict[str, Any]]:
    return {name: {"position_field": value} for name, value in fields.items()}


def writes(box: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in box.api_state.writes()]
