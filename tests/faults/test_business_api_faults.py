"""The business API misbehaving under real commands: slow (beyond the client's timeout), down,
answering 500 or 429 (with and without Retry-After), and failing one write in particular.

Every time: Slack gets 200 at once; the user reads in plain words what happened (no traceback, no
credential); nothing is written that should not be, and a create happens once or not at all; no
error is logged with a traceback; once the fault is over, the same command works again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rosterbot.emulators.business_api import EmulatorState
from rosterbot.sandbox import Sandbox
from support import assert_in_progress, modal_after_work, texts

from .conftest import (
    BUSY,
    OWNER,
    STAFF,
    UNAVAILABLE,
    ErrorLog,
    answered,
    assert_nothing_leaked,
    assert_plain,
    command,
    wait_said,
    wait_view,
)
from .fault_proxy import FaultProxy

TEAM_PATH = r"^/api/v1/merchant/team$"
POSITIONS_PATH = r"^/api/v2/companies/\d+/positions$"
POSITION_PATH = r"^/api/v2/companies/\d+/positions/\d+$"

# name -> (switch the fault on, what the user is told)
API_FAULTS: dict[str, tuple[Callable[[EmulatorState], Any], str]] = {
    "slow beyond the timeout": (lambda api: api.set_faults(latency=0.8), UNAVAILABLE),
    "down": (lambda api: api.down(True), UNAVAILABLE),
    "answering 500": (lambda api: api.set_faults(fault_status=500), UNAVAILABLE),
    "429 asking for 30 s": (lambda api: api.set_faults(fault_status=429, fault_retry_after=30), BUSY),
    "429 without Retry-After": (lambda api: api.set_faults(fault_status=429, fault_retry_after=None), BUSY),
}

# (command, text, what the user sees when it works)
READS = [
    ("/team", "list", "Team: 9 members"),
    ("/team", "show Sam", "Sam Stone"),
    ("/position", "list", "4 positions"),
    ("/availability", "", "Available today"),
    ("/timeoff", "list", "time off"),
]


@pytest.mark.parametrize("fault", API_FAULTS)
@pytest.mark.parametrize(("name", "text", "works"), READS, ids=[f"{c} {t}" for c, t, _ in READS])
def test_a_read_during_an_api_fault_tells_the_user_and_works_again_after(
    box: Sandbox, error_log: ErrorLog, fault: str, name: str, text: str, works: str
) -> None:
    switch_on, told = API_FAULTS[fault]
    switch_on(box.api_state)

    command(box, STAFF, name, text)

    assert_plain(box, wait_said(box, STAFF, told))
    assert_nothing_leaked(box, STAFF)
    assert box.api_state.writes() == []
    assert error_log.tracebacks() == []

    box.api_state.set_faults()
    box.api_state.down(False)
    box.slack_state.clear()
    command(box, STAFF, name, text)
    wait_said(box, STAFF, works)


TRANSIENT: dict[str, Callable[[EmulatorState], Any]] = {
    "every 2nd request 500": lambda api: api.set_faults(fault_status=500, fault_every=2),
    "every 2nd request 429, Retry-After 0.2 s": lambda api: api.set_faults(
        fault_status=429, fault_every=2, fault_retry_after=0.2
    ),
    "rate limit 1 a second": lambda api: api.set_faults(rate_limit_per_second=1),
}


@pytest.mark.parametrize("fault", TRANSIENT)
def test_a_passing_fault_is_retried_away_and_the_user_gets_the_answer(
    box: Sandbox, error_log: ErrorLog, fault: str
) -> None:
    TRANSIENT[fault](box.api_state)

    command(box, STAFF, "/team", "list")

    wait_said(box, STAFF, "Team: 9 members")
    assert {r.status for r in box.api_state.requests} & {429, 500}, "the fault never happened"
    assert error_log.tracebacks() == []


# ---- writes ------------------------------------------------------------------------------------

NINA = {
    "first_name": {"team_field": "Nina"},
    "last_name": {"team_field": "Novak"},
    "role": {"team_field": "staff"},
    "email": {"team_field": "nina@demo-salon.example"},
}


def open_add_member(box: Sandbox) -> dict[str, Any]:
    command(box, OWNER, "/team", "add")
    return wait_view(box, OWNER, "team_add_member")


def ninas(box: Sandbox) -> int:
    return sum(m.email == "nina@demo-salon.example" for m in box.api_state.members())


def member_posts(proxy: FaultProxy) -> int:
    return sum(p.method == "POST" and p.path == "/api/v1/merchant/team" for p in proxy.seen)


# name -> (the fault on the create, what the user is told)
CREATE_FAULTS: dict[str, tuple[Callable[[FaultProxy], Any], str]] = {
    "500": (
        lambda proxy: proxy.answer("POST", TEAM_PATH, 500, '{"error": {"message": "boom"}}'),
        UNAVAILABLE,
    ),
    "503 HTML": (
        lambda proxy: proxy.answer("POST", TEAM_PATH, 503, "<html>down</html>", content_type="text/html"),
        UNAVAILABLE,
    ),
    "429": (
        lambda proxy: proxy.answer(
            "POST", TEAM_PATH, 429, '{"error": {"message": "slow down"}}', headers={"Retry-After": "1"}
        ),
        BUSY,
    ),
}


@pytest.mark.parametrize("fault", CREATE_FAULTS)
def test_a_member_create_refused_by_the_api_is_not_made(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog, fault: str
) -> None:
    form = open_add_member(box)
    switch_on, told = CREATE_FAULTS[fault]
    switch_on(proxy)

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    assert_plain(box, wait_said(box, OWNER, told))
    assert_nothing_leaked(box, OWNER)
    assert ninas(box) == 0
    # A POST that may have done something is never sent twice; a 429 did nothing and is retried.
    assert member_posts(proxy) == (2 if fault == "429" else 1)
    assert error_log.tracebacks() == []


def test_a_member_create_whose_answer_comes_too_late_happens_once(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog
) -> None:
    form = open_add_member(box)
    proxy.forward("POST", TEAM_PATH, delay=0.8)  # the emulator creates; the client gives up at 0.5 s

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    # The service finds the member the lost answer made, so the user is not asked to try again.
    assert_plain(box, wait_said(box, OWNER, "Added"))
    assert box.slack_state.wait_for(lambda _s: ninas(box) == 1, timeout=3)
    assert box.slack_state.wait_for(lambda _s: member_posts(proxy) == 1, timeout=3)
    assert [w.path for w in box.api_state.writes()] == ["/api/v1/merchant/team"]  # sent once
    assert error_log.tracebacks() == []


def test_a_member_created_with_an_unreadable_answer_happens_once(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog
) -> None:
    form = open_add_member(box)
    proxy.forward("POST", TEAM_PATH, body="<html><body>Created</body></html>", content_type="text/html")

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    assert_plain(box, wait_said(box, OWNER, "Added"))
    assert ninas(box) == 1
    assert member_posts(proxy) == 1
    assert error_log.tracebacks() == []


def test_a_member_create_while_the_api_is_down_is_not_made_and_the_user_is_told(
    box: Sandbox, error_log: ErrorLog
) -> None:
    form = open_add_member(box)
    box.api_state.down(True)

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    assert_plain(box, wait_said(box, OWNER, UNAVAILABLE))
    box.api_state.down(False)
    assert ninas(box) == 0
    assert error_log.tracebacks() == []


def test_a_member_create_after_one_lost_connection_attempt_is_made_once(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog
) -> None:
    """A 500 on the role re-read (GET) is retried; the create itself goes once and works."""
    form = open_add_member(box)
    proxy.answer("GET", r"^/api/v1/merchant/team/1$", 500, "{}", times=1)

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    wait_said(box, OWNER, "Added")
    assert ninas(box) == 1
    assert member_posts(proxy) == 1
    assert any(p.status == 500 and p.method == "GET" for p in proxy.seen), "the fault never happened"
    assert error_log.tracebacks() == []


def open_position_edit(box: Sandbox) -> dict[str, Any]:
    command(box, OWNER, "/position", "edit Colorist")
    return wait_view(box, OWNER, "position_edit")


def test_a_position_edit_answered_500_once_is_retried_and_saved_once(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog
) -> None:
    form = open_position_edit(box)
    proxy.answer("PUT", POSITION_PATH, 500, "{}", times=1)

    answered(lambda: box.slack.submit_view(OWNER, form, {"title": {"position_field": "Color Specialist"}}))

    wait_said(box, OWNER, "Color Specialist")
    titles = [p.title for p in box.api_state.positions()]
    assert titles.count("Color Specialist") == 1 and "Colorist" not in titles
    puts = [p for p in proxy.seen if p.method == "PUT"]
    assert [p.status for p in puts][:1] == [500] and len([p for p in puts if p.forwarded]) == 1
    assert error_log.tracebacks() == []


def test_a_position_create_refused_with_500_is_not_made(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog
) -> None:
    command(box, OWNER, "/position", "add")
    form = wait_view(box, OWNER, "position_add")
    proxy.answer("POST", POSITIONS_PATH, 500, '{"success": false, "data": null, "meta": {"message": "x"}}')

    answered(lambda: box.slack.submit_view(OWNER, form, {"title": {"position_field": "Barber"}}))

    assert_plain(box, wait_said(box, OWNER, UNAVAILABLE))
    assert "Barber" not in [p.title for p in box.api_state.positions()]
    assert sum(p.method == "POST" for p in proxy.seen) == 1
    assert error_log.tracebacks() == []


def test_a_form_shows_progress_at_once_and_the_outcome_after_when_the_api_is_slow(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog
) -> None:
    """Nothing asks the API before the ack: the form turns into "Saving…" at once, and the
    service, after the ack, says what came of it (here: every read of the positions beyond the
    client's timeout) in the form put back as the user typed it."""
    command(box, OWNER, "/position", "add")
    form = wait_view(box, OWNER, "position_add")
    proxy.forward("GET", POSITIONS_PATH, delay=0.8)

    reply = box.slack.submit_view(OWNER, form, {"title": {"position_field": "Colorist"}})

    assert_in_progress(reply)
    refilled = modal_after_work(box, OWNER, timeout=8.0)
    assert refilled["callback_id"] == "position_add" and UNAVAILABLE.casefold() in texts(refilled).casefold()
    typed = next(b for b in refilled["blocks"] if b.get("block_id") == "title")["element"]
    assert typed["initial_value"] == "Colorist"
    assert_plain(box, texts(refilled))
    assert [p.title for p in box.api_state.positions()].count("Colorist") == 1
    assert not any(p.method == "POST" for p in proxy.seen)
    assert error_log.tracebacks() == []


@pytest.mark.parametrize("fault", ["down", "429 asking for 30 s"])
def test_the_home_tab_opened_during_an_api_fault_tells_the_user(
    box: Sandbox, error_log: ErrorLog, fault: str
) -> None:
    switch_on, told = API_FAULTS[fault]
    switch_on(box.api_state)

    answered(lambda: box.slack.home_opened(STAFF))

    assert_plain(box, wait_said(box, STAFF, told))
    assert error_log.tracebacks() == []
    box.api_state.set_faults()
    box.api_state.down(False)
    answered(lambda: box.slack.home_opened(STAFF))
    assert box.slack_state.wait_for(lambda s: s.home(STAFF) is not None, timeout=5)
