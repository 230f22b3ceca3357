"""Settings refer to things that exist: a minimum goes with its position, a channel is one the bot
can post in (asked of Slack after the ack: the form comes back saying so), a time zone is an IANA
Area/Location name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.state import BOT_USER_ID
from rosterbot.sandbox import Sandbox
from support import assert_in_progress, modal_after_work, refused_fields
from support import command as slash_command

from .conftest import (
    ADMIN,
    COLORIST,
    OWNER,
    TEAM,
    WAIT,
    audit_rows,
    command,
    field,
    said,
    settings_form,
    stored,
    texts,
)

OUTSIDE, SECRET, NEW = "C0OUTSIDE", "G0SECRET", "C0NEWROOM"


def save(box: Sandbox, user: str, **values: str) -> dict[str, str]:
    """`user` opens the form and saves `values`: the errors under the fields ({} when saved),
    answered at once (checks without Slack or the API) or in the form put back after the ack."""
    settings_form(box, user)
    reply = box.slack.submit_view(user, "settings_edit", field(**values))
    assert reply.status_code == 200
    answer = reply.json()
    if answer["response_action"] == "errors":
        return dict(answer["errors"])
    assert_in_progress(reply)
    after = modal_after_work(box, user)
    box.slack.close_view(user, after)  # read, the user closes it
    if after["callback_id"] == "settings_edit":  # put back, as typed
        return refused_fields(after)
    assert "Saved the workspace settings" in texts(after) or "Nothing changed" in texts(after)
    return {}


def inputs(form: dict[str, object]) -> dict[str, dict[str, object]]:
    return {b["block_id"]: b for b in form["blocks"] if b["type"] == "input"}  # type: ignore[attr-defined,index]


@pytest.fixture
def channels(box: Sandbox) -> Iterator[None]:
    """A channel the bot is not in, a private one it cannot see, and one it is in."""
    box.slack_state.add_channel(OUTSIDE, "outside", bot_is_member=False)
    box.slack_state.add_channel(SECRET, "secret", is_private=True, bot_is_member=False)
    box.slack_state.add_channel(NEW, "new-room")
    yield
    for channel in (OUTSIDE, SECRET, NEW):
        box.slack_state.remove_channel(channel)


# ---- a minimum goes with its position ------------------------------------------------------------


def test_removing_a_position_through_rosterbot_removes_its_minimum(box: Sandbox) -> None:
    assert save(box, ADMIN, timezone="Europe/Berlin", minimum_3="1") == {}
    row = stored(box)
    assert row is not None and row.coverage_minimums == {str(COLORIST): 1}

    question = slash_command(box, OWNER, "/position", "remove Colorist")
    before = len(box.slack_state.responses)
    message = {"ts": box.slack_state.next_ts(), "blocks": question.blocks or []}
    box.slack.click(OWNER, "position_remove_confirm", message=message, channel=TEAM_CHANNEL_ID)
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=WAIT)
    assert "Deleted the position *Colorist*" in box.slack_state.responses[-1].text

    row = stored(box)
    assert row is not None and row.coverage_minimums == {}
    shown = said(command(box, ADMIN, "settings"))
    assert "Colorist" not in shown and "removed position" not in shown
    assert f"minimum_{COLORIST}" not in inputs(settings_form(box, ADMIN))


def test_a_minimum_whose_position_went_another_way_is_shown_removed_and_can_be_cleared(
    box: Sandbox,
) -> None:
    box.seed_demo_positions()
    assert save(box, ADMIN, timezone="Europe/Berlin", minimum_3="1") == {}
    assert box.api_state.delete_position(COLORIST)  # in the business's own app, say
    box.services.availability.forget_positions()

    # The digest no longer warns about a position that is gone.
    digest = box.services.digests.build(TEAM, date(2026, 12, 7))
    assert all("position 3" not in s.sentence and "Colorist" not in s.sentence for s in digest.shortfalls)

    shown = said(command(box, ADMIN, "settings"))
    assert "(removed position)" in shown and "`#3`" in shown and "clear it in the settings form" in shown

    form = settings_form(box, ADMIN)
    removed = inputs(form)[f"minimum_{COLORIST}"]
    assert removed["label"]["text"] == "(removed position) #3"  # type: ignore[index]
    assert removed["element"]["initial_value"] == "1"  # type: ignore[index]

    # It may be kept as it is while something else changes, not set to another number...
    assert save(box, ADMIN, timezone="Europe/Paris", minimum_3="1") == {}
    errors = save(box, ADMIN, timezone="Europe/Paris", minimum_3="2")
    assert errors == {
        f"minimum_{COLORIST}": "That position was removed: leave it empty to clear its minimum."
    }
    # ...and cleared.
    assert save(box, ADMIN, timezone="Europe/Paris", minimum_3="") == {}
    row = stored(box)
    assert row is not None and row.coverage_minimums == {}
    assert "Minimum (removed position)" in texts(box.slack_state.ephemerals(user=ADMIN)[-1].blocks)
    assert "removed position" not in said(command(box, ADMIN, "settings"))


# ---- channels the bot can post in ------------------------------------------------------------------


@pytest.mark.usefixtures("channels")
def test_a_channel_the_bot_is_not_in_is_refused_on_its_field_with_how_to_invite_it(box: Sandbox) -> None:
    errors = save(box, ADMIN, team_channel=OUTSIDE, approvals_channel=SECRET, timezone="Europe/Berlin")
    assert errors == {
        "team_channel": "I'm not in #outside yet: type /invite @rosterbot there, then save again.",
        "approvals_channel": (
            "I can't see that channel. If it is private, type /invite @rosterbot there, then save again."
        ),
    }
    gone = save(box, ADMIN, team_channel="C0DELETED", timezone="Europe/Berlin")
    assert list(gone) == ["team_channel"]
    assert stored(box) is None and audit_rows(box) == []
    asked = [c.args.get("channel") for c in box.slack_state.calls_to("conversations.info")]
    assert {OUTSIDE, SECRET, "C0DELETED"} <= set(asked)

    # Invited: saved. A channel left as it was is not asked about again.
    box.slack_state.join(OUTSIDE, BOT_USER_ID)
    calls = len(box.slack_state.calls_to("conversations.info"))
    assert (
        save(box, ADMIN, team_channel=OUTSIDE, approvals_channel=APPROVALS_CHANNEL_ID, timezone="UTC") == {}
    )
    row = stored(box)
    assert row is not None and row.team_channel == OUTSIDE
    asked = [c.args.get("channel") for c in box.slack_state.calls_to("conversations.info")[calls:]]
    assert APPROVALS_CHANNEL_ID not in asked and OUTSIDE in asked


@pytest.mark.usefixtures("channels")
def test_a_channel_the_bot_is_in_is_saved(box: Sandbox) -> None:
    assert save(box, OWNER, team_channel=NEW, timezone="Europe/Berlin") == {}
    row = stored(box)
    assert row is not None and row.team_channel == NEW
    assert f"<#{NEW}>" in said(command(box, OWNER, "settings"))


# ---- time zones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone", ["localtime", "Factory", "posixrules", "posix/Europe/Berlin", "Etc/GMT+5", "US/Eastern", "Europe"]
)
def test_a_zone_that_is_not_an_area_and_location_is_refused(box: Sandbox, zone: str) -> None:
    errors = save(box, ADMIN, timezone=zone)
    assert errors == {"timezone": f"Unknown time zone '{zone}'. Use a name like Europe/Berlin."}
    assert stored(box) is None


@pytest.mark.parametrize("zone", ["America/Argentina/Salta", "Pacific/Auckland", "UTC"])
def test_area_and_location_zones_and_utc_are_saved(box: Sandbox, zone: str) -> None:
    assert save(box, ADMIN, timezone=zone) == {}
    row = stored(box)
    assert row is not None and row.timezone == zone
