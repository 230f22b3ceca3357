"""`/team` commands over signed HTTP for each role: what the user read, and what the business API
emulator (or rosterbot's store, for positions and links) holds afterwards."""

from __future__ import annotations

import pytest

from rosterbot.domain.permissions import NOT_LINKED_REASON
from rosterbot.emulators.demo import DEMO_TEAM, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.slack.blocks import MAX_MESSAGE_BLOCKS, MAX_SECTION_CHARS
from rosterbot.store import links
from rosterbot.store import positions as assignments

from .conftest import (
    ADMIN,
    GUEST,
    MANAGERS,
    NOT_MANAGERS,
    OLIVIA,
    OWNER,
    ROLES,
    SAM,
    SENIOR_STYLIST,
    STAFF,
    STYLIST,
    TARA,
    UMAR,
    click,
    command,
    everything_said,
    texts,
    writes,
)

ADMIN_NEEDED = "Only an owner or admin can"


def assert_denied(box: Sandbox, said: str, role: str, needed: str = ADMIN_NEEDED) -> None:
    """Nothing written to the business API, and the user was told which role it takes."""
    assert writes(box) == []
    if role == "unlinked":
        assert NOT_LINKED_REASON in said
    else:
        assert needed in said


def position_of(box: Sandbox, member_id: int) -> int | None:
    with box.services.session_factory() as session:
        return assignments.position_of(session, member_id)


# ---- reads -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
def test_team_list_shows_active_members_grouped_by_role_with_positions(box: Sandbox, role: str) -> None:
    with box.services.session_factory() as session:
        assignments.assign(session, TARA, SENIOR_STYLIST, assigned_by="test")
        session.commit()
    box.api_state.replace_member(UMAR, {"is_active": False})

    said = command(box, ROLES[role], "/team", "list")

    assert said.response_type == "ephemeral"
    text = texts(said.blocks)
    assert text.index("*Owners*") < text.index("*Admins*") < text.index("*Staff*")
    assert "*Tara Singh* `#5` — Senior Stylist" in text
    assert "Umar Sato" not in text  # inactive
    assert "8 members" in said.text
    assert writes(box) == []


def test_team_list_reads_the_positions_once_whatever_their_number(box: Sandbox) -> None:
    command(box, ROLES["owner"], "/team", "list")  # the actor is resolved and cached
    box.api_state.clear_requests()

    command(box, ROLES["owner"], "/team", "list")

    paths = [r.path for r in box.api_state.requests if r.method == "GET"]
    assert sum("/positions" in path for path in paths) == 1, paths
    assert len(paths) <= 2, paths  # the team and the positions


def test_team_list_all_and_inactive(box: Sandbox) -> None:
    box.api_state.replace_member(UMAR, {"is_active": False})
    everyone = texts(command(box, STAFF, "/team", "list all").blocks)
    inactive = texts(command(box, STAFF, "/team", "list inactive").blocks)
    assert all(person.first_name in everyone for person in DEMO_TEAM)
    assert "*Umar Sato* `#6` _(inactive)_" in everyone
    assert "Umar Sato" in inactive and "Tara" not in inactive


def test_a_long_team_list_is_paginated_within_block_kit_limits(box: Sandbox) -> None:
    for number in range(60):
        box.api_state.add_member("staff", f"Extra{number:02d}", "Person" + "x" * 80, f"e{number}@x.example")
    seen: set[str] = set()

    first = command(box, OWNER, "/team", "list")
    pages = [first]
    while "team_list_page_next" in str(pages[-1].blocks):
        pages.append(click(box, OWNER, pages[-1], "team_list_page_next"))
        assert pages[-1].replace_original
    for page in pages:
        blocks = page.blocks or []
        assert len(blocks) <= MAX_MESSAGE_BLOCKS
        assert all(len(b.get("text", {}).get("text", "")) <= MAX_SECTION_CHARS for b in blocks)
        seen.update(word for word in texts(blocks).split() if word.startswith("*Extra"))
    assert len(pages) == 3  # 69 members, 25 a page
    assert len(seen) == 60
    assert "Page 3 of 3" in texts(pages[-1].blocks)
    back = click(box, OWNER, pages[-1], "team_list_page_prev")
    assert "Page 2 of 3" in texts(back.blocks)


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
@pytest.mark.parametrize(
    "reference", ["Sam Stone", "sam@demo-salon.example", "#4", "4", "<@U0STAFF01|sam>", "stone"]
)
def test_team_show_finds_a_member_by_any_reference(box: Sandbox, role: str, reference: str) -> None:
    said = everything_said(command(box, ROLES[role], "/team", f"show {reference}"))
    assert "Sam Stone" in said and "sam@demo-salon.example" in said and "+15550100004" in said
    assert writes(box) == []


def test_reads_refuse_an_unlinked_user_and_say_how_to_get_linked(box: Sandbox) -> None:
    for text in ("list", "show Sam"):
        said = command(box, GUEST, "/team", text)
        assert said.text == NOT_LINKED_REASON
    assert writes(box) == []


def test_no_match_is_said_plainly(box: Sandbox) -> None:
    said = command(box, OWNER, "/team", "show Nobody Here")
    assert "No team member matches “Nobody Here”" in said.text
    mention = command(box, OWNER, "/team", "show <@U0GUEST01|gus>")
    assert "<@U0GUEST01> is not linked to a team member" in mention.text


@pytest.mark.parametrize("text", ["", "frobnicate", "help"])
def test_help_and_unknown_subcommands_show_help(box: Sandbox, text: str) -> None:
    said = everything_said(command(box, STAFF, "/team", text))
    assert "/team list [all|inactive]" in said and "/team link @user <member>" in said
    if text == "frobnicate":
        assert "I don't know `/team frobnicate`" in said


def test_help_works_for_an_unlinked_user(box: Sandbox) -> None:
    assert "/team whoami" in everything_said(command(box, GUEST, "/team", "help"))


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
def test_whoami_says_who_and_what_the_role_may_do(box: Sandbox, role: str) -> None:
    said = everything_said(command(box, ROLES[role], "/team", "whoami"))
    person = next(p for p in DEMO_TEAM if p.slack_user_id == ROLES[role])
    assert f"*{person.first_name} {person.last_name}*" in said
    assert f"*{role}*" in said
    assert "Request time off" in said
    assert ("Add team members" in said) is (role != "staff")
    assert ("Add an owner" in said) is (role == "owner")


def test_whoami_for_an_unlinked_user_says_how_to_get_linked(box: Sandbox) -> None:
    said = everything_said(command(box, GUEST, "/team", "whoami"))
    assert NOT_LINKED_REASON in said and "<@U0GUEST01>" in said


# ---- deactivate, reactivate ---------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_a_manager_deactivates_and_reactivates_a_member(box: Sandbox, role: str) -> None:
    said = command(box, ROLES[role], "/team", "deactivate Sam Stone")
    assert "Deactivated *Sam Stone*" in said.text
    assert box.api_state.member(SAM).is_active is False  # type: ignore[union-attr]
    said = command(box, ROLES[role], "/team", "reactivate #4")
    assert "Reactivated *Sam Stone*" in said.text
    assert box.api_state.member(SAM).is_active is True  # type: ignore[union-attr]
    assert [method for method, _ in writes(box)] == ["PUT", "PUT"]


@pytest.mark.parametrize("role", NOT_MANAGERS)
@pytest.mark.parametrize("subcommand", ["deactivate", "reactivate"])
def test_staff_and_unlinked_cannot_deactivate_or_reactivate(box: Sandbox, role: str, subcommand: str) -> None:
    if subcommand == "reactivate":
        box.api_state.replace_member(TARA, {"is_active": False})
    said = command(box, ROLES[role], "/team", f"{subcommand} Tara")
    assert_denied(box, said.text, role)
    assert box.api_state.member(TARA).is_active is (subcommand == "deactivate")  # type: ignore[union-attr]


def test_an_admin_cannot_deactivate_an_owner(box: Sandbox) -> None:
    said = command(box, ADMIN, "/team", "deactivate Olivia")
    assert_denied(box, said.text, "admin", needed="Only an owner can deactivate an owner")
    assert box.api_state.member(OLIVIA).is_active is True  # type: ignore[union-attr]


def test_the_last_owner_cannot_be_deactivated(box: Sandbox) -> None:
    said = command(box, OWNER, "/team", "deactivate Olivia Owens")
    assert "last active owner" in said.text
    assert writes(box) == []


# ---- ambiguous names ----------------------------------------------------------------------------


def test_an_ambiguous_name_offers_one_button_per_match_that_continues_the_operation(box: Sandbox) -> None:
    other = box.api_state.add_member("staff", "Sam", "Rivers", "rivers@x.example")
    box.api_state.clear_requests()

    choice = command(box, ADMIN, "/team", "deactivate Sam")

    assert "2 members match “Sam”" in choice.text
    buttons = [e for b in choice.blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("team_pick_0", f"deactivate #{other.id}"),  # Sam Rivers sorts before Sam Stone
        ("team_pick_1", f"deactivate #{SAM}"),
    ]
    assert "Sam Stone · staff · #4" in texts(choice.blocks)
    assert writes(box) == []  # nothing done before the choice

    done = click(box, ADMIN, choice, "team_pick_1")
    assert done.replace_original and "Deactivated *Sam Stone*" in done.text
    assert box.api_state.member(SAM).is_active is False  # type: ignore[union-attr]
    assert box.api_state.member(other.id).is_active is True  # type: ignore[union-attr]


def test_a_choice_is_checked_again_when_clicked_by_someone_who_may_not(box: Sandbox) -> None:
    box.api_state.add_member("staff", "Sam", "Rivers", "rivers@x.example")
    choice = command(box, ADMIN, "/team", "remove Sam")
    box.api_state.clear_requests()
    said = click(box, STAFF, choice, "team_pick_1")  # the value is only command text: checks run again
    assert_denied(box, said.text, "staff")


# ---- remove ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_remove_asks_first_and_deletes_only_on_the_confirming_click(box: Sandbox, role: str) -> None:
    asked = command(box, ROLES[role], "/team", "remove Sam Stone")

    said = everything_said(asked)
    assert "Remove *Sam Stone*" in said
    assert "scheduled bookings" in said and "appointments may be affected" in said
    buttons = {e["action_id"]: e for b in asked.blocks or [] if b["type"] == "actions" for e in b["elements"]}
    assert set(buttons) == {"team_remove_confirm", "team_remove_deactivate", "team_remove_cancel"}
    assert buttons["team_remove_deactivate"]["text"]["text"] == "Deactivate instead"
    assert writes(box) == [] and box.api_state.member(SAM) is not None

    done = click(box, ROLES[role], asked, "team_remove_confirm")

    assert done.replace_original and "Removed *Sam Stone*" in done.text
    assert box.api_state.member(SAM) is None
    assert writes(box) == [("DELETE", f"/api/v1/merchant/team/{SAM}")]


def test_remove_can_deactivate_instead_or_be_cancelled(box: Sandbox) -> None:
    asked = command(box, OWNER, "/team", "remove Sam")
    cancelled = click(box, OWNER, asked, "team_remove_cancel")
    assert "nobody was removed" in cancelled.text and writes(box) == []

    asked = command(box, OWNER, "/team", "remove Sam")
    instead = click(box, OWNER, asked, "team_remove_deactivate")
    assert "Deactivated *Sam Stone*" in instead.text
    member = box.api_state.member(SAM)
    assert member is not None and member.is_active is False
    assert [m for m, _ in writes(box)] == ["PUT"]


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_are_refused_remove_before_any_confirmation(box: Sandbox, role: str) -> None:
    said = command(box, ROLES[role], "/team", "remove Tara")
    assert_denied(box, said.text, role)
    assert "team_remove_confirm" not in str(said.blocks)


def test_an_admin_is_refused_removing_an_owner(box: Sandbox) -> None:
    said = command(box, ADMIN, "/team", "remove Olivia")
    assert_denied(box, said.text, "admin", needed="Only an owner can remove an owner")
    assert "team_remove_confirm" not in str(said.blocks)


# ---- position ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
@pytest.mark.parametrize(
    ("text", "member", "position"),
    [
        ("Tara Singh Senior Stylist", TARA, SENIOR_STYLIST),
        ('"Sam Stone" Stylist', SAM, STYLIST),
        ("<@U0STAFF01|sam> #2", SAM, STYLIST),
        ("tara@demo-salon.example senior stylist", TARA, SENIOR_STYLIST),
    ],
)
def test_a_manager_gives_a_member_a_position(
    box: Sandbox, role: str, text: str, member: int, position: int
) -> None:
    said = command(box, ROLES[role], "/team", f"position {text}")
    assert " is now *" in said.text
    assert position_of(box, member) == position
    assert writes(box) == []  # positions are rosterbot's: the v1 team API has no such field


def test_position_none_takes_it_away_and_an_unknown_position_is_said(box: Sandbox) -> None:
    command(box, OWNER, "/team", "position Tara Colorist")
    assert position_of(box, TARA) is not None
    said = command(box, OWNER, "/team", "position Tara none")
    assert "has no position now" in said.text and position_of(box, TARA) is None
    unknown = command(box, OWNER, "/team", "position Tara Sing Barber")
    assert "No position matches “Barber”" in unknown.text


def test_an_ambiguous_position_offers_a_choice(box: Sandbox) -> None:
    choice = command(box, OWNER, "/team", "position Tara styl")  # Senior Stylist and Stylist
    buttons = [e["value"] for b in choice.blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [f"position #{TARA} #{SENIOR_STYLIST}", f"position #{TARA} #{STYLIST}"]
    done = click(box, OWNER, choice, "team_pick_1")
    assert "is now *Stylist*" in done.text and position_of(box, TARA) == STYLIST


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_cannot_give_positions(box: Sandbox, role: str) -> None:
    said = command(box, ROLES[role], "/team", "position Tara Colorist")
    assert_denied(box, said.text, role)
    assert position_of(box, TARA) is None


# ---- link ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_a_manager_links_a_slack_user_to_a_member(box: Sandbox, role: str) -> None:
    said = command(box, ROLES[role], "/team", "link <@U0GUEST01|gus> Tara Singh")
    assert "Linked <@U0GUEST01> to *Tara Singh*" in said.text
    with box.services.session_factory() as session:
        link = links.get_link(session, box.slack.team_id, GUEST)
        assert link is not None and link.member_id == TARA
    assert "*Tara Singh*" in everything_said(command(box, GUEST, "/team", "whoami"))
    assert writes(box) == []


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_cannot_link(box: Sandbox, role: str) -> None:
    said = command(box, ROLES[role], "/team", "link <@U0GUEST01|gus> Tara")
    assert_denied(box, said.text, role)
    with box.services.session_factory() as session:
        assert links.get_link(session, box.slack.team_id, GUEST) is None


def test_an_admin_cannot_link_someone_to_the_owner(box: Sandbox) -> None:
    said = command(box, ADMIN, "/team", "link <@U0GUEST01|gus> Olivia")
    assert "Only an owner can link a Slack user to an owner" in said.text
    with box.services.session_factory() as session:
        assert links.get_link(session, box.slack.team_id, GUEST) is None


def test_link_without_a_mention_explains_itself(box: Sandbox) -> None:
    said = command(box, OWNER, "/team", "link Tara")
    assert "/team link @user <member>" in said.text


def test_answers_stay_ephemeral_and_nothing_is_posted_to_the_channel(box: Sandbox) -> None:
    command(box, OWNER, "/team", "list")
    command(box, OWNER, "/team", "deactivate Sam")
    assert all(r.response_type == "ephemeral" for r in box.slack_state.responses)
    assert box.slack_state.messages(TEAM_CHANNEL_ID) == []
