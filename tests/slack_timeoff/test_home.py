"""The App Home tab through Slack: what staff, admins and unlinked users see, and acting in it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rosterbot.domain.permissions import NOT_LINKED_REASON
from rosterbot.sandbox import Sandbox
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope

from .conftest import (
    AARON,
    ADMIN,
    GUEST,
    SAM,
    SAM_ID,
    TARA_ID,
    WAIT,
    action_ids,
    day,
    dms,
    file_request,
    texts,
    today,
)

BLOCK_LIMIT = 100


def open_home(box: Sandbox, user: str) -> dict[str, Any]:
    """`user` opens the Home tab; the view the app published for them."""
    published = len(box.slack_state.calls_to("views.publish"))
    reply = box.slack.home_opened(user)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.publish")) > published, timeout=WAIT)
    home = box.slack_state.home(user)
    assert home is not None
    return home


def click_in_home(box: Sandbox, user: str, action_id: str, *, block_id: str | None = None) -> dict[str, Any]:
    """`user` clicks in their Home; the Home as the app published it again."""
    published = len(box.slack_state.calls_to("views.publish"))
    home = box.slack_state.home(user)
    assert home is not None
    reply = box.slack.click(user, action_id, view=home, block_id=block_id)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.publish")) > published, timeout=WAIT)
    updated = box.slack_state.home(user)
    assert updated is not None
    return updated


def sam_asks(box: Sandbox, ahead: int) -> int:
    return file_request(box, SAM, starts_on=day(ahead)).id


def status_of(box: Sandbox, request_id: int) -> str:
    return box.services.timeoff.view(request_id).status


def test_staff_see_their_time_off_with_cancel_and_can_ask_for_more(box: Sandbox) -> None:
    request_id = sam_asks(box, 20)
    home = open_home(box, SAM)
    shown = texts(home["blocks"])
    assert home["type"] == "home"
    assert "You are *Sam Stone* · staff" in shown
    assert f"*#{request_id}*" in shown and "Waiting for approval" in shown
    assert action_ids(home["blocks"]) == ["home_request_timeoff", "timeoff_cancel"]  # no Add member, no queue

    # "Request time off" opens the same form as /timeoff.
    box.slack.click(SAM, "home_request_timeoff", view=home)
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_request" for v in s.open_views(SAM)), timeout=WAIT
    )

    after = click_in_home(box, SAM, "timeoff_cancel")
    assert status_of(box, request_id) == "cancelled"
    assert "Cancelled Sam Stone's time off" in texts(after["blocks"])
    assert "timeoff_cancel" not in action_ids(after["blocks"])


def test_cancel_on_a_stale_home_says_why_there_and_shows_the_home_as_it_is_now(box: Sandbox) -> None:
    request_id = sam_asks(box, 23)
    stale = open_home(box, SAM)
    assert "Waiting for approval" in texts(stale["blocks"])
    open_home(box, ADMIN)
    click_in_home(box, ADMIN, "timeoff_approve", block_id=f"timeoff_decide_{request_id}")
    assert status_of(box, request_id) == "approved"

    # Sam still looks at the Home from before the approval, and clicks Cancel in it.
    dms_before = len(dms(box, SAM))
    ephemerals_before = len(box.slack_state.ephemerals(user=SAM))
    after = click_in_home(box, SAM, "timeoff_cancel")
    shown = texts(after["blocks"])
    assert "already approved; ask an owner or admin to cancel it" in shown  # told once, here
    assert "Waiting for approval" not in shown and f"*#{request_id}*" in shown
    assert "timeoff_cancel" not in action_ids(after["blocks"])
    assert status_of(box, request_id) == "approved"
    assert len(dms(box, SAM)) == dms_before and len(box.slack_state.ephemerals(user=SAM)) == ephemerals_before


def test_add_member_on_a_stale_home_says_why_there_and_shows_the_home_as_it_is_now(box: Sandbox) -> None:
    stale = open_home(box, ADMIN)
    assert "home_add_member" in action_ids(stale["blocks"])
    box.api_state.set_member_role(AARON, "staff")  # Aaron is no longer an admin...
    box.services.identity.forget()  # ...and the bot has heard (a cached role lives a minute)

    dms_before = len(dms(box, ADMIN))
    after = click_in_home(box, ADMIN, "home_add_member")
    shown = texts(after["blocks"])
    assert "owner or admin" in shown and "· staff" in shown
    assert "home_add_member" not in action_ids(after["blocks"])
    assert box.slack_state.open_views(ADMIN) == [] and len(dms(box, ADMIN)) == dms_before


def test_admins_see_the_queue_and_decide_in_it_and_can_add_members(box: Sandbox) -> None:
    request_id = sam_asks(box, 21)
    home = open_home(box, ADMIN)
    shown = texts(home["blocks"])
    assert "You are *Aaron Adams* · admin" in shown and "Waiting for a decision* · 1" in shown
    assert "Sam Stone" in shown
    assert action_ids(home["blocks"]) == [
        "home_request_timeoff",
        "home_add_member",
        "timeoff_approve",
        "timeoff_deny",
    ]

    after = click_in_home(box, ADMIN, "timeoff_approve", block_id=f"timeoff_decide_{request_id}")
    assert status_of(box, request_id) == "approved"
    assert "Approved Sam Stone's time off" in texts(after["blocks"])
    assert "timeoff_approve" not in action_ids(after["blocks"])

    box.slack.click(ADMIN, "home_add_member", view=after)
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "team_add_member" for v in s.open_views(ADMIN)), timeout=WAIT
    )


def test_denying_from_the_home_asks_why_and_publishes_the_home_again(box: Sandbox) -> None:
    request_id = sam_asks(box, 22)
    home = open_home(box, ADMIN)
    box.slack.click(ADMIN, "timeoff_deny", view=home)
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_deny" for v in s.open_views(ADMIN)), timeout=WAIT
    )
    published = len(box.slack_state.calls_to("views.publish"))
    box.slack.submit_view(ADMIN, "timeoff_deny", {"note": {"timeoff_field": "Inventory day"}})
    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.publish")) > published, timeout=WAIT)
    assert status_of(box, request_id) == "denied"
    updated = box.slack_state.home(ADMIN)
    assert updated is not None and "Denied Sam Stone's time off" in texts(updated["blocks"])


def test_unlinked_users_see_how_to_get_linked_and_nothing_else(box: Sandbox) -> None:
    home = open_home(box, GUEST)
    assert NOT_LINKED_REASON in texts(home["blocks"])
    assert action_ids(home["blocks"]) == []


def test_a_long_queue_stays_within_the_home_tab_limit(box: Sandbox) -> None:
    now = datetime.now(UTC)
    start = today() + timedelta(days=30)
    with session_scope(box.services.session_factory) as session:
        for n in range(80):
            requests.add(
                session,
                slack_team_id=box.slack.team_id,
                member_id=TARA_ID if n % 2 else SAM_ID,
                requested_by_member_id=TARA_ID if n % 2 else SAM_ID,
                requested_by_slack_user_id="U0STAFF02" if n % 2 else SAM,
                starts_on=start + timedelta(days=n),
                ends_on=start + timedelta(days=n),
                all_day=True,
                start_time=None,
                end_time=None,
                timezone="Europe/Berlin",
                reason="",
                at=now,
            )
    admin_home = open_home(box, ADMIN)
    assert len(admin_home["blocks"]) <= BLOCK_LIMIT
    assert "…and" in texts(admin_home["blocks"]) and "/timeoff pending" in texts(admin_home["blocks"])

    sam_home = open_home(box, SAM)
    assert len(sam_home["blocks"]) <= BLOCK_LIMIT
    assert "see `/timeoff list`" in texts(sam_home["blocks"])


def test_the_home_opened_while_the_business_api_is_down_says_so_and_fills_again_after(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """It stayed empty: the actor (or the requests) could not be read, and nothing was published."""
    caplog.set_level(logging.INFO)
    box.api_state.down(True)

    home = open_home(box, SAM)

    shown = texts(home["blocks"])
    assert "The business system is not answering right now; please try again shortly." in shown
    assert action_ids(home["blocks"]) == []  # nothing to click that would need the API
    assert "Traceback" not in shown
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []

    box.api_state.down(False)
    home = open_home(box, SAM)
    assert "You are *Sam Stone* · staff" in texts(home["blocks"])
