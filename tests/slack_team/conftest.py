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

WAIT = 5.0


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


def texts(blocks: Any) -> str:
    """Every `text` in a block tree, one per line: what the user reads."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def command(box: Sandbox, user: str, name: str, text: str = "") -> ResponsePost:
    """`user` types `name text`; the app's ephemeral answer through the response_url."""
    before = len(box.slack_state.responses)
    reply = box.slack.command(user, name, text)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=WAIT), "no answer"
    return box.slack_state.responses[before]


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


def settled_modal(box: Sandbox, user: str) -> dict[str, Any]:
    def settled(state: Any) -> bool:
        views = state.open_views(user)
        return bool(views) and "Loading" not in texts(views[-1]["blocks"])

    assert box.slack_state.wait_for(settled, timeout=WAIT), "no modal, or still loading"
    return box.slack_state.open_views(user)[-1]


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
