"""Time off through Slack: the request form, the approvals message, Approve and Deny, cancelling,
and what the worker then sends and does in the business calendar."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from rosterbot.domain.dates import format_day
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.store import positions, workspace
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope

from .conftest import (
    AARON,
    ADMIN,
    ADMIN2,
    OWNER,
    SAM,
    SAM_ID,
    SENIOR_STYLIST,
    TARA,
    TARA_ID,
    WAIT,
    action_ids,
    approval_messages,
    assert_sending,
    click,
    click_in_list,
    command,
    day,
    deliver,
    dms,
    file_request,
    form_values,
    our_blocks,
    posted_approval,
    request_form,
    said,
    stored,
    stored_after,
    texts,
    today,
)


def test_a_request_filed_in_the_modal_is_approved_into_the_calendar_and_everyone_is_told(
    box: Sandbox,
) -> None:
    with session_scope(box.services.session_factory) as session:
        positions.assign(session, SAM_ID, SENIOR_STYLIST, assigned_by="test")
        positions.assign(session, TARA_ID, SENIOR_STYLIST, assigned_by="test")
        workspace.save(session, "T0DEMO", coverage_minimums={str(SENIOR_STYLIST): 2})

    form = request_form(box, SAM)
    assert [b.get("block_id") for b in form["blocks"] if b["type"] == "input"] == [
        "leave_type",
        "starts_on",
        "ends_on",
        "all_day",
        "start_time",
        "end_time",
        "reason",
    ]  # staff: no "For" select
    row = file_request(box, SAM, starts_on=day(15), ends_on=day(16), reason="Family wedding")

    # Stored pending before anything else, and the requester is told it waits for approval.
    assert (row.status, row.member_id, row.reason) == ("pending", SAM_ID, "Family wedding")
    assert (row.starts_on.isoformat(), row.ends_on.isoformat(), row.all_day) == (day(15), day(16), True)
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=SAM)), timeout=WAIT)
    confirmation = box.slack_state.ephemerals(user=SAM)[0]
    assert f"#{row.id}" in confirmation.text and "waiting for approval" in confirmation.text
    assert approval_messages(box) == []  # the worker posts it

    message = posted_approval(box, row.id)
    shown = texts(message["blocks"])
    assert "Sam Stone" in shown and "Family wedding" in shown
    view = box.services.timeoff.view(row.id)
    assert view.period in shown
    for moment in view.days:
        assert f"only 1 Senior Stylist left on {format_day(moment)} (minimum 2)" in shown
    assert action_ids(message["blocks"]) == ["timeoff_approve", "timeoff_deny"]

    told = click(box, ADMIN, "timeoff_approve", message)
    assert "Approved Sam Stone's time off" in told
    assert stored(box)[-1].status == "approved"

    deliver(box)
    blocks = our_blocks(box)
    assert len(blocks) == 1 and f"(rosterbot #{row.id})" in blocks[0].name and blocks[0].all_day
    assert stored(box)[-1].blocked_time_id == blocks[0].id
    dm = dms(box, SAM)
    assert len(dm) == 1 and "approved by Aaron Adams" in dm[0]["text"]
    team = box.slack_state.messages(TEAM_CHANNEL_ID)
    assert len(team) == 1 and "Sam Stone will be away" in team[0]["text"]
    # Vacation shows its reasons to the team (a type with private reasons does not: test_leave.py)
    assert "Family wedding" in texts(team[0]["blocks"])
    edited = box.slack_state.message(APPROVALS_CHANNEL_ID, message["ts"])
    assert edited is not None and "edited" in edited
    assert "Approved by *Aaron Adams*" in texts(edited["blocks"]) and "In the calendar" in texts(
        edited["blocks"]
    )
    assert action_ids(edited["blocks"]) == []  # no more buttons
    assert len(approval_messages(box)) == 1  # edited, never posted again


def test_deny_asks_for_a_reason_then_the_member_reads_it(box: Sandbox) -> None:
    row = file_request(box, SAM, starts_on=day(5))
    message = posted_approval(box, row.id)

    box.slack.click(OWNER, "timeoff_deny", message=message)
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_deny" for v in s.open_views(OWNER)), timeout=WAIT
    )
    empty = box.slack.submit_view(OWNER, "timeoff_deny", {"note": {"timeoff_field": ""}})
    assert empty.json() == {
        "response_action": "errors",
        "errors": {"note": "Give a reason: the member reads it."},
    }
    assert stored(box)[-1].status == "pending"

    done = box.slack.submit_view(OWNER, "timeoff_deny", {"note": {"timeoff_field": "Short-staffed that day"}})
    assert done.json()["response_action"] == "update"  # "Recording…", then the outcome in the modal
    assert box.slack_state.wait_for(
        lambda s: any("Denied" in json.dumps(v) for v in s.open_views(OWNER)), timeout=WAIT
    )
    row = stored(box)[-1]
    assert (row.status, row.decision_note) == ("denied", "Short-staffed that day")

    deliver(box)
    assert our_blocks(box) == []
    dm = dms(box, SAM)
    assert len(dm) == 1 and "denied by Olivia Owens" in dm[0]["text"] and "Short-staffed" in dm[0]["text"]
    edited = box.slack_state.message(APPROVALS_CHANNEL_ID, message["ts"])
    assert edited is not None and "Denied by *Olivia Owens*" in texts(edited["blocks"])
    assert box.slack_state.messages(TEAM_CHANNEL_ID) == []


def test_two_approvers_clicking_at_once_make_one_decision_and_the_other_is_told_who(box: Sandbox) -> None:
    row = file_request(box, SAM, starts_on=day(4))
    message = posted_approval(box, row.id)
    before = len(box.slack_state.responses)
    go = threading.Barrier(2)

    def approve(user: str) -> None:
        go.wait()
        box.slack.click(user, "timeoff_approve", message=message)

    threads = [threading.Thread(target=approve, args=(user,)) for user in (ADMIN, OWNER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert box.slack_state.wait_for(lambda s: len(s.responses) >= before + 2, timeout=WAIT)
    answers = {r.user: said(r) for r in box.slack_state.responses[before:]}

    row = stored(box)[-1]
    winner = "Aaron Adams" if row.decided_by_member_id == AARON else "Olivia Owens"
    loser = OWNER if winner == "Aaron Adams" else ADMIN
    assert row.status == "approved"
    assert f"{winner} already approved this" in answers[loser]
    assert "Approved Sam Stone's time off" in answers[ADMIN if loser == OWNER else OWNER]
    deliver(box)
    assert len(our_blocks(box)) == 1
    assert len(dms(box, SAM)) == 1


def test_with_the_api_down_after_approval_the_request_stays_approved_and_completes_when_it_returns(
    box: Sandbox,
) -> None:
    row = file_request(box, SAM, starts_on=day(6))
    other = file_request(box, TARA, starts_on=day(9))
    message = posted_approval(box, row.id)
    other_message = posted_approval(box, other.id)
    assert "Approved" in click(box, ADMIN, "timeoff_approve", message)

    box.api_state.down(True)
    assert box.services.outbox is not None
    box.services.outbox.deliver_due()  # the calendar write fails: retried later, nothing lost
    assert our_blocks(box) == []
    assert stored(box)[0].status == "approved" and stored(box)[0].blocked_time_id is None
    assert dms(box, SAM) == [] and box.slack_state.messages(TEAM_CHANNEL_ID) == []

    # While the API is down, an approver's click is answered, and nothing changes.
    told = click(box, ADMIN2, "timeoff_approve", other_message)
    assert "not answering right now" in told
    assert stored(box)[1].status == "pending"

    box.api_state.down(False)
    deliver(box)
    blocks = our_blocks(box)
    assert [b.employee_id for b in blocks] == [SAM_ID]
    assert stored(box)[0].blocked_time_id == blocks[0].id
    assert len(dms(box, SAM)) == 1 and "approved" in dms(box, SAM)[0]["text"]
    assert len(box.slack_state.messages(TEAM_CHANNEL_ID)) == 1
    assert stored(box)[1].status == "pending"


def test_a_pending_request_cancelled_from_the_list_is_cancelled_and_its_approval_message_says_so(
    box: Sandbox,
) -> None:
    row = file_request(box, SAM, starts_on=day(3))
    message = posted_approval(box, row.id)

    listed = command(box, SAM, "/timeoff", "list")
    assert f"#{row.id}" in said(listed) and "Waiting for approval" in said(listed)
    refreshed = click_in_list(box, SAM, "timeoff_cancel", listed)
    assert refreshed.replace_original and "Cancelled Sam Stone's time off" in said(refreshed)
    assert "timeoff_cancel" not in action_ids(refreshed.blocks)
    assert stored(box)[-1].status == "cancelled"

    deliver(box)
    edited = box.slack_state.message(APPROVALS_CHANNEL_ID, message["ts"])
    assert edited is not None and "Cancelled" in texts(edited["blocks"])
    assert action_ids(edited["blocks"]) == []
    assert our_blocks(box) == []


def test_approved_future_time_off_cancelled_by_an_admin_leaves_the_calendar(box: Sandbox) -> None:
    row = file_request(box, SAM, starts_on=day(10), ends_on=day(12))
    click(box, OWNER, "timeoff_approve", posted_approval(box, row.id))
    deliver(box)
    assert len(our_blocks(box)) == 1
    team_post = box.slack_state.messages(TEAM_CHANNEL_ID)[0]

    # Staff cannot cancel approved time off; the message says who can.
    refused = command(box, SAM, "/timeoff", f"cancel {row.id}")
    assert "ask an owner or admin" in said(refused)
    assert stored(box)[-1].status == "approved"

    done = command(box, ADMIN, "/timeoff", f"cancel #{row.id}")
    assert "Cancelled Sam Stone's time off" in said(done)
    deliver(box)
    assert our_blocks(box) == []
    assert stored(box)[-1].status == "cancelled"
    after = box.slack_state.message(TEAM_CHANNEL_ID, team_post["ts"])
    assert after is not None and "Cancelled" in texts(after["blocks"])
    assert "cancelled by <@U0ADMIN01>" in dms(box, SAM)[-1]["text"]


def test_an_admin_cannot_approve_their_own_time_off(box: Sandbox) -> None:
    row = file_request(box, ADMIN, starts_on=day(5))
    message = posted_approval(box, row.id)
    told = click(box, ADMIN, "timeoff_approve", message)
    assert "Only an owner can approve or deny their own time off" in told
    assert stored(box)[-1].status == "pending"
    # Another admin may.
    assert "Approved Aaron Adams's time off" in click(box, ADMIN2, "timeoff_approve", message)


def test_an_admin_asks_for_time_off_for_another_member_with_the_for_select(box: Sandbox) -> None:
    form = request_form(box, ADMIN)
    member_input = next(b for b in form["blocks"] if b.get("block_id") == "member")
    options = {o["value"]: o["text"]["text"] for o in member_input["element"]["options"]}
    assert options[str(TARA_ID)] == "Tara Singh (staff)"
    assert member_input["element"]["initial_option"]["value"] == str(AARON)

    before = len(stored(box))
    reply = box.slack.submit_view(ADMIN, "timeoff_request", form_values(day(2), member=TARA_ID))
    assert_sending(reply)
    row = stored_after(box, before)
    assert (row.member_id, row.requested_by_member_id) == (TARA_ID, AARON)
    message = posted_approval(box, row.id)
    assert "Tara Singh" in texts(message["blocks"]) and "asked by <@U0ADMIN01>" in texts(message["blocks"])


def test_bad_form_input_is_shown_under_the_inputs_and_nothing_is_stored(box: Sandbox) -> None:
    request_form(box, SAM)
    backwards = box.slack.submit_view(SAM, "timeoff_request", form_values(day(5), day(3)))
    assert backwards.json() == {
        "response_action": "errors",
        "errors": {"ends_on": "The last day can't be before the first day."},
    }
    no_times = box.slack.submit_view(SAM, "timeoff_request", form_values(day(5), part_day=True))
    assert set(no_times.json()["errors"]) == {"start_time", "end_time"}
    wrong_way = box.slack.submit_view(
        SAM, "timeoff_request", form_values(day(5), part_day=True, start_time="15:00", end_time="09:00")
    )
    assert wrong_way.json()["errors"] == {"end_time": "The end time must be after the start time."}
    past = box.slack.submit_view(
        SAM, "timeoff_request", form_values((today() - timedelta(days=1)).isoformat())
    )
    assert past.json()["errors"] == {"starts_on": "That date has already passed."}
    no_day = box.slack.submit_view(SAM, "timeoff_request", form_values(""))
    assert no_day.json()["errors"] == {"starts_on": "Choose the first day."}
    timed = box.slack.submit_view(SAM, "timeoff_request", form_values(day(5), start_time="09:00"))
    assert timed.json()["errors"] == {
        "start_time": "Choose “From – to” to give times, or clear them for all day."
    }
    assert stored(box) == []
    assert any(v["callback_id"] == "timeoff_request" for v in box.slack_state.open_views(SAM))

    # Corrected, the same form goes through: part of a day.
    fixed = box.slack.submit_view(
        SAM, "timeoff_request", form_values(day(5), part_day=True, start_time="09:00", end_time="13:00")
    )
    assert_sending(fixed)
    row = stored_after(box, 0)
    assert (row.all_day, str(row.start_time), str(row.end_time)) == (False, "09:00:00", "13:00:00")


def test_pending_lists_the_queue_for_approvers_and_refuses_staff(box: Sandbox) -> None:
    first = file_request(box, SAM, starts_on=day(3))
    second = file_request(box, TARA, starts_on=day(4))
    queue = command(box, ADMIN, "/timeoff", "pending")
    text = said(queue)
    assert text.index(f"#{first.id}") < text.index(f"#{second.id}")
    assert action_ids(queue.blocks).count("timeoff_approve") == 2

    refreshed = click_in_list(box, ADMIN, "timeoff_approve", queue, block_id=f"timeoff_decide_{first.id}")
    assert refreshed.replace_original and "Approved Sam Stone's time off" in said(refreshed)
    assert action_ids(refreshed.blocks).count("timeoff_approve") == 1
    assert stored(box)[0].status == requests.APPROVED

    refused = command(box, SAM, "/timeoff", "pending")
    assert "Only an owner or admin can approve or deny time-off requests" in said(refused)


def test_help_and_unknown_subcommands(box: Sandbox) -> None:
    helped = said(command(box, SAM, "/timeoff", "help"))
    assert "/timeoff cancel <request id>" in helped and "/timeoff pending" in helped
    unknown = said(command(box, SAM, "/timeoff", "holiday"))
    assert "I don't know `/timeoff holiday`" in unknown and "/timeoff list" in unknown
    assert "Give its number" in said(command(box, SAM, "/timeoff", "cancel soon"))


def test_an_unlinked_user_is_told_how_to_get_linked(box: Sandbox) -> None:
    box.slack.command("U0GUEST01", "/timeoff")
    assert box.slack_state.wait_for(
        lambda s: any("not linked" in texts(v["blocks"]) for v in s.open_views("U0GUEST01")), timeout=WAIT
    )
    assert "not linked" in said(command(box, "U0GUEST01", "/timeoff", "list"))
    assert stored(box) == []
