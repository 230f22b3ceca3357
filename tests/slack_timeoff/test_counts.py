"""Figures are counted, never capped: with 250 requests waiting, `/timeoff pending`, the App Home
and the daily digest all say 250, and `/timeoff pending` pages through every one of them; so does
the requester's own `/timeoff list`, and their Home counts the ones it leaves out.

The 250 requests are made once for the module, through the time-off service (as the request form
does), and the tests only read them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.sandbox import Sandbox
from rosterbot.services.timeoff_rules import RequestInput
from rosterbot.store import outbox
from rosterbot.store.db import session_scope

from .conftest import ADMIN, SAM, answer_after, command, deliver, said, texts, today
from .test_home import open_home

WAITING = 250
REQUEST_ID = re.compile(r"\*#(\d+)\*")


@pytest.fixture(scope="module")
def crowd(_box: Sandbox, module_engine: Engine) -> Sandbox:
    """The demo business with 250 of Sam's requests waiting, their approval posts delivered."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    sam = _box.services.identity.resolve(_box.slack.team_id, SAM)
    first = today() + timedelta(days=1)
    for n in range(WAITING):
        day = first + timedelta(days=n)
        _box.services.timeoff.request(sam, RequestInput(starts_on=day, ends_on=day))
    deliver(_box)
    _box.slack_state.clear()
    return _box


def listed_ids(blocks: object) -> list[int]:
    return listed_ids_in(texts(blocks))


def listed_ids_in(shown: str) -> list[int]:
    return [int(found) for found in REQUEST_ID.findall(shown)]


def button_value(blocks: object, action_id: str) -> str | None:
    for block in blocks if isinstance(blocks, list) else []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element["value"])
    return None


def page_through(
    box: Sandbox, user: str, first: ResponsePost, action_id: str
) -> tuple[list[int], ResponsePost]:
    """Click Next until there is none; the request ids listed on every page, and the last page."""
    seen, page = listed_ids(first.blocks), first
    while (value := button_value(page.blocks, f"{action_id}_next")) is not None:
        before = len(box.slack_state.responses)
        assert box.slack.click(user, f"{action_id}_next", value, channel=TEAM_CHANNEL_ID).status_code == 200
        page = answer_after(box, before)
        assert page.replace_original
        seen += listed_ids(page.blocks)
        assert len(seen) <= WAITING, "the pager does not end"
    return seen, page


def test_timeoff_pending_counts_every_request_and_pages_to_the_last(crowd: Sandbox) -> None:
    answer = command(crowd, ADMIN, "/timeoff", "pending")
    assert answer.text == "250 time-off requests waiting for a decision (page 1 of 13)."
    assert "Waiting for a decision · 250" in said(answer)
    seen, last = page_through(crowd, ADMIN, answer, "timeoff_pending_page")
    assert len(seen) == WAITING and len(set(seen)) == WAITING
    assert last.text == "250 time-off requests waiting for a decision (page 13 of 13)."
    assert "Page 13 of 13 · requests 241–250 of 250" in texts(last.blocks)
    assert button_value(last.blocks, "timeoff_pending_page_prev") is not None


def test_timeoff_list_counts_every_own_request_and_pages_to_the_last(crowd: Sandbox) -> None:
    answer = command(crowd, SAM, "/timeoff", "list")
    assert answer.text == "Your time off: 250 requests (page 1 of 7)."
    seen, last = page_through(crowd, SAM, answer, "timeoff_list_page")
    assert len(set(seen)) == WAITING
    assert "Page 7 of 7 · requests 241–250 of 250" in texts(last.blocks)


def test_the_requesters_home_counts_what_it_leaves_out(crowd: Sandbox) -> None:
    shown = texts(open_home(crowd, SAM)["blocks"])
    listed = len(listed_ids_in(shown))
    assert f"…and {WAITING - listed} more: see `/timeoff list`." in shown


def test_the_home_counts_every_waiting_request(crowd: Sandbox) -> None:
    home = open_home(crowd, ADMIN)
    shown = texts(home["blocks"])
    assert "*Waiting for a decision* · 250" in shown
    listed = len(listed_ids(home["blocks"]))  # the admin has no requests of their own
    assert f"…and {WAITING - listed} more: see `/timeoff pending`." in shown


def test_the_digest_counts_every_waiting_request(crowd: Sandbox) -> None:
    with session_scope(crowd.services.session_factory) as session:
        outbox.enqueue(
            session,
            outbox.POST_DIGEST,
            payload={
                "slack_team_id": crowd.slack.team_id,
                "day": today().isoformat(),
                "channel": TEAM_CHANNEL_ID,
            },
            at=datetime.now(UTC),
        )
    deliver(crowd)
    posted = crowd.slack_state.messages(TEAM_CHANNEL_ID)
    assert "250 time-off requests are waiting for a decision" in texts(posted[-1]["blocks"])
