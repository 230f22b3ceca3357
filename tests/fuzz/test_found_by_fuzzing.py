"""What the fuzzers found, pinned as plain examples (each correctly signed).

Fixed in the Slack foundation (slack/web.py, middleware.py, errors.py) and in the feature modules
(button values read by `slack.metadata.read_id_button` / `read_page_button`; `/availability` dates bounded in
`domain.dates`): each is checked again here, with nothing tolerated. A new finding in a module being
written is pinned as `xfail(strict=True)` with its input (and tolerated by signature in
`conftest.KNOWN_FEATURE_BUGS`) until its owner fixes it.
"""

from __future__ import annotations

from typing import Any

import pytest

from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.slack.errors import UNEXPECTED
from rosterbot.slack.metadata import OUT_OF_DATE

from .conftest import STAFF, Fuzzed, shown_to

OWNER = "U0OWNER01"


def envelope(fuzz: Fuzzed, user: str = STAFF) -> dict[str, Any]:
    team = fuzz.box.slack.team_id
    return {
        "user": {"id": user, "username": "sam", "team_id": team},
        "team": {"id": team, "domain": "demo-salon"},
        "api_app_id": "A0ROSTERBOT",
        "trigger_id": fuzz.box.slack_state.issue_trigger_id(user),
    }


def click(fuzz: Fuzzed, action_id: str, value: str, user: str = STAFF) -> dict[str, Any]:
    """A click on a button in an ephemeral message in the team channel."""
    return {
        "type": "block_actions",
        **envelope(fuzz, user),
        "container": {
            "type": "message",
            "message_ts": "1.1",
            "channel_id": TEAM_CHANNEL_ID,
            "is_ephemeral": True,
        },
        "channel": {"id": TEAM_CHANNEL_ID, "name": "team"},
        "response_url": fuzz.box.slack_state.issue_response_url(TEAM_CHANNEL_ID, user),
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1.2"}
        ],
    }


# ---- fixed: refused or ignored without a 500 and without a traceback -----------------------------

MALFORMED = {
    "no actions": lambda f: {"type": "block_actions", **envelope(f), "actions": []},
    "an action id that is a list": lambda f: {
        "type": "block_actions",
        **envelope(f),
        "actions": [{"action_id": ["timeoff_approve"], "block_id": "b"}],
    },
    "a view that is a string": lambda f: {
        "type": "view_submission",
        **envelope(f),
        "view": "team_add_member",
    },
    "a view without state": lambda f: {
        "type": "view_submission",
        **envelope(f),
        "view": {"id": "V1", "callback_id": "team_add_member", "hash": "h"},
    },
    "a team that is a string": lambda f: {**click(f, "team_list_page_next", "{}"), "team": "T0DEMO"},
    "a container that is a bool": lambda f: {**click(f, "timeoff_approve", "1"), "container": True},
    "a legacy callback id that is a list": lambda f: {
        "type": "dialog_submission",
        **envelope(f),
        "callback_id": [],
    },
    "a view on an unknown type that is a list": lambda f: {"type": "shortcut", **envelope(f), "view": []},
    "a type that is a list": lambda f: {**click(f, "timeoff_approve", "1"), "type": ["block_actions"]},
    "input values that are not objects": lambda f: {
        "type": "view_submission",
        **envelope(f),
        "view": {
            "id": "V1",
            "callback_id": "team_add_member",
            "hash": "h",
            "state": {"values": {"role": {"team_field": True}, "first_name": "Nina"}},
        },
    },
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_interaction_is_refused_without_a_server_error(fuzz: Fuzzed, case: str) -> None:
    fuzz.fresh()
    reply = fuzz.send(lambda: fuzz.box.slack.post_interaction(MALFORMED[case](fuzz)), allowed=(400,))
    assert "malformed" in reply.text
    fuzz.check(writes_allowed=0)


@pytest.mark.parametrize("raw", ["1", "null", '"x"', "[]", "{", "[1, 2]"])
def test_a_payload_that_is_not_an_object_is_refused_without_a_server_error(fuzz: Fuzzed, raw: str) -> None:
    fuzz.fresh()
    fuzz.send(lambda: fuzz.box.slack.post_form({"payload": raw}), allowed=(400,))
    fuzz.check(writes_allowed=0)


def test_a_command_without_a_team_is_ignored_without_a_traceback(fuzz: Fuzzed) -> None:
    fuzz.fresh()
    fields = fuzz.box.slack.command_fields(STAFF, "/team", "list")
    del fields["team_id"]
    fuzz.send(lambda: fuzz.box.slack.post_form(fields))
    fuzz.check(writes_allowed=0)


def test_a_home_opened_event_with_a_list_for_its_user_is_ignored_without_a_traceback(fuzz: Fuzzed) -> None:
    fuzz.fresh()
    fuzz.send(lambda: fuzz.box.slack.event({"type": "app_home_opened", "user": ["U0STAFF01"], "tab": "home"}))
    fuzz.check(writes_allowed=0)


def test_a_modal_update_for_a_closed_modal_is_told_plainly(fuzz: Fuzzed) -> None:
    """A pick clicked in a view the stand-in no longer has: views.update answers not_found."""
    fuzz.fresh()
    payload = {
        "type": "block_actions",
        **envelope(fuzz),
        "container": {"type": "view", "view_id": "VGONE"},
        "view": {"id": "VGONE", "type": "modal", "callback_id": "team_notice", "blocks": []},
        "actions": [{"type": "button", "action_id": "position_pick_0", "block_id": "b", "value": "nonsense"}],
    }
    fuzz.send(lambda: fuzz.box.slack.post_interaction(payload))
    fuzz.check(writes_allowed=0)


# ---- found in feature modules, fixed: the user reads one plain sentence ----------------------------

ODD_BUTTON_VALUES = {
    "team list page value that is JSON but not an object (slack/team.py show_requested_page)": (
        "team_list_page_next",
        "5",
    ),
    "team list page value that is not JSON (slack/team.py show_requested_page)": (
        "team_list_page_next",
        "next",
    ),
    "team list page number that is text": ("team_list_page_next", '{"scope": "all", "page": "2"}'),
    "team list page value nested past the JSON parser's depth": ("team_list_page_prev", "[" * 1500),
    "position list page number that is a list": ("position_list_page_next", '{"page": [2]}'),
    "remove confirmation value that is not a number (slack/team.py remove_member)": (
        "team_remove_confirm",
        "Tara",
    ),
    "remove confirmation value in digits int() reads but the API has no such id": (
        "team_remove_confirm",
        "\u0663",
    ),
    "deactivate-instead value that is not a number (slack/team.py deactivate_instead)": (
        "team_remove_deactivate",
        "[5]",
    ),
    "position remove confirmation value that is empty (slack/positions.py remove_position)": (
        "position_remove_confirm",
        "",
    ),
    "approve value that is not a number (slack/timeoff.py on_request.run)": ("timeoff_approve", "abc"),
    "cancel value that is not a number (slack/timeoff.py on_request.run)": ("timeoff_cancel", "1.5"),
    "deny value that is zero": ("timeoff_deny", "0"),
}


@pytest.mark.parametrize("case", ODD_BUTTON_VALUES)
def test_a_button_value_of_the_wrong_shape_is_refused_plainly(fuzz: Fuzzed, case: str) -> None:
    action_id, value = ODD_BUTTON_VALUES[case]
    fuzz.fresh()
    fuzz.send(lambda: fuzz.box.slack.post_interaction(click(fuzz, action_id, value, user=OWNER)))
    fuzz.check(writes_allowed=0, tolerate_known=False)
    shown = shown_to(fuzz.box, OWNER)
    assert any(OUT_OF_DATE in text for text in shown), shown
    assert not any(UNEXPECTED in text for text in shown), shown


def test_a_decision_click_on_a_message_with_odd_blocks_is_answered_plainly(fuzz: Fuzzed) -> None:
    fuzz.fresh()
    payload = {**click(fuzz, "timeoff_approve", "1"), "message": {"ts": "1.1", "blocks": ["x"]}}
    fuzz.send(lambda: fuzz.box.slack.post_interaction(payload))
    fuzz.check(writes_allowed=0, tolerate_known=False)
    shown = shown_to(fuzz.box, STAFF)
    assert shown and not any(UNEXPECTED in text for text in shown), shown


@pytest.mark.parametrize("blocks", ["x", {"block_id": "timeoff_list"}, [None], [{"block_id": ["x"]}]])
def test_a_cancel_click_on_a_message_whose_blocks_are_not_blocks_is_answered_plainly(
    fuzz: Fuzzed, blocks: Any
) -> None:
    fuzz.fresh()
    payload = {**click(fuzz, "timeoff_cancel", "7"), "message": {"ts": "1.1", "blocks": blocks}}
    fuzz.send(lambda: fuzz.box.slack.post_interaction(payload))
    fuzz.check(writes_allowed=0, tolerate_known=False)
    shown = shown_to(fuzz.box, STAFF)
    assert shown and not any(UNEXPECTED in text for text in shown), shown


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "31 Dec 9999"])
def test_availability_for_the_last_day_of_the_calendar_is_answered_plainly(fuzz: Fuzzed, text: str) -> None:
    """9999-12-31 was an OverflowError in domain/dates.py range_bounds_utc."""
    fuzz.fresh()
    fuzz.send(lambda: fuzz.box.slack.command(STAFF, "/availability", text))
    fuzz.check(writes_allowed=0, tolerate_known=False)
    shown = shown_to(fuzz.box, STAFF)
    assert any("outside the years I can show (1900 to 2999)" in text for text in shown), shown


@pytest.mark.parametrize("action_id", ["timeoff_cancel", "timeoff_approve"])
def test_a_request_id_beyond_the_id_column_is_not_found_plainly(fuzz: Fuzzed, action_id: str) -> None:
    """PostgreSQL refused to compare its 32-bit id column with 2**31 (a server error, logged)."""
    fuzz.fresh()
    fuzz.send(lambda: fuzz.box.slack.post_interaction(click(fuzz, action_id, str(2**31), user=OWNER)))
    fuzz.check(writes_allowed=0, tolerate_known=False)
    assert fuzz.box.slack_state.wait_for(lambda s: bool(s.responses), timeout=5)
