"""Modal inputs as prompts, and typed answers as submission values (pure)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rosterbot.console.prompts import REQUIRED, AnswerError, Field, input_fields, parse_answer
from rosterbot.console.render import Names
from rosterbot.emulators.slack_api.values import state_values

OPTIONS = [
    {"text": {"type": "plain_text", "text": "All day"}, "value": "all_day"},
    {"text": {"type": "plain_text", "text": "Part of the day"}, "value": "part_day"},
]


def _input(
    block_id: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": block_id.replace("_", " ").capitalize()},
        "element": {"action_id": "f", **element},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


VIEW = {
    "type": "modal",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Ask for time off"}},
        _input("starts_on", {"type": "datepicker"}, hint="The first day away"),
        _input("all_day", {"type": "radio_buttons", "options": OPTIONS, "initial_option": OPTIONS[0]}),
        _input("start_time", {"type": "timepicker"}, optional=True),
        _input("reason", {"type": "plain_text_input", "multiline": True, "max_length": 20}, optional=True),
        _input("roles", {"type": "checkboxes", "options": OPTIONS}, optional=True),
        _input("who", {"type": "users_select"}),
        _input("count", {"type": "number_input", "is_decimal_allowed": False, "min_value": "1"}),
    ],
}
TODAY = date(2026, 4, 1)


def fields() -> dict[str, Field]:
    return {f.block_id: f for f in input_fields(VIEW)}


def answer(block_id: str, typed: str) -> Any:
    return parse_answer(fields()[block_id], typed, resolve_user={"sam": "U0STAFF01"}.get, today=TODAY)


def test_input_fields_in_order_with_labels_hints_and_initials() -> None:
    found = input_fields(VIEW)
    assert [f.block_id for f in found] == [
        "starts_on",
        "all_day",
        "start_time",
        "reason",
        "roles",
        "who",
        "count",
    ]
    assert found[0].hint == "The first day away" and not found[0].optional
    assert found[1].initial == "all_day"
    # A field with a hint or options gets a line of its own; the prompt then says only how to answer.
    assert found[0].describe(Names()) == ["  Starts on — The first day away"]
    assert found[0].prompt(Names()) == "    › YYYY-MM-DD: "
    assert found[1].describe(Names()) == ["  All day", "    1. All day", "    2. Part of the day"]
    assert found[1].prompt(Names()) == "    › number; Enter keeps All day: "
    assert found[2].describe(Names()) == []
    assert found[2].prompt(Names()) == "  Start time (HH:MM; optional, Enter skips): "
    # After a refused submission, the app's error sits under the label, as in Slack.
    assert found[2].describe(Names(), error="Give a start time") == [
        "  Start time (optional)",
        "  ! Give a start time",
    ]


def test_dates() -> None:
    assert answer("starts_on", "2026-04-03") == "2026-04-03"
    assert answer("starts_on", "tomorrow") == "2026-04-02"
    # A day and month (as the commands read them): the next such day from today, 1 April 2026
    assert answer("starts_on", "3 April") == "2026-04-03"
    assert answer("starts_on", "31 Mar") == "2027-03-31"
    for bad in ("someday", "2026-02-30", "2026-4-3"):
        with pytest.raises(AnswerError, match="YYYY-MM-DD"):
            answer("starts_on", bad)
    with pytest.raises(AnswerError, match=REQUIRED):
        answer("starts_on", "  ")


def test_options_by_number_value_or_label_and_enter_keeps_the_initial() -> None:
    assert answer("all_day", "2") == "part_day"
    assert answer("all_day", "part_day") == "part_day"
    assert answer("all_day", "all DAY") == "all_day"
    assert answer("all_day", "") == "all_day"
    with pytest.raises(AnswerError, match="1–2"):
        answer("all_day", "3")
    assert answer("roles", "1, 2") == ["all_day", "part_day"]
    assert answer("roles", "") == []


def test_optional_fields_skip_and_texts_check_their_length() -> None:
    assert answer("start_time", "") is None
    assert answer("start_time", "9:05") == "09:05"
    with pytest.raises(AnswerError, match="HH:MM"):
        answer("start_time", "25:00")
    assert answer("reason", "dentist\\nthen home") == "dentist\nthen home"
    with pytest.raises(AnswerError, match="at most 20"):
        answer("reason", "x" * 21)


def test_people_and_numbers() -> None:
    assert answer("who", "sam") == "U0STAFF01"
    with pytest.raises(AnswerError, match="No such person"):
        answer("who", "nobody")
    assert answer("count", "2") == "2"
    with pytest.raises(AnswerError, match="whole number"):
        answer("count", "2.5")
    with pytest.raises(AnswerError, match="at least 1"):
        answer("count", "0")


def test_answers_become_the_state_values_slack_sends() -> None:
    values = {
        "starts_on": {"f": answer("starts_on", "2026-04-03")},
        "all_day": {"f": answer("all_day", "2")},
        "start_time": {"f": answer("start_time", "")},
        "who": {"f": answer("who", "sam")},
    }
    state = state_values(VIEW["blocks"], values)  # type: ignore[arg-type]
    assert state["starts_on"]["f"] == {"type": "datepicker", "selected_date": "2026-04-03"}
    assert state["all_day"]["f"] == {"type": "radio_buttons", "selected_option": OPTIONS[1]}
    assert state["start_time"]["f"] == {"type": "timepicker", "selected_time": None}
    assert state["who"]["f"] == {"type": "users_select", "selected_user": "U0STAFF01"}
