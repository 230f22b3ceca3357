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
from support import SLACK_WAIT, settled_modal, texts
from support import command as slash_command

OWNER, ADMIN, SAM, TARA = "U0OWNER01", "U0ADMIN01", "U0STAFF01", "U0STAFF02"
GUEST = "U0GUEST01"  # in Slack, not on the team: unlinked
TEAM = "T0DEMO"
# Demo position ids: Senior Stylist, Stylist, Colorist, Receptionist.
SENIOR_STYLIST, STYLIST, COLORIST, RECEPTIONIST = 1, 2, 3, 4
WAIT = SLACK_WAIT


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


def command(box: Sandbox, user: str, text: str) -> ResponsePost:
    """`user` types `/team text`; the app's ephemeral answer through the response_url."""
    return slash_command(box, user, "/team", text)


def said(response: ResponsePost) -> str:
    return response.text + "\n" + texts(response.blocks or [])


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
