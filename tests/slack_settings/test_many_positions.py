"""`/team settings` with 300 and with 1,200 positions: the settings count every position (those
that do not fit in a message are counted and pointed at), and the form lets an admin choose any
position by searching (an external select, answered from the app) and set its minimum.

The positions are made once per size, through the business API (the emulator over HTTP, with the
client the bot uses)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete

from rosterbot.api.models import PositionInput
from rosterbot.emulators.slack_api.workspace import suggested_options
from rosterbot.sandbox import Sandbox
from rosterbot.store.db import session_scope
from rosterbot.store.models import WorkspaceSettings
from support import assert_in_progress

from .conftest import ADMIN, TARA, WAIT, command, said, settings_form, stored, texts

# Long titles, so that 1,200 of them need more sections than a message holds.
FILLER = (" · cutting, colour and styling at the big salon" * 2)[:87]  # titles of 100, the most
LISTED = re.compile(r"^• ", re.MULTILINE)
MORE = re.compile(r"…and ([\d,]+) more positions with no minimum: see `/position list`")


@pytest.fixture(scope="module", params=[300, 1200], ids=["300", "1200"])
def crowd(
    request: pytest.FixtureRequest, _box: Sandbox, module_engine: Engine
) -> Iterator[tuple[Sandbox, int]]:
    """The demo business grown to `param` positions, no settings stored."""
    count: int = request.param
    _box.api_state.reset()
    _box.services.identity.forget()
    _box.services.positions.forget()
    api = _box.services.api
    for n in range(count - len(api.list_positions())):
        api.create_position(PositionInput(title=f"Position {n:04d}{FILLER}", salon_ids=[1]))
    assert len(api.list_positions()) == count
    yield _box, count
    with session_scope(_box.services.session_factory) as session:
        session.execute(delete(WorkspaceSettings))


@pytest.fixture
def box(crowd: tuple[Sandbox, int]) -> Sandbox:
    crowd[0].slack_state.clear()
    return crowd[0]


def position_id(box: Sandbox, title_start: str) -> int:
    return next(p.id for p in box.api_state.positions() if p.title.startswith(title_start))


def test_the_settings_count_every_position_and_say_where_the_rest_are(crowd: tuple[Sandbox, int]) -> None:
    box, count = crowd
    box.slack_state.clear()
    answer = command(box, TARA, "settings")
    shown = said(answer)
    assert f"*Minimum available per position* · {count:,} positions" in shown
    assert len(answer.blocks or []) <= 50
    listed = len(LISTED.findall(texts(answer.blocks or [])))
    more = MORE.search(shown)
    rest = int(more.group(1).replace(",", "")) if more else 0
    assert listed + rest == count
    assert (more is not None) == (count == 1200)  # 300 fit in one message; 1,200 of these do not


def suggest(box: Sandbox, typed: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    reply = box.slack.suggest(ADMIN, "settings_edit", "settings_position", typed)
    return suggested_options(reply), reply.json()


def test_the_form_finds_any_position_and_sets_its_minimum(crowd: tuple[Sandbox, int]) -> None:
    box, count = crowd
    box.slack_state.clear()
    form = settings_form(box, ADMIN)
    inputs = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert inputs["coverage_position"]["type"] == "external_select"
    assert not [k for k in inputs if re.fullmatch(r"minimum_\d+", k)]  # no 40 of them, the rest left out
    assert f"{count:,} positions" in texts(form["blocks"])

    # Nothing typed yet: the first 100, and a label that counts them all.
    first, answer = suggest(box, "")
    assert len(first) == 100
    assert answer["option_groups"][0]["label"]["text"] == f"100 of {count:,} · type more to narrow"

    # The last position made, found by typing part of its title; a keystroke needs no API call
    # (a select waits 3 seconds for its options; listing 1,200 positions takes 12 calls).
    last = f"Position {count - 5:04d}"
    wanted = position_id(box, last)
    box.api_state.clear_requests()
    found, answer = suggest(box, last.lower())
    assert [o["value"] for o in found] == [str(wanted)] and "options" in answer
    assert not [r for r in box.api_state.requests if r.path.endswith("/positions")]

    chosen = {
        "coverage_position": {"settings_position": {"selected_option": found[0]}},
        "coverage_minimum": {"settings_field": "2"},
    }
    reply = box.slack.submit_view(ADMIN, "settings_edit", {"timezone": {"settings_field": "UTC"}, **chosen})
    assert_in_progress(reply)
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=ADMIN)), timeout=WAIT)
    told = box.slack_state.ephemerals(user=ADMIN)[-1]
    assert f"Minimum {last}" in told.text
    row = stored(box)
    assert row is not None and row.coverage_minimums == {str(wanted): 2}
    assert f"{last}{FILLER}: 2" in said(command(box, TARA, "settings"))


def test_a_minimum_without_its_position_is_answered_in_the_form(crowd: tuple[Sandbox, int]) -> None:
    box, _count = crowd
    box.slack_state.clear()
    before = stored(box)
    settings_form(box, ADMIN)
    values = {"timezone": {"settings_field": "UTC"}, "coverage_minimum": {"settings_field": "3"}}
    answer = box.slack.submit_view(ADMIN, "settings_edit", values).json()
    assert answer == {
        "response_action": "errors",
        "errors": {"coverage_position": "Choose the position this minimum is for."},
    }
    after = stored(box)
    assert (after.coverage_minimums if after else None) == (before.coverage_minimums if before else None)
