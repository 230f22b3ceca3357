"""Fair to everyone: one user cannot make the bot post where they could not post themselves, repeat
the same post, or hold everybody else's answers up with a burst of commands.

Found by hand against main: a staff member's 100 `/availability week #team` in half a second made
100 identical posts in #team and 202 business API calls, and the owner's `/team list` and an
admin's Approve waited 40 s behind them; the same staff member could post the team's blocked hours
into #approvals. Nothing here measures time: the tests count posts, answers and API calls, and
wait for what the app sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import rosterbot.slack.app as slack_app
from rosterbot.domain.roles import Actor, Role
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.sandbox import SANDBOX_BOT_TOKEN, Sandbox
from rosterbot.services.channel_posts import Channel, ChannelPosts
from rosterbot.services.errors import TooFast
from rosterbot.services.single_flight import SingleFlight
from rosterbot.services.throttle import TOO_FAST, CommandThrottle
from support import SLACK_WAIT, command, texts

OWNER, ADMIN, SAM, TARA = "U0OWNER01", "U0ADMIN01", "U0STAFF01", "U0STAFF02"
NOT_IN_CHANNEL = "You can only post availability to a channel you are in."
BURST = 5  # each user's share in this module: 5 commands at once...
RATE = 0.0001  # ...then one every 10,000 s: no refill however slowly the machine runs the test
BURST_SIZE = 100
# What the burst may cost the business API, whatever the machine: Sam's 5 admitted commands share
# one read each of the team (to link Sam by e-mail), the calendar team, the week's blocked times
# and the positions (4); Aaron's Approve reads his role afresh (1; the blocked time is the
# worker's), and one spare for his link. Before: 202.
API_CALLS_BOUND = 6


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    # The share on (the other tests' sandboxes turn it off), and reads kept far longer than the
    # test takes, so that how many calls the burst makes does not depend on the machine's speed.
    return sandbox(command_burst=BURST, command_rate=RATE, read_cache_seconds=600.0)


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Iterator[Sandbox]:
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()  # roles, and the shared team and availability reads
    _box.services.availability.forget_positions()
    _box.services.throttle.forget()
    yield _box
    assert _box.work_pool.wait_idle(30), "the app was still working"


def said_to(box: Sandbox, user: str) -> list[str]:
    return [r.text + "\n" + texts(r.blocks or []) for r in box.slack_state.responses if r.user == user]


def availability_reads(box: Sandbox) -> list[str]:
    return [r.path for r in box.api_state.requests if r.path.endswith(("/calendar/team", "/blocked_times"))]


# -- where a user may make the bot post ---------------------------------------------------------


def test_a_staff_member_cannot_post_the_teams_hours_into_approvals_or_a_private_channel(box: Sandbox) -> None:
    box.slack_state.add_channel("G0MANAGERS", "managers", is_private=True, members=[OWNER])
    try:
        for where in (f"<#{APPROVALS_CHANNEL_ID}|approvals>", "#approvals", "#managers", "<#G0MANAGERS>"):
            answer = command(box, SAM, "/availability", f"week {where}")
            assert answer.text == NOT_IN_CHANNEL and answer.response_type == "ephemeral", where
        assert box.slack_state.messages(APPROVALS_CHANNEL_ID) == []
        assert box.slack_state.messages("G0MANAGERS") == []
        assert availability_reads(box) == []  # refused before anything was read
        assert box.slack_state.calls_to("chat.postMessage") == []

        box.slack_state.join("G0MANAGERS", SAM)  # now Sam is in it: the post goes
        answer = command(box, SAM, "/availability", "week #managers")
        assert answer.text.startswith("Posted availability") and "<#G0MANAGERS>" in answer.text
        assert len(box.slack_state.messages("G0MANAGERS")) == 1
    finally:
        del box.slack_state.channels["G0MANAGERS"]


def test_an_admin_in_approvals_may_post_there(box: Sandbox) -> None:
    answer = command(box, ADMIN, "/availability", "today #approvals")
    assert answer.text.startswith("Posted availability")
    assert len(box.slack_state.messages(APPROVALS_CHANNEL_ID)) == 1


def test_the_users_channels_are_read_page_by_page(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slack_app, "CHANNELS_PAGE", 1)  # #team on the first page, #approvals on the next
    answer = command(box, ADMIN, "/availability", "today #team")
    assert answer.text.startswith("Posted availability")
    answer = command(box, ADMIN, "/availability", "today #approvals")
    assert answer.text.startswith("Posted availability")
    pages = box.slack_state.calls_to("users.conversations")
    assert len(pages) >= 3 and any(call.args.get("cursor") for call in pages)


def test_a_post_the_bot_could_not_make_is_explained_and_may_be_tried_again(box: Sandbox) -> None:
    box.slack_state.fail("chat.postMessage", "not_in_channel")
    answer = command(box, SAM, "/availability", "today #team")
    assert "couldn't post in #team (not_in_channel)" in answer.text
    answer = command(box, SAM, "/availability", "today #team")  # the failed post claimed nothing
    assert answer.text.startswith("Posted availability")
    assert len(box.slack_state.messages(TEAM_CHANNEL_ID)) == 1


# -- the same post, again and again -------------------------------------------------------------


def test_a_hundred_identical_posts_make_one_and_the_others_are_shown_it(box: Sandbox) -> None:
    box.services.throttle.forget()
    unlimited = box.services.throttle
    box.services.throttle = CommandThrottle(0, 1.0)  # every command through: the repeat rule alone
    try:
        send_burst(box, SAM, "/availability", "week #team")
    finally:
        box.services.throttle = unlimited
    answers = said_to(box, SAM)
    assert len(box.slack_state.messages(TEAM_CHANNEL_ID)) == 1
    assert sum(a.startswith("Posted availability") for a in answers) == 1
    again = [a for a in answers if a.startswith("Already posted to <#C0TEAM> a moment ago")]
    assert len(again) == BURST_SIZE - 1
    assert all("Sam Stone" in a for a in again)  # the availability itself, only for them
    assert len(availability_reads(box)) <= 2  # one read of each, shared by all 100


def test_the_same_post_goes_again_after_a_minute(session_factory: sessionmaker[Session]) -> None:
    now = [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]
    posts = ChannelPosts(session_factory, now=lambda: now[0])
    sam = Actor("T0DEMO", SAM, member_id=4, role=Role.STAFF, name="Sam Stone")
    team = Channel(TEAM_CHANNEL_ID, "team")
    content = {"text": "Availability", "blocks": []}
    assert posts.claim(sam, team, content)
    assert not posts.claim(sam, team, content)
    assert posts.claim(sam, Channel(APPROVALS_CHANNEL_ID, "approvals"), content)  # another channel
    assert posts.claim(sam, team, {"text": "Availability tomorrow", "blocks": []})  # other content
    now[0] += timedelta(seconds=59)
    assert not posts.claim(sam, team, content)
    now[0] += timedelta(seconds=2)
    assert posts.claim(sam, team, content)


# -- one user's burst, everybody else's answers -------------------------------------------------


def test_a_hundred_commands_from_one_user_leave_an_admins_approval_answered(box: Sandbox) -> None:
    message = pending_approval(box, TARA)
    box.api_state.clear_requests()
    before_posts = len(box.slack_state.messages(TEAM_CHANNEL_ID))

    with ThreadPoolExecutor(max_workers=10) as pool:
        burst = pool.submit(send_burst, box, SAM, "/availability", "week #team")
        approval = pool.submit(box.slack.click, ADMIN, "timeoff_approve", message=message)
        assert approval.result(timeout=30).status_code == 200
        burst.result(timeout=60)

    assert box.slack_state.wait_for(lambda s: any(r.user == ADMIN for r in s.responses), timeout=30)
    assert any("Approved Tara Singh" in text for text in said_to(box, ADMIN))
    answers = said_to(box, SAM)
    assert sum(TOO_FAST in a for a in answers) == BURST_SIZE - BURST  # most were told to wait
    assert sum(a.startswith(("Posted availability", "Already posted")) for a in answers) == BURST
    assert len(box.slack_state.messages(TEAM_CHANNEL_ID)) - before_posts == 1
    calls = len(box.api_state.requests)
    assert calls <= API_CALLS_BOUND, [r.path for r in box.api_state.requests]


def test_the_share_is_each_users_own_and_comes_back_with_time() -> None:
    clock = [0.0]
    throttle = CommandThrottle(3, 0.5, clock=lambda: clock[0])
    for _ in range(3):
        throttle.admit("T0DEMO", SAM)
    with pytest.raises(TooFast) as refused:
        throttle.admit("T0DEMO", SAM)
    assert refused.value.message == TOO_FAST
    throttle.admit("T0DEMO", OWNER)  # another user's share is whole
    throttle.admit("T0OTHER", SAM)  # so is the same id's in another workspace
    clock[0] += 1.9
    with pytest.raises(TooFast):
        throttle.admit("T0DEMO", SAM)  # not one whole command back yet (refusals take nothing)
    clock[0] += 0.1
    throttle.admit("T0DEMO", SAM)
    clock[0] += 1000
    for _ in range(3):  # never more than the burst, however long the pause
        throttle.admit("T0DEMO", SAM)
    with pytest.raises(TooFast):
        throttle.admit("T0DEMO", SAM)
    off = CommandThrottle(0, 1.0, clock=lambda: clock[0])
    for _ in range(1000):
        off.admit("T0DEMO", SAM)


def test_identical_reads_are_shared_for_the_ttl_and_forgotten_after_a_write() -> None:
    clock = [0.0]
    flight: SingleFlight[int] = SingleFlight(ttl=3.0, clock=lambda: clock[0])
    calls: list[int] = []

    def read() -> int:
        calls.append(1)
        return len(calls)

    assert [flight.do("team", read) for _ in range(5)] == [1] * 5
    clock[0] += 2.9
    assert flight.do("team", read) == 1
    clock[0] += 0.1
    assert flight.do("team", read) == 2  # older than the TTL: read again
    flight.forget()
    assert flight.do("team", read) == 3  # a write was made: read again

    def fail() -> int:
        raise LookupError("down")

    with pytest.raises(LookupError):
        flight.do("other", fail)
    assert flight.do("other", read) == 4  # an error is not kept


def test_the_slack_standin_lists_members_and_a_users_channels_a_page_at_a_time(box: Sandbox) -> None:
    web = WebClient(token=SANDBOX_BOT_TOKEN, base_url=box.settings.slack_api_url)
    box.slack_state.add_channel("G0SECRET", "secret", is_private=True, members=[SAM])
    box.slack_state.add_channel("G0NOBOT", "nobot", is_private=True, members=[SAM])
    box.slack_state.leave("G0NOBOT", "U0ROSTERBOT")
    try:
        members: list[str] = []
        cursor = ""
        while True:
            page = web.conversations_members(channel=APPROVALS_CHANNEL_ID, limit=2, cursor=cursor or None)
            assert len(page["members"]) <= 2
            members += page["members"]
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        assert sorted(members) == ["U0ADMIN01", "U0ADMIN02", "U0OWNER01", "U0ROSTERBOT"]

        listed: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = web.users_conversations(
                user=SAM, types="public_channel,private_channel", limit=1, cursor=cursor or None
            )
            listed += page["channels"]
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        assert [(c["id"], c["name"], c["is_private"]) for c in listed] == [
            ("C0TEAM", "team", False),
            ("G0SECRET", "secret", True),  # G0NOBOT: private, and the bot is not in it
        ]
        public_only = web.users_conversations(user=SAM)["channels"]
        assert [c["id"] for c in public_only] == ["C0TEAM"]
        for call, code in (
            (lambda: web.conversations_members(channel="G0NOBOT"), "channel_not_found"),
            (lambda: web.conversations_members(channel="C0NOPE"), "channel_not_found"),
            (
                lambda: web.conversations_members(channel="C0TEAM", cursor="bm90LWN1cnNvcg=="),
                "invalid_cursor",
            ),
            (lambda: web.users_conversations(user="U0NOBODY"), "user_not_found"),
        ):
            with pytest.raises(SlackApiError) as failed:
                call()
            assert failed.value.response["error"] == code
    finally:
        del box.slack_state.channels["G0SECRET"], box.slack_state.channels["G0NOBOT"]


# -- helpers ----------------------------------------------------------------------------------------


def send_burst(box: Sandbox, user: str, name: str, text: str) -> None:
    """`user` sends `name text` BURST_SIZE times at once; returns once every one is answered."""
    before = sum(r.user == user for r in box.slack_state.responses)
    with ThreadPoolExecutor(max_workers=20) as pool:
        sent = pool.map(lambda _: box.slack.command(user, name, text).status_code, range(BURST_SIZE))
        statuses = list(sent)
    assert statuses == [200] * BURST_SIZE
    assert box.slack_state.wait_for(
        lambda s: sum(r.user == user for r in s.responses) >= before + BURST_SIZE, timeout=60
    ), "not every command was answered"


def pending_approval(box: Sandbox, user: str) -> dict[str, Any]:
    """`user` asks for a day off next week in the form; the approval message the worker posts."""
    assert box.slack.command(user, "/timeoff").status_code == 200
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_request" for v in s.open_views(user)), timeout=SLACK_WAIT
    )
    form = [v for v in box.slack_state.open_views(user) if v["callback_id"] == "timeoff_request"][-1]
    day = (datetime.now(UTC).date() + timedelta(days=8)).isoformat()
    values = {"starts_on": {"timeoff_field": day}, "all_day": {"timeoff_field": "all_day"}}
    assert box.slack.submit_view(user, form, values).status_code == 200
    assert box.work_pool.wait_idle(SLACK_WAIT)
    assert box.services.outbox is not None
    while box.services.outbox.deliver_due():
        pass
    posted = box.slack_state.messages(APPROVALS_CHANNEL_ID)
    assert len(posted) == 1, posted
    return posted[0]
