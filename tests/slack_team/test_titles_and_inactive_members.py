"""One of each: a position title names one position (trimmed, whatever its case), and an inactive
member gets no position and is marked "(inactive)" wherever members are listed."""

from __future__ import annotations

from typing import Any

from rosterbot.sandbox import Sandbox
from rosterbot.store import positions as assignments
from support import assert_in_progress, modal_after_work, refused_fields

from .conftest import (
    ADMIN,
    COLORIST,
    OWNER,
    STYLIST,
    UMAR,
    command,
    ephemeral_after,
    everything_said,
    open_modal,
    position_values,
    texts,
    writes,
)

TAKEN = "There is already a position called Colorist (#3)."


def titles(box: Sandbox) -> list[str]:
    return [p.title for p in box.api_state.positions()]


def refused_title(box: Sandbox, user: str, view: dict[str, Any], title: str) -> dict[str, Any]:
    """The form shows progress at once; the service's refusal then puts it back as typed."""
    assert_in_progress(box.slack.submit_view(user, view, position_values(title=title)))
    refilled = modal_after_work(box, user)
    assert refilled["id"] == view["id"] and refilled["callback_id"] == view["callback_id"]
    assert refused_fields(refilled) == {"title": TAKEN}  # under the title, as typed
    typed = next(b for b in refilled["blocks"] if b.get("block_id") == "title")["element"]
    assert typed["initial_value"] == title
    return refilled


def test_a_title_another_position_has_is_refused_on_create_and_edit(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/position", "add")
    refilled = refused_title(box, OWNER, view, "  cOLORIST ")
    again = refused_title(box, OWNER, refilled, "Colorist")  # sent again from the form put back
    assert [b["block_id"] for b in again["blocks"]].count("form_refusal") == 1  # one banner, not two
    box.slack.close_view(OWNER, view)  # the next form is then the top one

    view = open_modal(box, ADMIN, "/position", "edit Stylist")
    refused_title(box, ADMIN, view, "Colorist")
    assert writes(box) == [] and titles(box).count("Colorist") == 1
    assert box.api_state.position(STYLIST).title == "Stylist"  # type: ignore[union-attr]

    # A position keeps its own title, in another case if need be.
    view = open_modal(box, OWNER, "/position", "edit #3")
    reply = box.slack.submit_view(OWNER, view, position_values(title="COLORIST"))
    assert_in_progress(reply)
    assert "Saved the position *COLORIST*" in ephemeral_after(box, OWNER).text
    assert box.api_state.position(COLORIST).title == "COLORIST"  # type: ignore[union-attr]


def test_an_inactive_member_is_given_no_position(box: Sandbox) -> None:
    box.api_state.replace_member(UMAR, {"is_active": False})
    said = command(box, OWNER, "/team", "position #6 Colorist")
    assert "Umar Sato is inactive: reactivate them first (/team reactivate #6)." in said.text
    with box.services.session_factory() as session:
        assert assignments.position_of(session, UMAR) is None

    # A position given before they left can still be taken away.
    with box.services.session_factory() as session:
        assignments.assign(session, UMAR, COLORIST, assigned_by="test")
        session.commit()
    assert "has no position now" in command(box, OWNER, "/team", "position #6 none").text


def test_inactive_members_are_marked_where_members_are_listed(box: Sandbox) -> None:
    with box.services.session_factory() as session:
        assignments.assign(session, UMAR, COLORIST, assigned_by="test")
        session.commit()
    box.api_state.replace_member(UMAR, {"is_active": False})

    everyone = texts(command(box, ADMIN, "/team", "list all").blocks)
    assert "*Umar Sato* `#6` _(inactive)_" in everyone and "*Tara Singh* `#5` —" in everyone
    colorists = everything_said(command(box, ADMIN, "/position", "show Colorist"))
    assert "Umar Sato `#6` _(inactive)_" in colorists
