"""Leave through Slack: the request form's type and estimate, what the approval post and
`/timeoff balance` say (and that they agree), a type that needs no approval, a request that would go
below zero, `/timeoff types` and its form, and the App Home's balance.

Requests go in the leave year after today's (a business open every day, so counts do not depend
on the weekday), which starts on 1 January: nothing depends on where in the year today falls."""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import threading
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest

from rosterbot.domain.dates import format_day
from rosterbot.domain.leave import public_holidays
from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.values import state_values
from rosterbot.sandbox import Sandbox
from rosterbot.store import leave as leave_store
from rosterbot.store.db import session_scope
from rosterbot.store.models import LeaveType
from support import refused_fields

from .conftest import (
    ADMIN,
    SAM,
    SAM_ID,
    TARA,
    TARA_ID,
    WAIT,
    action_ids,
    approval_messages,
    assert_sending,
    click,
    command,
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

TEAM = "T0DEMO"


def open_every_day(box: Sandbox, **settings: Any) -> None:
    with session_scope(box.services.session_factory) as session:
        leave_store.save_settings(session, TEAM, working_weekdays="0123456", **settings)


def next_year() -> int:
    return today().year + 1


def in_next_year(month: int, day_: int) -> str:
    return date(next_year(), month, day_).isoformat()


def type_id(box: Sandbox, name: str) -> int:
    return next(t.id for t in box.services.leave.types_of(TEAM) if t.name == name)


def estimate_of(view: dict[str, Any]) -> str:
    return texts([b for b in view["blocks"] if b.get("block_id") == "timeoff_estimate"])


def test_the_form_offers_the_types_and_says_what_the_days_use(box: Sandbox) -> None:
    open_every_day(box)
    form = request_form(box, SAM)
    [type_input] = [b for b in form["blocks"] if b.get("block_id") == "leave_type"]
    options = [o["text"]["text"] for o in type_input["element"]["options"]]
    assert options == [
        ":palm_tree: Vacation",
        ":face_with_thermometer: Sick leave",
        ":money_with_wings: Unpaid",
    ]
    assert "You have *20 days* left in" in estimate_of(form)

    # Sam picks 10–12 March next year: the form says what that uses, keeping what he chose.
    shown = copy.deepcopy(form)
    chosen = form_values(in_next_year(3, 10), in_next_year(3, 12))
    shown["state"] = {"values": state_values(shown["blocks"], chosen)}
    updates = len(box.slack_state.calls_to("views.update"))
    reply = box.slack.click(SAM, "timeoff_field", in_next_year(3, 12), view=shown, block_id="ends_on")
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.update")) > updates, timeout=WAIT)
    updated = box.slack_state.view(form["id"])
    assert updated is not None
    assert f"Uses 3 of your 20 remaining days ({next_year()}): 17 days left after it." in estimate_of(updated)
    assert [b.get("block_id") for b in updated["blocks"]] == [b.get("block_id") for b in form["blocks"]]


def test_the_confirmation_the_approval_post_and_the_balance_agree(box: Sandbox) -> None:
    open_every_day(box)
    row = file_request(box, SAM, starts_on=in_next_year(3, 10), ends_on=in_next_year(3, 12), reason="Skiing")
    assert row.leave_type_id == type_id(box, "Vacation")
    uses = f"Uses 3 of your 20 remaining days ({next_year()}): 17 days left after it."
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=SAM)), timeout=WAIT)
    assert uses in box.slack_state.ephemerals(user=SAM)[0].text

    post = texts(posted_approval(box, row.id)["blocks"])
    assert "*Balance*" in post
    assert f"Uses 3 of Sam Stone's 20 remaining days ({next_year()}): 17 days left after it." in post
    assert ":palm_tree: Vacation" in post

    mine = said(command(box, SAM, "/timeoff", f"balance {next_year()}"))
    assert "*17 days* left" in mine and "pending 3" in mine and "booked 0" in mine
    # The approver sees the same figures for Sam
    theirs = said(command(box, ADMIN, "/timeoff", f"balance #{SAM_ID} {next_year()}"))
    assert "Sam Stone" in theirs and "*17 days* left" in theirs and "pending 3" in theirs

    told = click(box, ADMIN, "timeoff_approve", posted_approval(box, row.id))
    assert "Approved Sam Stone's time off" in told
    deliver(box)
    assert [b.name for b in our_blocks(box)] == [f"Vacation (rosterbot #{row.id})"]
    after = said(command(box, SAM, "/timeoff", f"balance {next_year()}"))
    assert "*17 days* left" in after and "booked 3" in after and "pending 0" in after


def test_a_request_over_a_public_holiday_counts_one_day_less(box: Sandbox) -> None:
    open_every_day(box, holiday_country="DE")
    unity = date(next_year(), 10, 3)
    assert public_holidays("DE", None, unity, unity) == {unity: "German Unity Day"}
    row = file_request(box, SAM, starts_on=in_next_year(10, 2), ends_on=in_next_year(10, 4))
    post = texts(posted_approval(box, row.id)["blocks"])
    assert f"Uses 2 of Sam Stone's 20 remaining days ({next_year()})" in post
    assert f"Not counted: {format_day(unity)} 🎉 German Unity Day." in post


def test_sick_leave_is_recorded_at_once_and_the_approvers_are_told(box: Sandbox) -> None:
    sick = type_id(box, "Sick leave")
    start = (today() + timedelta(days=2)).isoformat()
    row = file_request(box, SAM, starts_on=start, reason="Flu", leave_type=sick)
    assert (row.status, row.leave_type_id, row.decided_by_member_id) == ("approved", sick, SAM_ID)
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=SAM)), timeout=WAIT)
    confirmation = box.slack_state.ephemerals(user=SAM)[0].text
    assert f"Sick leave #{row.id} recorded" in confirmation and "needs no approval" in confirmation

    deliver(box)
    [post] = [m for m in approval_messages(box) if f"#{row.id}" in m["text"]]
    shown = texts(post["blocks"])
    assert "Recorded at once: Sick leave needs no approval." in shown and "Flu" in shown
    assert action_ids(post["blocks"]) == []  # nothing to decide
    assert [b.name for b in our_blocks(box)] == [f"Sick leave (rosterbot #{row.id})"]
    [team_post] = box.slack_state.messages(TEAM_CHANNEL_ID)
    assert "Sam Stone will be away" in team_post["text"]
    assert "Flu" not in texts(team_post["blocks"])  # a sick day's reason stays with the approvers
    assert any("is recorded" in m["text"] for m in dms(box, SAM))


def test_going_below_zero_is_refused_or_warned_as_the_business_chooses(box: Sandbox) -> None:
    open_every_day(box, allowance_days=2, below_zero="refuse")
    request_form(box, SAM)
    before = len(stored(box))
    reply = box.slack.submit_view(
        SAM, "timeoff_request", form_values(in_next_year(3, 10), in_next_year(3, 12))
    )
    assert_sending(reply)
    assert box.work_pool.wait_idle(5.0)
    assert len(stored(box)) == before  # nothing stored
    refilled = box.slack_state.open_views(SAM)[-1]
    assert refused_fields(refilled)["leave_type"].startswith(
        f"That is 1 day more than remain ({next_year()})."
    )

    with session_scope(box.services.session_factory) as session:
        leave_store.save_settings(session, TEAM, below_zero="warn")
    row = file_request(box, SAM, starts_on=in_next_year(3, 10), ends_on=in_next_year(3, 12))
    post = texts(posted_approval(box, row.id)["blocks"])
    assert f":warning: That is 1 day more than remain ({next_year()})." in post


def test_two_requests_sent_at_once_cannot_both_use_the_last_days(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sam asks for his last two days while an admin, at the same moment, asks for two other days
    for him: one request is stored, the other form is put back with the shortfall. Each balance
    check waits (up to 2 s) for the other to reach it too, so without the per-member lock both
    pass it before either is stored."""
    open_every_day(box, allowance_days=2, below_zero="refuse")
    forms = {SAM: request_form(box, SAM), ADMIN: request_form(box, ADMIN)}
    values = {
        SAM: form_values(in_next_year(3, 10), in_next_year(3, 11)),
        ADMIN: form_values(in_next_year(4, 14), in_next_year(4, 15), member=SAM_ID),
    }
    both_checking = threading.Barrier(2, timeout=2.0)
    real_use_of = box.services.leave.use_of

    def use_of(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checking.wait()
        return real_use_of(*args, **kwargs)

    monkeypatch.setattr(box.services.leave, "use_of", use_of)
    before = len(stored(box))
    senders = [
        threading.Thread(target=box.slack.submit_view, args=(user, form, values[user]))
        for user, form in forms.items()
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(10)
    assert box.work_pool.wait_idle(10.0)

    assert len(stored(box)) == before + 1
    refused = [refused_fields(box.slack_state.view(form["id"]) or {}) for form in forms.values()]
    assert [r["leave_type"] for r in refused if "leave_type" in r] == [
        f"That is 2 days more than remain ({next_year()}). Ask for fewer days, or choose another leave type."
    ]


def test_only_owners_and_admins_see_another_member_s_balance(box: Sandbox) -> None:
    refused = said(command(box, SAM, "/timeoff", f"balance #{TARA_ID}"))
    assert "Only an owner or admin can see other members' leave balances." in refused
    own = said(command(box, SAM, "/timeoff", "balance"))
    assert "Your balance" in own and "*20 days* left" in own


def test_leave_types_are_listed_and_owners_and_admins_add_them_in_a_form(box: Sandbox) -> None:
    staff_view = command(box, SAM, "/timeoff", "types")
    assert "Vacation" in said(staff_view) and action_ids(staff_view.blocks) == []

    listed = command(box, ADMIN, "/timeoff", "types")
    assert action_ids(listed.blocks) == ["leave_type_edit"] * 3 + ["leave_type_add"]
    opened = len(box.slack_state.calls_to("views.open"))
    message = {"ts": box.slack_state.next_ts(), "blocks": listed.blocks}
    box.slack.click(ADMIN, "leave_type_add", message=message, channel=TEAM_CHANNEL_ID)
    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.open")) > opened, timeout=WAIT)

    bad = box.slack.submit_view(ADMIN, "leave_type_form", {"type_name": {"leave_field": "Vacation"}})
    assert (
        bad.status_code == 200 and bad.json()["response_action"] == "update"
    )  # the service refuses it after
    assert box.work_pool.wait_idle(5.0)
    assert "There is already a leave type called Vacation." in texts(
        box.slack_state.open_views(ADMIN)[-1]["blocks"]
    )

    reply = box.slack.submit_view(
        ADMIN,
        "leave_type_form",
        {
            "type_name": {"leave_field": "Training"},
            "type_emoji": {"leave_field": "books"},
            "type_flags": {"leave_field": ["needs_approval"]},
        },
    )
    assert reply.status_code == 200
    assert box.work_pool.wait_idle(5.0)
    with session_scope(box.services.session_factory) as session:
        row = session.query(LeaveType).filter_by(name="Training").one()
        assert (row.emoji, row.counts, row.needs_approval, row.reason_private) == (
            ":books:",
            False,
            True,
            False,
        )


def test_the_home_shows_the_viewer_s_balance(box: Sandbox) -> None:
    published = len(box.slack_state.calls_to("views.publish"))
    box.slack.home_opened(SAM)
    assert box.slack_state.wait_for(lambda s: len(s.calls_to("views.publish")) > published, timeout=WAIT)
    home = box.slack_state.home(SAM)
    assert home is not None and "*Your leave* · *20 days* left in" in texts(home["blocks"])


def test_an_approver_s_request_for_someone_else_says_whose_days(box: Sandbox) -> None:
    open_every_day(box)
    request_form(box, ADMIN)
    before = len(stored(box))
    values = form_values(in_next_year(4, 1), in_next_year(4, 2), member=TARA_ID)
    assert_sending(box.slack.submit_view(ADMIN, "timeoff_request", values))
    row = stored_after(box, before)
    assert row.member_id == TARA_ID
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=ADMIN)), timeout=WAIT)
    assert "Uses 2 of Tara Singh's 20 remaining days" in box.slack_state.ephemerals(user=ADMIN)[0].text


def test_closed_days_and_holidays_show_in_availability(box: Sandbox) -> None:
    closed = today() + timedelta(days=2)
    refused = said(command(box, SAM, "/timeoff", f"closed add {closed.isoformat()} Stocktake"))
    assert "Only an owner or admin can add or remove closed days." in refused
    added = said(command(box, ADMIN, "/timeoff", f"closed add {closed.isoformat()} Stocktake & inventory"))
    assert f"Closed {format_day(closed)}" in added
    listed = said(command(box, SAM, "/timeoff", "closed"))
    assert f"{format_day(closed)}: Stocktake &amp; inventory" in listed

    week = said(command(box, SAM, "/availability", "week"))
    assert f"– = the business is closed: {format_day(closed)}: 🚪 Closed: Stocktake &amp; inventory" in week
    one_day = said(command(box, SAM, "/availability", closed.isoformat()))
    assert "🚪 Closed: Stocktake &amp; inventory: the business is closed." in one_day

    opened = said(command(box, ADMIN, "/timeoff", f"closed remove {closed.isoformat()}"))
    assert "Opened 1 closed day again." in opened
    assert "the business is closed" not in said(command(box, SAM, "/availability", closed.isoformat()))

    open_every_day(box, holiday_country="DE")
    christmas = date(next_year(), 12, 25)
    holiday = said(command(box, SAM, "/availability", christmas.isoformat()))
    assert "🎉 Christmas Day: the business is closed." in holiday


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_report_is_two_csv_files_whose_totals_match_the_balances(box: Sandbox) -> None:
    open_every_day(box, holiday_country="DE")
    year = next_year()
    sick = type_id(box, "Sick leave")
    approved = file_request(
        box, SAM, starts_on=in_next_year(3, 10), ends_on=in_next_year(3, 12), reason="Ski"
    )
    click(box, ADMIN, "timeoff_approve", posted_approval(box, approved.id))
    file_request(box, SAM, starts_on=in_next_year(10, 2), ends_on=in_next_year(10, 5))  # Unity Day in it
    file_request(box, TARA, starts_on=in_next_year(6, 1), ends_on=in_next_year(6, 1), part_day=True,
                 start_time="09:00", end_time="13:00")  # fmt: skip
    file_request(box, SAM, starts_on=in_next_year(5, 4), leave_type=sick, reason="Flu")
    deliver(box)

    refused = said(command(box, SAM, "/timeoff", f"report {year}"))
    assert "Only an owner or admin can get the leave report." in refused
    assert box.slack_state.files() == []

    told = said(command(box, ADMIN, "/timeoff", f"report {year}"))
    assert f"Sent you the {year} leave report" in told
    balances_file, requests_file = box.slack_state.files(channel="D" + ADMIN[1:])
    assert (balances_file.filename, requests_file.filename) == (
        f"leave-{year}-balances.csv",
        f"leave-{year}-requests.csv",
    )
    assert "Dates and times in Europe/Berlin" in balances_file.initial_comment
    assert [c.method for c in box.slack_state.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]

    rows = _csv_rows(balances_file.text)
    assert len(rows) == 9 * 3  # every active member, every type
    for member_id, name in ((SAM_ID, "Sam Stone"), (TARA_ID, "Tara Singh")):
        balance = box.services.leave.balance_of(TEAM, member_id, name, year)
        [vacation] = [r for r in rows if r["member_id"] == str(member_id) and r["leave_type"] == "Vacation"]
        assert Fraction(vacation["allowance"]) == balance.allowance
        assert Fraction(vacation["carried_over"]) == balance.carried_over
        assert Fraction(vacation["remaining"]) == balance.remaining
        counting = [
            r for r in rows if r["member_id"] == str(member_id) and r["counts_against_allowance"] == "yes"
        ]
        for column in ("taken", "booked", "pending"):
            assert sum(Fraction(r[column]) for r in counting) == getattr(balance.used, column)
    sam = {r["leave_type"]: r for r in rows if r["member_id"] == str(SAM_ID)}
    assert (sam["Vacation"]["booked"], sam["Vacation"]["pending"], sam["Vacation"]["remaining"]) == (
        "3",
        "3",
        "14",
    )
    assert (sam["Sick leave"]["booked"], sam["Sick leave"]["remaining"]) == ("1", "")
    tara = {r["leave_type"]: r for r in rows if r["member_id"] == str(TARA_ID)}
    assert tara["Vacation"]["pending"] == "0.5"

    listed = _csv_rows(requests_file.text)
    assert [(r["member"], r["leave_type"], r["status"], r["days_in_year"]) for r in listed] == [
        ("Sam Stone", "Vacation", "approved", "3"),
        ("Sam Stone", "Sick leave", "approved", "1"),
        ("Sam Stone", "Vacation", "pending", "3"),
        ("Tara Singh", "Vacation", "pending", "0.5"),
    ]
    assert listed[0]["reason"] == "Ski" and listed[1]["reason"] == ""  # a sick day's reason stays private
    assert listed[3]["from"] == "09:00" and listed[3]["time_zone"] == "Europe/Berlin"
    assert listed[0]["decided_by"] == "Aaron Adams" and listed[0]["decided_at"]


def test_a_member_gets_their_own_allowance(box: Sandbox) -> None:
    refused = said(command(box, SAM, "/timeoff", f"allowance #{TARA_ID} 30"))
    assert "Only an owner or admin can set leave allowances and working days." in refused
    assert "is not a number of days" in said(command(box, ADMIN, "/timeoff", f"allowance #{TARA_ID} lots"))
    assert "No team member matches" in said(command(box, ADMIN, "/timeoff", "allowance nobody-here 3"))

    told = said(command(box, ADMIN, "/timeoff", f"allowance #{TARA_ID} 25.5"))
    assert "Tara Singh's allowance is now 25.5 days a year (their own)" in told
    assert "*25.5 days* left" in said(command(box, TARA, "/timeoff", "balance"))
    with session_scope(box.services.session_factory) as session:
        assert leave_store.member_allowances(session, TEAM) == {TARA_ID: 25.5}

    back = said(command(box, ADMIN, "/timeoff", f"allowance #{TARA_ID} default"))
    assert "20 days a year (the workspace’s)" in back
    assert "*20 days* left" in said(command(box, TARA, "/timeoff", "balance"))
