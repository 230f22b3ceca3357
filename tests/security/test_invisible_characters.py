"""Control and invisible characters are refused in every free-text field, under the field, before
anything is written — alike on SQLite and PostgreSQL (where a NUL in a reason or a note used to end
in "Something went wrong"): names, e-mails, position titles and descriptions, time-off reasons
and deny notes. Bidirectional overrides (U+202E) would make a name read backwards, zero-width
spaces make two names look the same; the zero-width joiner and non-joiner stay allowed between
visible characters (emoji sequences, Persian and Indic words). Multi-line fields (a description, a
reason, a note) may hold newlines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from rosterbot.domain.text import hidden_character
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.services.errors import InvalidRequest
from rosterbot.services.timeoff_rules import validate_note
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest
from support import SLACK_WAIT, assert_in_progress, settled_modal

OWNER, ADMIN, SAM = "U0OWNER01", "U0ADMIN01", "U0STAFF01"
ZONE = "Europe/Berlin"

NUL, ESC, RLO, ZWSP, BOM, LRI, LINE_SEP = "\x00", "\x1b", "\u202e", "\u200b", "\ufeff", "\u2066", "\u2028"
ZWJ, ZWNJ = "\u200d", "\u200c"
HIDDEN = [NUL, ESC, RLO, ZWSP, BOM, LRI, LINE_SEP]


# ---- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", HIDDEN + ["\ud800", "\u2069", "\u00ad", "\u2060"])
def test_control_and_invisible_characters_are_caught_in_any_field(ch: str) -> None:
    assert hidden_character(f"Sam{ch}Stone") == f"U+{ord(ch):04X}"
    assert hidden_character(f"Sam{ch}Stone", multiline=True) == f"U+{ord(ch):04X}"


@pytest.mark.parametrize(
    "text",
    [
        "Señora Ñandú ² 💇",
        "👩\u200d🔧 and ❤️\u200d🔥",  # emoji sequences joined by ZWJ
        "می\u200cخواهم",  # Persian: a ZWNJ inside a word
        "O'Brien-Smith",
    ],
)
def test_real_text_passes(text: str) -> None:
    assert hidden_character(text) is None


@pytest.mark.parametrize("text", [f"{ZWJ}Sam", f"Sam{ZWNJ}", f"Sam {ZWJ}Stone", f"Sam{ZWJ}{ZWJ}Stone"])
def test_a_joiner_that_joins_nothing_visible_is_caught(text: str) -> None:
    assert hidden_character(text) is not None


def test_only_multiline_fields_take_newlines_and_tabs() -> None:
    assert hidden_character("Family\nvisit\tabroad", multiline=True) is None
    assert hidden_character("Family\nvisit") == "U+000A"


def test_a_deny_note_is_checked_by_the_service_itself() -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate_note(f"Short-staffed{RLO}", approve=False)
    assert set(caught.value.field_errors) == {"note"} and "U+202E" in caught.value.message
    assert validate_note("  Short-staffed\nthat week ", approve=False) == "Short-staffed\nthat week"


# ---- end to end: every form answers under the field -------------------------------------------------


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox(timezone=ZONE)


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Iterator[Sandbox]:
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    yield _box


def stored(box: Sandbox) -> list[TimeOffRequest]:
    with session_scope(box.services.session_factory) as session:
        rows = list(session.query(TimeOffRequest).order_by(TimeOffRequest.id))
        session.expunge_all()
        return rows


def open_form(box: Sandbox, user: str, name: str, text: str, callback_id: str) -> dict[str, Any]:
    assert box.slack.command(user, name, text).status_code == 200
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == callback_id for v in s.open_views(user)), timeout=SLACK_WAIT
    )
    if callback_id == "timeoff_request":
        return box.slack_state.open_views(user)[-1]
    return settled_modal(box, user)


def inline_errors(reply: Any) -> dict[str, str]:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["response_action"] == "errors", body
    return dict(body["errors"])


def in_days(n: int) -> str:
    return (datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=n)).isoformat()


def request_values(reason: str, starts_on: str) -> dict[str, dict[str, Any]]:
    return {
        "starts_on": {"timeoff_field": starts_on},
        "all_day": {"timeoff_field": "all_day"},
        "reason": {"timeoff_field": reason},
    }


@pytest.mark.parametrize("ch", [NUL, RLO, ZWSP])
def test_a_reason_with_a_hidden_character_is_refused_under_the_reason(box: Sandbox, ch: str) -> None:
    open_form(box, SAM, "/timeoff", "", "timeoff_request")
    reply = box.slack.submit_view(SAM, "timeoff_request", request_values(f"Family{ch} visit", in_days(3)))
    errors = inline_errors(reply)
    assert list(errors) == ["reason"]
    assert f"U+{ord(ch):04X}" in errors["reason"] and "invisible" in errors["reason"]
    assert stored(box) == []
    # Corrected (and on two lines: the reason is a multi-line field), it goes through.
    fixed = box.slack.submit_view(SAM, "timeoff_request", request_values("Family\nvisit", in_days(3)))
    assert fixed.json()["response_action"] == "update"
    assert box.slack_state.wait_for(lambda s: len(stored(box)) == 1, timeout=SLACK_WAIT)
    assert stored(box)[0].reason == "Family\nvisit"


@pytest.mark.parametrize("ch", [NUL, RLO, ZWSP])
def test_a_deny_note_with_a_hidden_character_is_refused_under_the_note(box: Sandbox, ch: str) -> None:
    open_form(box, SAM, "/timeoff", "", "timeoff_request")
    box.slack.submit_view(SAM, "timeoff_request", request_values("", in_days(4)))
    assert box.slack_state.wait_for(lambda s: len(stored(box)) == 1, timeout=SLACK_WAIT)
    assert box.services.outbox is not None
    while box.services.outbox.deliver_due():
        pass
    (message,) = box.slack_state.messages(APPROVALS_CHANNEL_ID)
    box.slack.click(OWNER, "timeoff_deny", message=message)
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_deny" for v in s.open_views(OWNER)), timeout=SLACK_WAIT
    )

    reply = box.slack.submit_view(OWNER, "timeoff_deny", {"note": {"timeoff_field": f"Busy{ch} week"}})

    errors = inline_errors(reply)
    assert list(errors) == ["note"] and f"U+{ord(ch):04X}" in errors["note"]
    assert [(r.status, r.decision_note) for r in stored(box)] == [("pending", None)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", f"{RLO}anilN"),
        ("last_name", f"No{ZWSP}vak"),
        ("first_name", f"Ni{NUL}na"),
        ("email", f"nina{NUL}@demo-salon.example"),
        ("email", f"nina{BOM}@demo-salon.example"),
    ],
)
def test_a_member_field_with_a_hidden_character_is_refused_under_it(
    box: Sandbox, field: str, value: str
) -> None:
    open_form(box, ADMIN, "/team", "add", "team_add_member")
    good = {"first_name": "Nina", "last_name": "Novak", "role": "staff", "email": "nina@demo-salon.example"}
    values = {name: {"team_field": text} for name, text in {**good, field: value}.items()}

    errors = inline_errors(box.slack.submit_view(ADMIN, "team_add_member", values))

    assert list(errors) == [field] and "invisible" in errors[field]
    assert box.api_state.writes() == []


def test_a_name_joined_as_persian_is_written_is_accepted(box: Sandbox) -> None:
    open_form(box, ADMIN, "/team", "add", "team_add_member")
    values = {
        name: {"team_field": text}
        for name, text in {"first_name": f"می{ZWNJ}نا", "last_name": "Rahimi", "role": "staff"}.items()
    }
    reply = box.slack.submit_view(ADMIN, "team_add_member", values)
    assert_in_progress(reply)
    assert box.slack_state.wait_for(
        lambda s: any(m.first_name == f"می{ZWNJ}نا" for m in box.api_state.members()), timeout=SLACK_WAIT
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", f"Sty{ZWSP}list"), ("title", f"Stylist{ESC}"), ("description", f"Cuts{RLO}")],
)
def test_a_position_field_with_a_hidden_character_is_refused_under_it(
    box: Sandbox, field: str, value: str
) -> None:
    open_form(box, OWNER, "/position", "add", "position_add")
    values = {name: {"position_field": text} for name, text in {"title": "Barber", field: value}.items()}

    errors = inline_errors(box.slack.submit_view(OWNER, "position_add", values))

    assert list(errors) == [field] and "invisible" in errors[field]
    assert box.api_state.writes() == []
