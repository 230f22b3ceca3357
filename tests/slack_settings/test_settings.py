"""`/team settings` through the sandbox: who sees, who changes, what is stored, and what a stored
minimum then does to a time-off request's approval message."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rosterbot.domain.dates import format_day
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.slack.metadata import FormMetadata, Sealer, key_of
from rosterbot.store import workspace
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest
from support import assert_in_progress

from .conftest import (
    ADMIN,
    COLORIST,
    GUEST,
    OWNER,
    SAM,
    SENIOR_STYLIST,
    STYLIST,
    TARA,
    TEAM,
    WAIT,
    audit_rows,
    command,
    field,
    said,
    settings_form,
    settled_modal,
    stored,
    texts,
)


def button_ids(blocks: Any) -> list[str]:
    return [
        element["action_id"]
        for block in blocks or []
        for element in block.get("elements") or []
        if element.get("type") == "button"
    ]


def requests(box: Sandbox) -> list[TimeOffRequest]:
    with session_scope(box.services.session_factory) as session:
        rows = list(session.query(TimeOffRequest))
        session.expunge_all()
        return rows


# Days ahead on which Sam is never out already: the demo business seeds his vacation for next
# Monday to Wednesday (UTC, which in Berlin reaches into Thursday), at most ten days from today.
CLEAR_AHEAD = 14

def test_staff_see_the_settings_but_cannot_change_them(box: Sandbox) -> None:
    shown = command(box, SAM, "settings")
    text = said(shown)
    assert f"<#{TEAM_CHANNEL_ID}>" in text and f"<#{APPROVALS_CHANNEL_ID}>" in text
    assert "Europe/Berlin" in text and "08:30" in text
    assert "Senior Stylist: _no minimum_" in text
    assert button_ids(shown.blocks) == []  # no "Change settings" for staff

    # The form refuses them, naming the role it needs.
    box.slack.command(SAM, "/team", "settings edit")
    refused = settled_modal(box, SAM)
    assert "owner or admin" in texts(refused["blocks"]) and refused["callback_id"] != "settings_edit"

    # A form sent by hand (an old one, or crafted, its metadata sealed for Sam as the app seals it)
    # is refused by the service too: nothing stored.
    form = settings_form(box, ADMIN)
    sam = Sealer(key_of(box.settings), box.slack.team_id, SAM)
    sealed = sam.seal(FormMetadata(channel_id=TEAM_CHANNEL_ID))
    values = field(timezone="Europe/Paris", minimum_1="3")
    reply = box.slack.submit_view(SAM, form, values, private_metadata=sealed)
    assert_in_progress(reply)
    assert box.work_pool.wait_idle(WAIT)
    refilled = box.slack_state.view(form["id"])  # the form back, saying why
    assert refilled is not None and refilled["callback_id"] == "settings_edit"
    assert "owner or admin" in texts(refilled)
    assert stored(box) is None
    assert audit_rows(box) == [("denied", SAM, "staff")]


def test_an_unlinked_user_is_told_how_to_get_linked(box: Sandbox) -> None:
    text = said(command(box, GUEST, "settings"))
    assert "link" in text.casefold() and "Europe/Berlin" not in text


def test_an_admin_changes_channels_zone_digest_time_and_minimums(box: Sandbox) -> None:
    # Channels the bot is in (a channel it is not in is refused: test_settings_name_what_exists).
    box.slack_state.add_channel("C0NEWTEAM", "new-team")
    box.slack_state.add_channel("C0NEWAPPR", "new-approvals")
    shown = command(box, ADMIN, "settings")
    assert button_ids(shown.blocks) == ["settings_open"]

    # "Change settings" opens the form with the values in effect.
    message = {"ts": box.slack_state.next_ts(), "blocks": shown.blocks}
    box.slack.click(ADMIN, "settings_open", message=message, channel=TEAM_CHANNEL_ID)
    form = settled_modal(box, ADMIN)
    assert form["callback_id"] == "settings_edit"
    elements = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert elements["team_channel"]["type"] == "conversations_select"
    assert elements["team_channel"]["initial_conversation"] == TEAM_CHANNEL_ID
    assert elements["approvals_channel"]["initial_conversation"] == APPROVALS_CHANNEL_ID
    assert elements["timezone"]["initial_value"] == "Europe/Berlin"
    assert elements["digest_time"] == elements["digest_time"] | {
        "type": "timepicker",
        "initial_time": "08:30",
    }
    assert elements[f"minimum_{SENIOR_STYLIST}"]["type"] == "number_input"
    assert len([k for k in elements if k.startswith("minimum_")]) == 4

    values = field(
        team_channel="C0NEWTEAM",
        approvals_channel="C0NEWAPPR",
        timezone="America/New_York",
        digest_time="07:15",
        minimum_1="2",
        minimum_3="1",
    )
    reply = box.slack.submit_view(ADMIN, "settings_edit", values)
    assert_in_progress(reply)  # no errors: "Saving…", then the outcome

    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=ADMIN)), timeout=WAIT)
    told = box.slack_state.ephemerals(user=ADMIN)[-1]
    told_text = told.text + texts(told.blocks)
    assert "<#C0NEWTEAM>" in told_text and "America/New_York" in told_text and "07:15" in told_text
    assert "Minimum Senior Stylist" in told_text and "Minimum Colorist" in told_text
    assert "Minimum Stylist" not in told_text  # left empty, as it was: not a change

    row = stored(box)
    assert row is not None
    assert (row.team_channel, row.approvals_channel, row.timezone) == (
        "C0NEWTEAM",
        "C0NEWAPPR",
        "America/New_York",
    )
    assert row.digest_time == time(7, 15)
    assert row.coverage_minimums == {str(SENIOR_STYLIST): 2, str(COLORIST): 1}
    assert audit_rows(box) == [("allowed", ADMIN, "admin")]

    # Everyone now reads the new settings; clearing a minimum removes it.
    again = said(command(box, TARA, "settings"))
    assert "<#C0NEWTEAM>" in again and "America/New_York" in again and "Senior Stylist: 2" in again
    settings_form(box, OWNER)
    # (Slack sends what the inputs hold; the stand-in sends an input not given empty)
    kept = field(timezone="America/New_York", minimum_1="", minimum_3="1")
    box.slack.submit_view(OWNER, "settings_edit", kept)
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=OWNER)), timeout=WAIT)
    row = stored(box)
    assert row is not None and row.coverage_minimums == {str(COLORIST): 1}
    assert row.team_channel == "C0NEWTEAM"  # not in the submission: kept


def test_a_bad_zone_and_a_negative_minimum_are_answered_in_the_form_and_nothing_is_stored(
    box: Sandbox,
) -> None:
    settings_form(box, ADMIN)
    reply = box.slack.submit_view(
        ADMIN, "settings_edit", field(timezone="Mars/Base", digest_time="09:00", minimum_2="-1")
    )
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"]["timezone"] == "Unknown time zone 'Mars/Base'. Use a name like Europe/Berlin."
    assert f"minimum_{STYLIST}" in answer["errors"] and "0 to 50" in answer["errors"][f"minimum_{STYLIST}"]
    assert stored(box) is None and audit_rows(box) == []

    too_many = box.slack.submit_view(ADMIN, "settings_edit", field(timezone="UTC", minimum_2="51"))
    assert list(too_many.json()["errors"]) == [f"minimum_{STYLIST}"]
    assert stored(box) is None
    assert box.slack_state.open_views(ADMIN)[-1]["callback_id"] == "settings_edit"  # still open


def test_a_minimum_set_in_slack_warns_the_approvers_of_a_request_that_goes_below_it(box: Sandbox) -> None:
    assert box.seed_demo_positions() > 0  # Sam and Tara are the two Senior Stylists
    settings_form(box, ADMIN)
    reply = box.slack.submit_view(ADMIN, "settings_edit", field(timezone="Europe/Berlin", minimum_1="2"))
    assert_in_progress(reply)
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=ADMIN)), timeout=WAIT)

    day = (datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=CLEAR_AHEAD)).isoformat()
    box.slack.command(SAM, "/timeoff")
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_request" for v in s.open_views(SAM)), timeout=WAIT
    )
    values = {"starts_on": {"timeoff_field": day}, "all_day": {"timeoff_field": "all_day"}}
    assert box.slack.submit_view(SAM, "timeoff_request", values).status_code == 200

    assert box.slack_state.wait_for(lambda s: len(requests(box)) == 1, timeout=WAIT)
    outbox = box.services.outbox
    assert outbox is not None
    while outbox.deliver_due():
        pass
    posted = box.slack_state.messages(APPROVALS_CHANNEL_ID)
    assert len(posted) == 1
    shown = texts(posted[0]["blocks"])
    assert "Sam Stone" in shown
    moment = datetime.fromisoformat(day).date()
    assert f"only 1 Senior Stylist left on {format_day(moment)} (minimum 2)" in shown


def test_without_a_minimum_the_approval_message_has_no_warning(box: Sandbox) -> None:
    """The warning above comes from the setting: the same request without it has none."""
    box.seed_demo_positions()
    with session_scope(box.services.session_factory) as session:
        assert workspace.get(session, TEAM) is None
    day = (datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=CLEAR_AHEAD)).isoformat()
    box.slack.command(SAM, "/timeoff")
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_request" for v in s.open_views(SAM)), timeout=WAIT
    )
    values = {"starts_on": {"timeoff_field": day}, "all_day": {"timeoff_field": "all_day"}}
    box.slack.submit_view(SAM, "timeoff_request", values)
    outbox = box.services.outbox
    assert outbox is not None
    assert box.slack_state.wait_for(lambda s: len(requests(box)) == 1, timeout=WAIT)
    while outbox.deliver_due():
        pass
    posted = box.slack_state.messages(APPROVALS_CHANNEL_ID)
    assert len(posted) == 1 and "Senior Stylist left" not in texts(posted[0]["blocks"])


def test_team_help_lists_settings(box: Sandbox) -> None:
    assert "/team settings" in said(command(box, OWNER, "help"))
