"""The add and edit member modals: opened at once (loading view, then filled), only grantable roles
offered, bad input flagged inline under its block with nothing written, good input saved in the
emulator and confirmed to the user in the channel the command came from."""

from __future__ import annotations

import threading

import httpx
import pytest
from slack_sdk import WebClient

from rosterbot.domain.permissions import NOT_LINKED_REASON
from rosterbot.domain.roles import Actor, Role
from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.services.errors import PermissionDenied
from rosterbot.slack.metadata import FormMetadata, Sealer, key_of
from rosterbot.slack.team import open_add_member_modal
from support import assert_in_progress, modal_after_work

from .conftest import (
    AARON,
    ADMIN,
    MANAGERS,
    NOT_MANAGERS,
    OLIVIA,
    OWNER,
    ROLES,
    SAM,
    STAFF,
    ephemeral_after,
    member_values,
    open_modal,
    texts,
    writes,
)

GOOD = {"first_name": "Nina", "last_name": "Novak", "role": "staff", "email": "nina@demo-salon.example"}


def role_options(view: dict) -> list[str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == "role")
    return [option["value"] for option in block["element"]["options"]]


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def members_named(box: Sandbox, first_name: str) -> list:
    return [m for m in box.api_state.members() if m.first_name == first_name]


# ---- add ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "offered"), [("owner", ["owner", "admin", "staff"]), ("admin", ["admin", "staff"])]
)
def test_the_add_form_offers_only_the_roles_the_actor_may_grant(
    box: Sandbox, role: str, offered: list[str]
) -> None:
    view = open_modal(box, ROLES[role], "/team", "add")
    assert view["callback_id"] == "team_add_member"
    assert role_options(view) == offered
    # Opened at once with a loading view, then filled in place (views.update of the same view).
    opened = box.slack_state.calls_to("views.open")
    assert len(opened) == 1 and "Loading" in texts(opened[0].args["view"]["blocks"])
    assert [c.args["view_id"] for c in box.slack_state.calls_to("views.update")] == [view["id"]]


@pytest.mark.parametrize("role", MANAGERS)
def test_a_manager_adds_a_member_and_is_told_in_the_channel(box: Sandbox, role: str) -> None:
    user = ROLES[role]
    view = open_modal(box, user, "/team", "add")

    reply = box.slack.submit_view(user, view, member_values(**GOOD, phone_number="+44 20 7946 0958"))

    assert_in_progress(reply)  # "Saving…" at once; the work runs after the ack
    told = ephemeral_after(box, user)  # wait for its answer
    (added,) = members_named(box, "Nina")
    assert (added.last_name, added.role, added.email, added.phone_number, added.is_active) == (
        "Novak",
        "staff",
        "nina@demo-salon.example",
        "+442079460958",
        True,
    )
    assert told.channel == TEAM_CHANNEL_ID
    assert f"Added *Nina Novak* (`#{added.id}`) to the team as staff" in told.text
    outcome = modal_after_work(box, user)  # the modal says it too
    assert outcome["id"] == view["id"] and not outcome.get("submit")
    assert "Added *Nina Novak*" in texts(outcome)


def test_an_owner_may_add_an_owner(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/team", "add")
    box.slack.submit_view(OWNER, view, member_values(**{**GOOD, "role": "owner"}))
    ephemeral_after(box, OWNER)
    assert [m.role for m in members_named(box, "Nina")] == ["owner"]


def test_an_admin_who_forges_the_owner_role_is_refused_and_nothing_is_written(box: Sandbox) -> None:
    view = open_modal(box, ADMIN, "/team", "add")
    box.slack.submit_view(ADMIN, view, member_values(**{**GOOD, "role": "owner"}))
    refilled = modal_after_work(box, ADMIN)  # the form back, as typed, saying why
    assert refilled["callback_id"] == "team_add_member"
    assert "Only an owner can add an owner" in texts(refilled)
    assert block(refilled, "first_name")["element"]["initial_value"] == "Nina"
    assert writes(box) == [] and members_named(box, "Nina") == []


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_get_a_refusal_instead_of_the_form(box: Sandbox, role: str) -> None:
    view = open_modal(box, ROLES[role], "/team", "add")
    said = texts(view["blocks"])
    assert view["callback_id"] != "team_add_member" and not view.get("submit")
    assert (
        NOT_LINKED_REASON if role == "unlinked" else "Only an owner or admin can add team members"
    ) in said
    assert writes(box) == []


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ({**GOOD, "email": "nina-at-example"}, {"email"}),
        ({**GOOD, "phone_number": "555-0100"}, {"phone_number"}),
        ({**GOOD, "phone_number": "+0123"}, {"phone_number"}),
        ({**GOOD, "first_name": "   "}, {"first_name"}),
        (
            {"last_name": "Novak", "email": "bad@", "phone_number": "12"},
            {"first_name", "role", "email", "phone_number"},
        ),
    ],
)
def test_bad_input_is_flagged_under_its_input_and_nothing_is_written(
    box: Sandbox, values: dict, flagged: set[str]
) -> None:
    view = open_modal(box, OWNER, "/team", "add")

    reply = box.slack.submit_view(OWNER, view, member_values(**values))

    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == flagged
    assert [v["id"] for v in box.slack_state.open_views(OWNER)] == [view["id"]]  # still open
    assert writes(box) == [] and members_named(box, "Nina") == []
    # Corrected, the same form goes through.
    fixed = box.slack.submit_view(OWNER, view, member_values(**GOOD))
    assert_in_progress(fixed)
    ephemeral_after(box, OWNER)
    assert len(members_named(box, "Nina")) == 1


def test_a_double_submitted_add_form_creates_one_member(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/team", "add")
    replies: list[httpx.Response] = []

    def submit() -> None:
        replies.append(box.slack.submit_view(OWNER, view, member_values(**GOOD)))

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in replies] == [200, 200, 200]
    ephemeral_after(box, OWNER)
    assert box.slack_state.wait_for(lambda s: len(members_named(box, "Nina")) >= 1)
    assert len(members_named(box, "Nina")) == 1
    assert [m for m, p in writes(box) if p.endswith("/team")] == ["POST"]


def test_a_role_lost_between_opening_and_saving_is_refused_with_the_fresh_role(box: Sandbox) -> None:
    view = open_modal(box, ADMIN, "/team", "add")
    box.api_state.set_member_role(AARON, "staff")
    box.api_state.clear_requests()

    box.slack.submit_view(ADMIN, view, member_values(**GOOD))

    refilled = modal_after_work(box, ADMIN)
    assert refilled["callback_id"] == "team_add_member"
    assert "Only an owner or admin can add team members" in texts(refilled)
    assert writes(box) == [] and members_named(box, "Nina") == []


def test_open_add_member_modal_opens_the_form_at_once_or_refuses(box: Sandbox) -> None:
    """The App Home's "Add member" opens the same form with its own trigger."""
    token = box.settings.slack_bot_token
    assert token is not None
    client = WebClient(token=token.get_secret_value(), base_url=box.settings.slack_api_url)
    admin = Actor(box.slack.team_id, ADMIN, AARON, Role.ADMIN, "Aaron Adams")
    metadata = Sealer(key_of(box.settings), box.slack.team_id, ADMIN).seal(FormMetadata())
    view_id = open_add_member_modal(
        client, box.slack_state.issue_trigger_id(ADMIN), admin, box.services, metadata=metadata
    )
    view = box.slack_state.view(view_id)
    assert view is not None and view["callback_id"] == "team_add_member"
    assert role_options(view) == ["admin", "staff"]

    staff = Actor(box.slack.team_id, STAFF, SAM, Role.STAFF, "Sam Stone")
    with pytest.raises(PermissionDenied) as refused:
        open_add_member_modal(
            client, box.slack_state.issue_trigger_id(STAFF), staff, box.services, metadata=metadata
        )
    assert refused.value.required_role is Role.ADMIN
    assert box.slack_state.open_views(STAFF) == []


# ---- edit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_a_manager_edits_a_member_in_a_prefilled_form(box: Sandbox, role: str) -> None:
    user = ROLES[role]
    view = open_modal(box, user, "/team", "edit Sam Stone")

    assert view["callback_id"] == "team_edit_member"
    assert block(view, "first_name")["element"]["initial_value"] == "Sam"
    assert block(view, "email")["element"]["initial_value"] == "sam@demo-salon.example"
    assert block(view, "phone_number")["element"]["initial_value"] == "+15550100004"
    assert block(view, "role")["element"]["initial_option"]["value"] == "staff"
    assert [o["value"] for o in block(view, "is_active")["element"]["initial_options"]] == ["active"]
    assert role_options(view) == (["owner", "admin", "staff"] if role == "owner" else ["admin", "staff"])

    values = member_values(
        first_name="Samuel",
        last_name="Stone",
        role="admin",
        email="samuel@demo-salon.example",
        phone_number="+15550100444",
        is_active=[],
    )
    reply = box.slack.submit_view(user, view, values)

    assert_in_progress(reply)
    assert "Saved *Samuel Stone*" in ephemeral_after(box, user).text
    member = box.api_state.member(SAM)
    assert member is not None
    assert (member.first_name, member.role, member.email, member.phone_number, member.is_active) == (
        "Samuel",
        "admin",
        "samuel@demo-salon.example",
        "+15550100444",
        False,
    )


def test_bad_input_in_the_edit_form_is_flagged_and_nothing_is_written(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/team", "edit #4")
    values = member_values(first_name="Sam", last_name="", role="staff", email="sam@", phone_number="phone")
    body = box.slack.submit_view(OWNER, view, values).json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"last_name", "email", "phone_number"}
    assert writes(box) == []
    assert box.api_state.member(SAM).last_name == "Stone"  # type: ignore[union-attr]


def test_an_admin_cannot_edit_the_owner(box: Sandbox) -> None:
    view = open_modal(box, ADMIN, "/team", "edit Olivia")
    assert "Only an owner can edit an owner" in texts(view["blocks"])
    assert view["callback_id"] != "team_edit_member"
    assert writes(box) == []


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_staff_and_unlinked_cannot_edit(box: Sandbox, role: str) -> None:
    view = open_modal(box, ROLES[role], "/team", "edit Tara")
    said = texts(view["blocks"])
    assert (
        NOT_LINKED_REASON if role == "unlinked" else "Only an owner or admin can edit team members"
    ) in said
    assert writes(box) == []


def test_edit_with_an_ambiguous_name_offers_the_choice_inside_the_modal(box: Sandbox) -> None:
    other = box.api_state.add_member("staff", "Sam", "Rivers", "rivers@x.example")
    view = open_modal(box, OWNER, "/team", "edit sam")
    assert "2 members match “sam”" in texts(view["blocks"])

    reply = box.slack.click(OWNER, "team_pick_0", view=view["id"])  # Sam Rivers

    assert reply.status_code == 200
    assert box.slack_state.wait_for(
        lambda s: (s.view(view["id"]) or {}).get("callback_id") == "team_edit_member"
    )
    form = box.slack_state.view(view["id"])
    assert form is not None
    assert block(form, "last_name")["element"]["initial_value"] == "Rivers"
    assert f'"member_id":{other.id}' in form["private_metadata"]


def test_editing_the_last_owner_out_of_owner_is_refused_after_the_form(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/team", "edit Olivia")
    values = member_values(first_name="Olivia", last_name="Owens", role="admin", is_active=["active"])
    box.slack.submit_view(OWNER, view, values)
    refilled = modal_after_work(box, OWNER)
    assert "last active owner" in texts(refilled)
    assert block(refilled, "role")["element"]["initial_option"]["value"] == "admin"  # as typed
    assert writes(box) == []
    assert box.api_state.member(OLIVIA).role == "owner"  # type: ignore[union-attr]


def test_the_confirmation_falls_back_to_a_dm_when_the_channel_refuses_it(box: Sandbox) -> None:
    view = open_modal(box, OWNER, "/team", "add")
    box.slack_state.fail("chat.postEphemeral", "channel_not_found")

    box.slack.submit_view(OWNER, view, member_values(**GOOD))

    assert box.slack_state.wait_for(lambda s: len(s.messages("D0OWNER01")) == 1)
    assert "Added *Nina Novak*" in box.slack_state.messages("D0OWNER01")[0]["text"]
    assert len(members_named(box, "Nina")) == 1


@pytest.mark.parametrize(
    "metadata", ["{}", '{"member_id": "Sam"}', '{"member_id": [4]}', "not json", '{"member_id":3}']
)
def test_an_edit_form_whose_metadata_is_not_ours_is_refused_plainly(box: Sandbox, metadata: str) -> None:
    """`int(metadata["member_id"])` raised (KeyError, ValueError, TypeError): a traceback and
    "something went wrong". Metadata the app did not seal (even a well-formed member id) is now
    refused in the modal, and nothing is asked of the API."""
    view = open_modal(box, OWNER, "/team", "edit Sam Stone")
    values = member_values(first_name="Samuel", last_name="Stone", role="staff", is_active=["active"])

    reply = box.slack.submit_view(OWNER, view, values, private_metadata=metadata)

    assert reply.status_code == 200
    shown = box.slack_state.view(view["id"])
    assert shown is not None and "This form is out of date; please start again." in texts(shown["blocks"])
    assert box.slack_state.messages(box.slack_state.im_channel(OWNER).id) == []
    assert writes(box) == []
