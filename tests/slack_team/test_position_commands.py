"""`/position` over signed HTTP for each role: list, show, the add and edit modals, remove with its
confirmation; what the user read and what the emulator (and rosterbot's assignments) hold."""

from __future__ import annotations

import pytest

from rosterbot.domain.permissions import NOT_LINKED_REASON
from rosterbot.emulators.demo import DEMO_POSITIONS, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.store import positions as assignments
from support import assert_in_progress, modal_after_work

from .conftest import (
    COLORIST,
    GUEST,
    MANAGERS,
    NOT_MANAGERS,
    OWNER,
    ROLES,
    SENIOR_STYLIST,
    STYLIST,
    TARA,
    click,
    command,
    ephemeral_after,
    everything_said,
    open_modal,
    position_values,
    texts,
    writes,
)


def titles(box: Sandbox) -> list[str]:
    return [p.title for p in box.api_state.positions()]


def refusal(role: str) -> str:
    return NOT_LINKED_REASON if role == "unlinked" else "Only an owner or admin can"


# ---- reads -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
def test_position_list_shows_every_position(box: Sandbox, role: str) -> None:
    said = command(box, ROLES[role], "/position", "list")
    text = texts(said.blocks)
    assert all(f"*{title}*" in text for title, _ in DEMO_POSITIONS)
    assert "Positions · 4" in text and "locations #1, #2" in text
    assert writes(box) == []


def test_a_long_position_list_is_paginated(box: Sandbox) -> None:
    for number in range(30):
        box.api_state.add_position(f"Role {number:02d}", "d" * 900, [1])
    first = command(box, OWNER, "/position", "list")
    assert "Page 1 of 2" in texts(first.blocks) and len(first.blocks or []) <= 50
    second = click(box, OWNER, first, "position_list_page_next")
    assert "Page 2 of 2" in texts(second.blocks) and second.replace_original
    shown = {w for page in (first, second) for w in texts(page.blocks).split("*") if w.startswith("Role ")}
    assert len(shown) == 30


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
def test_position_show_lists_who_has_it(box: Sandbox, role: str) -> None:
    with box.services.session_factory() as session:
        assignments.assign(session, TARA, COLORIST, assigned_by="test")
        session.commit()
    said = everything_said(command(box, ROLES[role], "/position", "show colorist"))
    assert "Colorist" in said and "Hair color and treatments" in said and "Tara Singh" in said


def test_an_unlinked_user_cannot_read_positions(box: Sandbox) -> None:
    assert command(box, GUEST, "/position", "list").text == NOT_LINKED_REASON


def test_an_ambiguous_position_offers_a_choice_that_continues(box: Sandbox) -> None:
    choice = command(box, OWNER, "/position", "show styl")
    values = [e["value"] for b in choice.blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert values == [f"show #{SENIOR_STYLIST}", f"show #{STYLIST}"]
    shown = click(box, OWNER, choice, "position_pick_1")
    assert "Cuts, styling and blow-dry" in everything_said(shown)


def test_no_matching_position_and_help(box: Sandbox) -> None:
    assert "No position matches “Barber”" in command(box, OWNER, "/position", "show Barber").text
    helped = everything_said(command(box, OWNER, "/position", "promote"))
    assert "I don't know `/position promote`" in helped and "/position remove <position>" in helped


# ---- add ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_a_manager_adds_a_position_with_the_companys_location_by_default(box: Sandbox, role: str) -> None:
    user = ROLES[role]
    view = open_modal(box, user, "/position", "add")
    assert view["callback_id"] == "position_add"
    salons = next(b for b in view["blocks"] if b["block_id"] == "salon_ids")["element"]
    assert [o["value"] for o in salons["options"]] == ["1", "2"]
    assert [o["value"] for o in salons["initial_options"]] == ["1"]

    reply = box.slack.submit_view(user, view, position_values(title="Barber", description="Beards"))

    assert_in_progress(reply)
    told = ephemeral_after(box, user)  # the work runs after the ack: wait for its answer
    created = box.api_state.positions()[-1]
    assert (created.title, created.description, created.salon_ids) == ("Barber", "Beards", [1])
    assert told.channel == TEAM_CHANNEL_ID and "Added the position *Barber*" in told.text


def test_chosen_locations_are_kept(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/position", "add")
    box.slack.submit_view(OWNER, view, position_values(title="Barber", salon_ids=["1", "2"]))
    assert "Added the position *Barber*" in texts(modal_after_work(box, OWNER))
    assert box.api_state.positions()[-1].salon_ids == [1, 2]


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ({"title": "T" * 101}, {"title"}),
        ({"title": ""}, {"title"}),
        ({"title": "Barber", "description": "d" * 1001}, {"description"}),
    ],
)
def test_bad_position_input_is_flagged_and_nothing_is_written(
    box: Sandbox, values: dict, flagged: set
) -> None:
    view = open_modal(box, OWNER, "/position", "add")
    body = box.slack.submit_view(OWNER, view, position_values(**values)).json()
    assert body["response_action"] == "errors" and set(body["errors"]) == flagged
    if values["title"]:
        assert "at most" in " ".join(body["errors"].values())
    assert writes(box) == [] and len(titles(box)) == 4


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_cannot_add_positions(box: Sandbox, role: str) -> None:
    view = open_modal(box, ROLES[role], "/position", "add")
    assert view["callback_id"] != "position_add"
    assert refusal(role) in texts(view["blocks"])
    assert writes(box) == []


# ---- edit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_a_manager_edits_a_position_in_a_prefilled_form(box: Sandbox, role: str) -> None:
    user = ROLES[role]
    view = open_modal(box, user, "/position", "edit Colorist")
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert view["callback_id"] == "position_edit" and title["element"]["initial_value"] == "Colorist"

    box.slack.submit_view(user, view, position_values(title="Color Specialist", description="Balayage"))

    assert "Saved the position *Color Specialist*" in ephemeral_after(box, user).text
    edited = box.api_state.position(COLORIST)
    assert edited is not None
    assert (edited.title, edited.description, edited.salon_ids) == ("Color Specialist", "Balayage", [1, 2])


def test_a_too_long_title_on_edit_is_flagged(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/position", "edit #3")
    body = box.slack.submit_view(OWNER, view, position_values(title="x" * 150)).json()
    assert body == {
        "response_action": "errors",
        "errors": {"title": "A title has at most 100 characters (this has 150)."},
    }
    assert writes(box) == []


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_cannot_edit_positions(box: Sandbox, role: str) -> None:
    view = open_modal(box, ROLES[role], "/position", "edit Colorist")
    assert refusal(role) in texts(view["blocks"]) and writes(box) == []


# ---- remove -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_remove_asks_then_deletes_and_takes_the_position_off_its_members(box: Sandbox, role: str) -> None:
    user = ROLES[role]
    with box.services.session_factory() as session:
        assignments.assign(session, TARA, COLORIST, assigned_by="test")
        session.commit()

    asked = command(box, user, "/position", "remove Colorist")

    assert "Delete the position *Colorist*" in everything_said(asked)
    assert "1 member has it and will have no position" in everything_said(asked)
    assert writes(box) == [] and "Colorist" in titles(box)

    done = click(box, user, asked, "position_remove_confirm")

    assert "Deleted the position *Colorist*" in done.text
    assert "Colorist" not in titles(box)
    assert writes(box) == [("DELETE", f"/api/v2/companies/1/positions/{COLORIST}")]
    with box.services.session_factory() as session:
        assert assignments.position_of(session, TARA) is None


def test_remove_can_be_cancelled(box: Sandbox) -> None:
    asked = command(box, OWNER, "/position", "remove #3")
    assert "Cancelled" in click(box, OWNER, asked, "position_remove_cancel").text
    assert writes(box) == [] and "Colorist" in titles(box)


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_cannot_remove_positions(box: Sandbox, role: str) -> None:
    said = command(box, ROLES[role], "/position", "remove Colorist")
    assert refusal(role) in said.text
    assert "position_remove_confirm" not in str(said.blocks)
    assert writes(box) == []


def test_a_confirmation_clicked_by_staff_is_refused(box: Sandbox) -> None:
    asked = command(box, OWNER, "/position", "remove Colorist")
    said = click(box, ROLES["staff"], asked, "position_remove_confirm")
    assert "Only an owner or admin can delete positions" in said.text
    assert writes(box) == [] and "Colorist" in titles(box)
