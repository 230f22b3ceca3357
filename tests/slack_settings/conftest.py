"""`/team settings` end to end: one `Sandbox` per module (the business API emulator, the Slack
stand-in and the real web app on loopback), put back to the demo business before each test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.sandbox import Sandbox
from rosterbot.store import workspace
from rosterbot.store.db import session_scope
from rosterbot.store.models import AuditEntry, WorkspaceSettings

OWNER, ADMIN, SAM, TARA = "U0OWNER01", "U0ADMIN01", "U0STAFF01", "U0STAFF02"
GUEST = "U0GUEST01"  # in Slack, not on the team: unlinked
TEAM = "T0DEMO"
# Demo position ids: Senior Stylist, Stylist, Colorist, Receptionist.
SENIOR_STYLIST, STYLIST, COLORIST, RECEPTIONIST = 1, 2, 3, 4
WAIT = 5.0


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox(timezone="Europe/Berlin")


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Sandbox:
    """The demo business as new: emulator reset, nothing recorded in the Slack stand-in, rosterbot's
    tables emptied (the `engine` fixture) and no cached roles or positions."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    _box.services.availability.forget_positions()
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


def command(box: Sandbox, user: str, text: str) -> ResponsePost:
    """`user` types `/team text`; the app's ephemeral answer through the response_url."""
    before = len(box.slack_state.responses)
    reply = box.slack.command(user, "/team", text)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=WAIT), "no answer"
    return box.slack_state.responses[before]


def said(response: ResponsePost) -> str:
    return response.text + "\n" + texts(response.blocks or [])


def settled_modal(box: Sandbox, user: str) -> dict[str, Any]:
    """The user's top modal once it no longer says Loading."""

    def settled(state: Any) -> bool:
        views = state.open_views(user)
        return bool(views) and "Loading" not in texts(views[-1]["blocks"])

    assert box.slack_state.wait_for(settled, timeout=WAIT), "no modal, or still loading"
    return box.slack_state.open_views(user)[-1]


def settings_form(box: Sandbox, user: str) -> dict[str, Any]:
    """`user` types `/team settings edit`; the modal once filled."""
    reply = box.slack.command(user, "/team", "settings edit")
    assert reply.status_code == 200
    return settled_modal(box, user)


def field(**values: Any) -> dict[str, dict[str, Any]]:
    """Form values: `timezone="Europe/Paris"`, `minimum_1="2"` (block id -> the one element)."""
    return {name: {"settings_field": value} for name, value in values.items()}


def stored(box: Sandbox) -> WorkspaceSettings | None:
    with session_scope(box.services.session_factory) as session:
        row = workspace.get(session, TEAM)
        if row is not None:
            session.expunge(row)
        return row


def audit_rows(box: Sandbox) -> list[tuple[str, str, str | None]]:
    with session_scope(box.services.session_factory) as session:
        rows = session.query(AuditEntry).filter(AuditEntry.operation == "configure").order_by(AuditEntry.id)
        return [(r.outcome, r.slack_user_id, r.actor_role) for r in rows]
