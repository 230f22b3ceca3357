"""Slack's Web API misbehaving: 429 (`inject_429`, retried after Retry-After by the client) and
`ok: false` (`fail`). Slack still gets 200 at once for the request that started it; the user is
told (through another way when the first fails), and what was done is done once and not denied.
"""

from __future__ import annotations

from typing import Any

from rosterbot.sandbox import Sandbox
from rosterbot.slack.errors import UNEXPECTED

from .conftest import (
    OWNER,
    STAFF,
    ErrorLog,
    answered,
    assert_nothing_leaked,
    assert_plain,
    command,
    said_to,
    wait_said,
    wait_view,
)

NINA = {
    "first_name": {"team_field": "Nina"},
    "last_name": {"team_field": "Novak"},
    "role": {"team_field": "staff"},
    "email": {"team_field": "nina@demo-salon.example"},
}


def ninas(box: Sandbox) -> int:
    return sum(m.email == "nina@demo-salon.example" for m in box.api_state.members())


def ok_calls(box: Sandbox, method: str) -> list[dict[str, Any]]:
    return [c.args for c in box.slack_state.calls_to(method) if c.ok]


def open_add_member(box: Sandbox) -> dict[str, Any]:
    command(box, OWNER, "/team", "add")
    return wait_view(box, OWNER, "team_add_member")


def test_a_modal_rate_limited_once_opens_after_the_wait(box: Sandbox, error_log: ErrorLog) -> None:
    box.slack_state.inject_429("views.open", times=1, retry_after=1)

    command(box, OWNER, "/team", "add")

    wait_view(box, OWNER, "team_add_member")
    assert [c.status for c in box.slack_state.calls_to("views.open")] == [429, 200]
    assert error_log.tracebacks() == []


def test_a_modal_rate_limited_past_the_triggers_life_tells_the_user(box: Sandbox) -> None:
    box.slack_state.inject_429("views.open", times=5, retry_after=1)

    command(box, OWNER, "/team", "add")

    assert box.slack_state.wait_for(lambda s: bool(s.responses), timeout=8)
    assert_nothing_leaked(box, OWNER)
    assert box.slack_state.open_views(OWNER) == []
    assert box.api_state.writes() == []


def test_a_modal_slack_refuses_to_open_tells_the_user(box: Sandbox) -> None:
    box.slack_state.fail("views.open", "expired_trigger_id")

    command(box, OWNER, "/team", "add")

    assert box.slack_state.wait_for(lambda s: bool(s.responses), timeout=5)
    assert_nothing_leaked(box, OWNER)
    assert box.api_state.writes() == []


def test_a_modal_slack_refuses_to_fill_tells_the_user_elsewhere(box: Sandbox) -> None:
    box.slack_state.fail("views.update", "internal_error", times=5)

    command(box, OWNER, "/team", "add")

    assert box.slack_state.wait_for(lambda s: bool(s.responses), timeout=5)
    assert_nothing_leaked(box, OWNER)
    assert box.api_state.writes() == []


def test_a_modal_closed_before_it_is_filled_stays_closed_and_nobody_is_bothered(
    box: Sandbox, error_log: ErrorLog
) -> None:
    box.api_state.set_faults(latency=0.3)  # the form is filled from the API after the close

    command(box, OWNER, "/team", "add")
    assert box.slack_state.wait_for(lambda s: bool(s.open_views(OWNER)))
    [loading] = box.slack_state.open_views(OWNER)  # "Loading…"
    box.slack.close_view(OWNER, loading["id"])

    assert box.work_pool.wait_idle(8)
    assert [c.response.get("error") for c in box.slack_state.calls_to("views.update")] == ["not_found"]
    assert said_to(box, OWNER) == [] and box.slack_state.open_views(OWNER) == []
    assert error_log.tracebacks() == []


def test_an_answer_rate_limited_once_is_delivered_once(box: Sandbox, error_log: ErrorLog) -> None:
    form = open_add_member(box)
    box.slack_state.inject_429("chat.postEphemeral", times=1, retry_after=1)

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    assert box.work_pool.wait_idle(5)  # the modal says "Added" first, then the message is retried
    wait_said(box, OWNER, "Added")
    assert ninas(box) == 1
    delivered = [a for a in ok_calls(box, "chat.postEphemeral") if "Added" in str(a.get("text"))]
    assert len(delivered) == 1
    assert error_log.tracebacks() == []


def test_an_answer_refused_in_the_channel_comes_as_a_direct_message(
    box: Sandbox, error_log: ErrorLog
) -> None:
    form = open_add_member(box)
    box.slack_state.fail("chat.postEphemeral", "channel_not_found")

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    dms = box.slack_state.im_channel(OWNER).id
    assert box.slack_state.wait_for(lambda s: any("Added" in m["text"] for m in s.messages(dms)), timeout=5)
    assert ninas(box) == 1
    assert error_log.tracebacks() == []


def test_a_done_create_whose_answer_cannot_be_sent_is_never_reported_as_not_done(box: Sandbox) -> None:
    """The member is added; then the channel and the DM both refuse the answer once. Whatever the
    user reads next must not say that nothing was changed (they would add the member again)."""
    form = open_add_member(box)
    box.slack_state.fail("chat.postEphemeral", "channel_not_found", times=1)
    box.slack_state.fail("chat.postMessage", "messages_tab_disabled", times=1)

    answered(lambda: box.slack.submit_view(OWNER, form, NINA))

    assert box.work_pool.wait_idle(5)  # the modal shows "Saving…" at once: wait for the rest
    assert ninas(box) == 1
    for text in said_to(box, OWNER):
        assert_plain(box, text)
        assert "nothing was changed" not in text.casefold()
    assert "nothing was changed" not in UNEXPECTED.casefold()


def test_the_users_e_mail_lookup_rate_limited_once_still_links_them(
    box: Sandbox, error_log: ErrorLog
) -> None:
    box.slack_state.inject_429("users.info", times=1, retry_after=1)

    command(box, STAFF, "/team", "list")

    wait_said(box, STAFF, "Team: 9 members")
    assert [c.status for c in box.slack_state.calls_to("users.info")][:2] == [429, 200]
    assert error_log.tracebacks() == []


def test_the_users_e_mail_lookup_refused_tells_them_plainly(box: Sandbox) -> None:
    box.slack_state.fail("users.info", "internal_error", times=3)

    command(box, STAFF, "/team", "list")

    assert box.slack_state.wait_for(lambda _s: bool(said_to(box, STAFF)), timeout=5)
    assert_nothing_leaked(box, STAFF)
    assert box.api_state.writes() == []
