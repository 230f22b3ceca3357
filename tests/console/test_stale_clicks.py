"""Input the console must answer, never crash on: a click on a button the app has since edited away
(another approver decided first, or the same approver clicks again), and a script that is not
UTF-8 text. A late click goes to the app as Slack sends it, from the message as the user last saw
it, and the app's answer is shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from rosterbot import cli
from rosterbot.config import Settings
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID
from rosterbot.emulators.slack_api.values import interactive_elements
from rosterbot.store.models import TimeOffRequest

from .driver import Console, run_script

OLIVIA, AARON = "U0OWNER01", "U0ADMIN01"
TARA_ASKS = ":as tara\n/timeoff\n\ntomorrow\n\n\n\n\nFamily visit\n"
TARA_FORM = ("", "tomorrow", "", "", "", "", "Family visit")  # the type: Vacation, as it is


def _decisions(console: Console) -> list[tuple[str, str | None]]:
    with console.box.services.session_factory() as session:
        rows = session.scalars(select(TimeOffRequest)).all()
        return [(r.status, r.decided_by_slack_user_id) for r in rows]


def _tara_blocks(console: Console) -> list[object]:
    tara = next(m for m in console.box.api_state.members() if m.first_name == "Tara")
    return [b for b in console.box.api_state.blocked_times() if b.employee_id == tara.id]


def _approve_elsewhere(console: Console, user_id: str) -> None:
    """`user_id` clicks Approve on the #approvals post in another Slack client, unseen by the
    console's user; returns once the app has edited the post."""
    (posted,) = console.box.slack_state.messages(APPROVALS_CHANNEL_ID)
    block_id, approve = next(
        (b, e) for b, e in interactive_elements(posted["blocks"]) if e["action_id"] == "timeoff_approve"
    )
    slack = console.box.slack
    slack.click(
        user_id,
        "timeoff_approve",
        approve["value"],
        message=posted,
        channel=APPROVALS_CHANNEL_ID,
        block_id=block_id,
    )
    assert console.box.slack_state.wait_for(
        lambda s: "Approved by" in str(s.message(APPROVALS_CHANNEL_ID, str(posted["ts"]))), timeout=10
    )


def test_a_click_on_an_approval_another_approver_decided_is_answered(console: Console) -> None:
    console.type(":as tara")
    console.type("/timeoff", *TARA_FORM)
    console.type(":as aaron")  # Aaron has the #approvals post with its buttons in front of him
    _approve_elsewhere(console, OLIVIA)  # in her own Slack: the post is edited, its buttons gone

    shown = console.type(":click Approve")
    assert "(clicked as you last saw it: it has changed since)" in shown
    assert "[only you] rosterbot: ℹ Olivia Owens already approved this at " in shown
    assert "Traceback" not in shown
    assert _decisions(console) == [("approved", OLIVIA)]
    assert len(_tara_blocks(console)) == 1


def test_two_approvers_racing_in_a_script(console_settings: Settings, tmp_path: Path) -> None:
    transcript = run_script(
        console_settings,
        TARA_ASKS + ":as aaron\n:click Approve\n:as olivia\n:click Approve\n",
        tmp_path,
    )
    first, _, late = transcript.partition("olivia #team> :click Approve\n")
    # Aaron's answer and the post's edit come from two jobs, in either order.
    aarons = first[first.index("aaron #team> :click Approve\n") :]
    assert "\n[only you] rosterbot: ✅ Approved Tara Singh's time off" in aarons
    assert late.startswith("(clicked as you last saw it: it has changed since)\n")
    assert "[only you] rosterbot: ℹ Aaron Adams already approved this at " in late


def test_approve_clicked_twice_on_the_home_tab(console: Console) -> None:
    console.type(":as tara")
    console.type("/timeoff", *TARA_FORM)
    console.type(":as aaron")
    assert "[3] Approve   [4] Deny" in console.type(":home")

    shown = console.type(":click Approve")
    # Slack redraws the Home tab the click came from: the app's answer is on it.
    assert "[Home] (updated) rosterbot's App Home tab" in shown
    assert "✅ Approved Tara Singh's time off" in shown and "Nothing is waiting for a decision." in shown
    assert console.type(":click Approve").endswith("No button 'Approve' is shown now: nothing to click.\n")
    assert "There is no button 4 (1–2 are shown)." in console.type(":click 4")
    assert _decisions(console) == [("approved", AARON)]
    assert len(_tara_blocks(console)) == 1


def test_a_home_tab_click_after_another_approver_decided_is_answered_on_the_tab(console: Console) -> None:
    console.type(":as tara")
    console.type("/timeoff", *TARA_FORM)
    console.type(":as aaron")
    console.type(":home")  # the request waits, with Approve, on Aaron's tab
    _approve_elsewhere(console, OLIVIA)

    shown = console.type(":click Approve")
    assert "[Home] (updated) rosterbot's App Home tab" in shown
    assert "ℹ Olivia Owens already approved this at " in shown
    assert _decisions(console) == [("approved", OLIVIA)]
    assert len(_tara_blocks(console)) == 1


def test_a_script_that_is_not_utf8_is_refused_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "latin1.txt"
    script.write_bytes(":who\n# caf\xe9\n/team list\n".encode("latin-1"))
    assert cli.main(["console", "--script", str(script)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"rosterbot console: cannot read {script}: not UTF-8 text (byte 0xe9 on line 2)\n"

    with pytest.raises(SystemExit):
        cli.main(["console", "--help"])
    assert (
        "  2    the script (or standard input) cannot be read or is not UTF-8 text" in capsys.readouterr().out
    )
