"""Failures tell someone, in the right order: when the approvals channel refuses a time-off request
(`channel_not_found`), the requester hears of it first (DM), then each active owner and admin gets
the request by DM with its buttons; `/team settings` shows the broken channel until a post there
works again, and the worker's start-up check logs one WARNING for it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, DEMO_TEAM
from rosterbot.emulators.slack_api.state import SlackCall
from rosterbot.sandbox import Sandbox
from rosterbot.services.outbox import RetryPolicy
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest
from support import SLACK_WAIT, command, texts

SAM = "U0STAFF01"  # staff: asks for time off
OWNER = "U0OWNER01"
APPROVERS = [p.slack_user_id for p in DEMO_TEAM if p.role in ("owner", "admin")]
WARNING = "The bot cannot post here: channel_not_found — invite it or choose another channel"
QUICK_RETRIES = RetryPolicy(max_attempts=3, base_seconds=0.0, max_seconds=0.0, lease_seconds=60)


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox()


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Iterator[Sandbox]:
    """The sandbox with the demo business as new, and no approvals channel in Slack (put back after)."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    assert _box.services.outbox is not None
    _box.services.outbox.policy = QUICK_RETRIES
    removed = _box.slack_state.remove_channel(APPROVALS_CHANNEL_ID)
    assert removed is not None
    yield _box
    _box.slack_state.add_channel(removed.id, removed.name)


def deliver(box: Sandbox) -> None:
    """Worker passes over the outbox until nothing is due."""
    for _ in range(20):
        if box.services.outbox.deliver_due() == 0:
            return


def stored(box: Sandbox) -> list[TimeOffRequest]:
    with session_scope(box.services.session_factory) as session:
        rows = list(session.query(TimeOffRequest).order_by(TimeOffRequest.id))
        session.expunge_all()
        return rows


def ask_for_time_off(box: Sandbox, user: str, ahead: int) -> TimeOffRequest:
    """`user` sends the /timeoff form for one day `ahead` days from now, signed as Slack signs it."""
    assert box.slack.command(user, "/timeoff").status_code == 200
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_request" for v in s.open_views(user)), timeout=SLACK_WAIT
    ), "the request form did not open"
    before = len(stored(box))
    first_day = (datetime.now(UTC) + timedelta(days=ahead)).date().isoformat()
    values = {"starts_on": {"timeoff_field": first_day}, "all_day": {"timeoff_field": "all_day"}}
    assert box.slack.submit_view(user, "timeoff_request", values).status_code == 200
    assert box.work_pool.wait_idle(SLACK_WAIT), "the form's work did not finish"
    rows = stored(box)
    assert len(rows) == before + 1, "the request was not stored"
    return rows[-1]


def buttons(blocks: Any) -> list[str]:
    found: list[str] = []
    for block in blocks or []:
        elements = block.get("elements") or []
        found.extend(str(e.get("action_id")) for e in elements if e.get("type") == "button")
    return found


def posts(box: Sandbox) -> list[SlackCall]:
    return box.slack_state.calls_to("chat.postMessage")


def test_requester_then_each_approver_by_dm_and_settings_warn(box: Sandbox) -> None:
    request = ask_for_time_off(box, SAM, ahead=20)
    deliver(box)

    calls = posts(box)
    refused = [i for i, c in enumerate(calls) if c.args.get("channel") == APPROVALS_CHANNEL_ID]
    assert refused, "the approvals channel was tried first"
    assert all(not calls[i].ok for i in refused)
    assert calls[refused[0]].response.get("error") == "channel_not_found"
    after = [c for c in calls[refused[0] + 1 :] if c.ok]
    told = [str(c.args["channel"]) for c in after]

    # The requester first, then every active owner and admin, each once.
    assert told[0] == SAM, told
    assert "could not be posted in the approvals channel (channel_not_found)" in after[0].args["text"]
    assert sorted(told[1:]) == sorted(APPROVERS), told
    for call in after[1:]:
        assert f"Time off request #{request.id}" in texts(call.args["blocks"])
        assert buttons(call.args["blocks"]) == ["timeoff_approve", "timeoff_deny"]

    # Nothing more goes out on the next pass: each message went once.
    deliver(box)
    assert len(posts(box)) == len(calls)

    # /team settings says what is wrong, next to the approvals channel.
    reply = command(box, OWNER, "/team", "settings")
    shown = texts(reply.blocks or [])
    approvals_line = next(line for line in shown.splitlines() if "Approvals channel" in line)
    assert APPROVALS_CHANNEL_ID in approvals_line
    assert WARNING in shown
    assert shown.index(WARNING) > shown.index("Approvals channel")
    assert shown.count(WARNING) == 1  # the team channel works


def test_an_approver_decides_from_the_dm(box: Sandbox) -> None:
    request = ask_for_time_off(box, SAM, ahead=21)
    deliver(box)
    admin = APPROVERS[1]
    dm = next(m for m in box.slack_state.messages("D" + admin[1:]) if buttons(m.get("blocks")))
    box.slack.click(admin, "timeoff_approve", str(request.id), message=dm)
    assert box.slack_state.wait_for(
        lambda s: stored(box)[-1].status == "approved", timeout=SLACK_WAIT
    ), "the click in the DM did not decide"
    deliver(box)
    # Every approver's copy now shows the decision, without buttons.
    for user in APPROVERS:
        dms = box.slack_state.messages("D" + user[1:])
        copies = [m for m in dms if "Time off request" in texts(m["blocks"])]
        assert copies and not any(buttons(m.get("blocks")) for m in copies), user


def test_start_up_check_warns_once_per_bad_channel(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    from rosterbot.worker import check_channels  # what `rosterbot worker` and `serve` run at start

    with caplog.at_level(logging.WARNING, logger="rosterbot"):
        check_channels(box.services)
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert lines == [
        f"the bot cannot post in channel {APPROVALS_CHANNEL_ID}: channel_not_found"
        " — invite it or choose another channel"
    ]
    assert WARNING in texts(command(box, OWNER, "/team", "settings").blocks or [])


def test_the_warning_goes_once_a_post_there_works(box: Sandbox) -> None:
    ask_for_time_off(box, SAM, ahead=22)
    deliver(box)
    assert WARNING in texts(command(box, OWNER, "/team", "settings").blocks or [])
    box.slack_state.add_channel(APPROVALS_CHANNEL_ID, "approvals")  # invited again
    ask_for_time_off(box, SAM, ahead=23)
    deliver(box)
    assert box.slack_state.messages(APPROVALS_CHANNEL_ID), "posted in the channel again"
    assert WARNING not in texts(command(box, OWNER, "/team", "settings").blocks or [])
