"""Random and mutated slash-command texts for /team, /position, /timeoff and /availability.

Whatever is typed: Slack gets 200; the user is shown an answer, in plain words; nothing is logged
with a traceback; and no write reaches the business API from staff, from an unlinked user, or from
an owner's read commands (a write needs a form, a confirmation or a write subcommand).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import GUEST, OWNER, STAFF, Fuzzed, assert_plain, shown_to
from .strategies import (
    AVAILABILITY_WORDS,
    POSITION_WORDS,
    TEAM_WORDS,
    TIMEOFF_WORDS,
    command_texts,
    read_texts,
)

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

COMMANDS = {
    "/team": TEAM_WORDS,
    "/position": POSITION_WORDS,
    "/timeoff": TIMEOFF_WORDS,
    "/availability": AVAILABILITY_WORDS,
}
# Subcommands that only read (the owner may type anything after them).
READS = {
    "/team": ["list", "show", "whoami", "help", "nonsense"],
    "/position": ["list", "show", "help", "nonsense"],
    "/timeoff": ["list", "pending", "help", "nonsense"],
    "/availability": AVAILABILITY_WORDS,
}


def run(fuzz: Fuzzed, user: str, name: str, text: str) -> None:
    fuzz.fresh()
    fuzz.send(lambda: fuzz.box.slack.command(user, name, text))
    shown = shown_to(fuzz.box, user)
    assert shown, f"{user} typed {name} {text!r} and was shown nothing"
    assert_plain(shown)
    fuzz.check(writes_allowed=0)


@pytest.mark.parametrize("name", COMMANDS)
@FUZZ
@given(data=st.data())
def test_staff_typing_anything_gets_an_answer_and_writes_nothing(
    fuzz: Fuzzed, name: str, data: st.DataObject
) -> None:
    run(fuzz, STAFF, name, data.draw(command_texts(COMMANDS[name]), label="text"))


@pytest.mark.parametrize("name", COMMANDS)
@FUZZ
@given(data=st.data())
def test_an_owners_read_commands_with_any_arguments_write_nothing(
    fuzz: Fuzzed, name: str, data: st.DataObject
) -> None:
    run(fuzz, OWNER, name, data.draw(read_texts(READS[name]), label="text"))


@FUZZ
@given(name=st.sampled_from(sorted(COMMANDS)), data=st.data())
def test_an_unlinked_user_typing_anything_gets_an_answer_and_writes_nothing(
    fuzz: Fuzzed, name: str, data: st.DataObject
) -> None:
    run(fuzz, GUEST, name, data.draw(command_texts(COMMANDS[name]), label="text"))
