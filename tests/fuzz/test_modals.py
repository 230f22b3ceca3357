"""Random values in the app's real modals: each form is opened once through the app (the view as the
stand-in holds it), then submitted again and again with every input filled by hypothesis, shaped
by its element type (text, selects, dates, times, checkboxes), sometimes in a shape Slack would
never send.

Staff submitting any form (their own time-off form included): no write reaches the business API.
An owner's member and position forms: at most one write per submission, and only a valid one.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rosterbot.sandbox import Sandbox
from rosterbot.store.db import session_scope
from rosterbot.store.models import LeaveType, TimeOffRequest

from .conftest import GUEST, OWNER, STAFF, Fuzzed, assert_plain, shown_to
from .strategies import ODD_TOKENS

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# callback id -> (who opens it, command, text)
FORMS: dict[str, tuple[str, str, str]] = {
    "team_add_member": (OWNER, "/team", "add"),
    "team_edit_member": (OWNER, "/team", "edit Sam"),
    "position_add": (OWNER, "/position", "add"),
    "position_edit": (OWNER, "/position", "edit Colorist"),
    "timeoff_request": (STAFF, "/timeoff", ""),
}
WRITE_PATHS = {
    "team_add_member": ("POST", "/api/v1/merchant/team"),
    "team_edit_member": ("PUT", "/api/v1/merchant/team/4"),
    "position_add": ("POST", "/api/v2/companies/1/positions"),
    "position_edit": ("PUT", "/api/v2/companies/1/positions/3"),
}

texts = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=120),
    st.sampled_from(ODD_TOKENS),
    st.lists(st.sampled_from(ODD_TOKENS), min_size=1, max_size=5).map(" ".join),
    st.integers(101, 3000).map(lambda n: "x" * n),
    st.emails(),
)
date_texts = st.one_of(
    st.none(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)).map(date.isoformat),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat),
    st.sampled_from(["", "2025-02-30", "0000-00-00", "tomorrow", "2025-1-1", "20250101", "2025-01-01T00:00"]),
)
time_texts = st.one_of(
    st.none(),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["", "24:00", "9:00", "09:60", "noon", "-01:00", "09:00:00"]),
)


def odd_shape(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """A value in a shape Slack never sends for `kind`."""
    return st.sampled_from(
        [
            {"type": kind},
            {"type": kind, "value": 12345},
            {"type": kind, "value": ["a"]},
            {"type": kind, "selected_option": "owner"},
            {"type": kind, "selected_option": {"value": None}},
            {"type": kind, "selected_options": "1"},
            {"type": kind, "selected_options": [{"text": "x"}]},
            {"type": kind, "selected_date": 20250101},
            {"type": kind, "selected_time": None},
        ]
    )


def element_values(element: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = str(element.get("type"))
    options = [str(o["value"]) for o in element.get("options") or []]
    if kind == "datepicker":
        plain: st.SearchStrategy[Any] = date_texts
    elif kind == "timepicker":
        plain = time_texts
    elif kind in ("static_select", "radio_buttons"):
        plain = st.one_of(st.none(), st.sampled_from(options or ["x"]), st.text(max_size=10))
    elif kind in ("multi_static_select", "checkboxes"):
        plain = st.lists(st.one_of(st.sampled_from(options or ["x"]), st.text(max_size=6)), max_size=4)
    else:
        plain = texts
    return st.one_of(plain, plain, plain, odd_shape(kind))


@st.composite
def form_values(draw: st.DrawFn, view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        values[str(block["block_id"])] = {str(element["action_id"]): draw(element_values(element))}
    return values


def opened(fuzz: Fuzzed, callback_id: str) -> dict[str, Any]:
    """The form as the app opened it."""
    user, name, text = FORMS[callback_id]
    box = fuzz.box
    box.slack_state.clear()
    fuzz.send(lambda: box.slack.command(user, name, text))

    def ready() -> dict[str, Any] | None:
        views = [v for v in box.slack_state.open_views(user) if v.get("callback_id") == callback_id]
        return views[-1] if views else None

    box.slack_state.wait_for(lambda _s: ready() is not None, timeout=5)
    view = ready()
    assert view is not None, f"{name} {text} did not open {callback_id}"
    return view


def form(fuzz: Fuzzed, callback_id: str) -> dict[str, Any]:
    """The form, opened once per test."""
    if callback_id not in fuzz.memo:
        fuzz.memo[callback_id] = opened(fuzz, callback_id)
    view: dict[str, Any] = fuzz.memo[callback_id]
    return view


def submit(fuzz: Fuzzed, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> None:
    fuzz.fresh()
    # A new hash each time, as after an update: the same hash twice is a double click, dropped.
    sent = {**view, "hash": secrets.token_hex(8)}
    reply = fuzz.send(lambda: fuzz.box.slack.submit_view(user, sent, values))
    if reply.content:
        body = reply.json()
        assert body.get("response_action") in ("errors", "update", "push", "clear"), body
        for message in (body.get("errors") or {}).values():
            assert isinstance(message, str) and 0 < len(message) <= 2000
            assert_plain([message])
    assert_plain(shown_to(fuzz.box, user))


def stored_requests(box: Sandbox) -> list[TimeOffRequest]:
    with session_scope(box.services.session_factory) as session:
        rows = list(session.query(TimeOffRequest).order_by(TimeOffRequest.id))
        session.expunge_all()
        return rows


@pytest.mark.parametrize("callback_id", list(WRITE_PATHS))
@FUZZ
@given(data=st.data())
def test_staff_submitting_an_owners_form_with_any_values_writes_nothing(
    fuzz: Fuzzed, callback_id: str, data: st.DataObject
) -> None:
    view = form(fuzz, callback_id)
    submit(fuzz, STAFF, view, data.draw(form_values(view), label="values"))
    fuzz.check(writes_allowed=0)


@pytest.mark.parametrize("callback_id", list(WRITE_PATHS))
@FUZZ
@given(data=st.data())
def test_an_owners_form_with_any_values_makes_at_most_one_valid_write(
    fuzz: Fuzzed, callback_id: str, data: st.DataObject
) -> None:
    view = form(fuzz, callback_id)
    submit(fuzz, OWNER, view, data.draw(form_values(view), label="values"))
    fuzz.check(writes_allowed=1)
    for write in fuzz.box.api_state.writes():
        assert (write.method, write.path) == WRITE_PATHS[callback_id]
        body = write.json if isinstance(write.json, dict) else {}
        for name in ("first_name", "last_name", "title"):
            if name in body:
                assert isinstance(body[name], str) and 0 < len(body[name].strip()) <= 100, body
        if "role" in body:
            assert body["role"] in ("owner", "admin", "staff"), body


@pytest.mark.parametrize("user", [STAFF, GUEST])
@FUZZ
@given(data=st.data())
def test_the_time_off_form_with_any_values_never_writes_to_the_api_and_stores_only_sense(
    fuzz: Fuzzed, user: str, data: st.DataObject
) -> None:
    view = form(fuzz, "timeoff_request")
    before = len(stored_requests(fuzz.box))
    submit(fuzz, user, view, data.draw(form_values(view), label="values"))
    fuzz.check(writes_allowed=0)  # a request waits for approval: nothing goes to the calendar yet
    rows = stored_requests(fuzz.box)
    if user == GUEST:
        assert len(rows) == before
    with session_scope(fuzz.box.services.session_factory) as session:
        at_once = {t.id for t in session.query(LeaveType) if not t.needs_approval}
    for row in rows[before:]:
        # A type that needs no approval (Sick leave) is recorded approved at once; its blocked
        # time waits in the queue (no worker runs here), so the API still sees no write.
        assert row.status == ("approved" if row.leave_type_id in at_once else "pending")
        assert row.ends_on >= row.starts_on
        if not row.all_day:
            assert row.start_time is not None and row.end_time is not None
            if row.starts_on == row.ends_on:
                assert row.end_time > row.start_time
