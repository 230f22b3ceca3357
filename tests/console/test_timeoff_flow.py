"""The console's done-criterion, end to end on the real path: staff is refused `/team add`, files a
time-off request through the modal's prompts, an admin approves it from the #approvals post, and
`/availability week` shows the block. Also the shipped demo script, as `rosterbot console --script`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from rosterbot.config import Settings
from rosterbot.console import DEMO_SCRIPT
from rosterbot.domain.leave import public_holidays
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.store.models import TimeOffRequest

from .driver import Console, run_script

TARA = "U0STAFF02"
AARON = "U0ADMIN01"


def _grid_row(shown: str, name: str) -> list[str]:
    """The cells of `name`'s row in the availability grid (today first)."""
    line = next(line for line in shown.splitlines() if f"│ {name}" in line)
    return re.split(r"\s{2,}", line.split("│ ", 1)[1].strip())[1:]


def test_staff_refused_then_requests_time_off_and_an_admin_approves_it(console: Console) -> None:
    box = console.box
    tomorrow = (datetime.now(box.settings.zone) + timedelta(days=1)).date()
    console.type(":as tara")

    refused = console.type("/team add")
    assert "Only an owner or admin can add team members." in refused
    assert box.api_state.writes() == []

    shown = console.type("/timeoff", "", tomorrow.isoformat(), "", "", "", "", "Family visit")
    assert "┌ Request time off  [modal]" in shown
    assert "    1. All day\n    2. From – to (give the times below)\n" in shown
    assert "[only you] rosterbot: 📤 Time off request #1 sent" in shown
    # The worker posted it to #approvals with its buttons, numbered for :click.
    assert "#approvals  rosterbot:\n    Time off request #1\n" in shown
    assert "Tara Singh · " in shown and "Reason: Family visit" in shown
    assert "      [1] Approve   [2] Deny" in shown
    (request,) = box.services.session_factory().scalars(select(TimeOffRequest)).all()
    assert (request.status, request.starts_on, request.reason) == ("pending", tomorrow, "Family visit")
    (posted,) = box.slack_state.messages(APPROVALS_CHANNEL_ID)

    console.type(":as aaron")
    shown = console.type("1")  # typing the number clicks button 1 of the last message shown
    assert "[only you] rosterbot: ✅ Approved Tara Singh's time off" in shown
    assert "#approvals (edited)  rosterbot:" in shown and "Approved by Aaron Adams" in shown
    # Edited once for the decision, and once more, if the worker is that quick, when the block is in
    # the calendar; an edit that changes nothing is not shown again.
    edits = shown.split("#approvals (edited)")[1:]
    assert 1 <= len(edits) <= 2 and len({edit.split("\n[")[0] for edit in edits}) == len(edits)
    assert "[DM to @Tara Singh] rosterbot:" in shown
    assert "#team  rosterbot:\n    🌴 Tara Singh will be away" in shown and "    Family visit\n" in shown
    # What Slack and the business API hold: that post was edited, Aaron decided, the block is Tara's.
    versions = box.slack_state.message_history(APPROVALS_CHANNEL_ID, str(posted["ts"]))
    assert len(versions) >= 2 and "Approved by" in str(versions[-1]["blocks"])
    assert any("will be away" in m["text"] for m in box.slack_state.messages(TEAM_CHANNEL_ID))
    with box.services.session_factory() as session:
        decided = session.scalars(select(TimeOffRequest)).one()
        assert (decided.status, decided.decided_by_slack_user_id) == ("approved", AARON)
    tara = next(m for m in box.api_state.members() if m.first_name == "Tara")
    blocks = [b for b in box.api_state.blocked_times() if b.employee_id == tara.id]
    assert len(blocks) == 1

    shown = console.type("/availability week")
    assert "Availability " in shown
    assert _grid_row(shown, "Tara Singh")[:2] == ["✓", "out"]
    assert "✓" in _grid_row(shown, "Aaron Adams")


def test_the_demo_script_runs_as_shipped(console_settings: Settings, tmp_path: Path) -> None:
    transcript = run_script(console_settings, DEMO_SCRIPT.read_text(encoding="utf-8"), tmp_path)
    assert "olivia #team> :who" in transcript
    assert "Team · 9 members" in transcript
    assert "tara #team> /team add\n  ┌ Add team member  [modal]\n  Only an owner or admin" in transcript
    assert "  First day (YYYY-MM-DD; Enter keeps " in transcript and "): tomorrow\n" in transcript
    assert "  Reason (optional, Enter skips): Family visit" in transcript
    assert "      [1] Approve   [2] Deny" in transcript
    # What the click brought, up to the next prompt: the approver's own answer and the post's edit
    # arrive from two jobs, in either order.
    clicked = transcript[transcript.index("aaron #team> :click Approve\n") :]
    clicked = clicked[: clicked.index("aaron #team> /availability")]
    assert "\n[only you] rosterbot: ✅ Approved Tara Singh's time off" in clicked
    assert _grid_row(transcript, "Tara Singh")[:2] == ["✓", "out"]
    # Leave: Tara's balance, the public holidays set, a request over
    # Christmas that counts only its working days, the approver's post with the balance, the report.
    assert "tara #team> /timeoff balance\n[only you] rosterbot:\n    Your leave · " in transcript
    assert "    Your balance: " in transcript and "🌴 Vacation: taken 0 · booked " in transcript
    assert "• Public holidays: none → GB-ENG" in transcript
    sent = transcript[transcript.index("Christmas with family\n[only you]") :]
    assert "Not counted: " in sent and " 🎉 Christmas Day" in sent
    today = datetime.now(UTC).date()  # the console's business zone is UTC
    christmas = next(n for n in range(today.year, today.year + 2) if date(n, 12, 24) >= today)
    expected = sum(
        1
        for d in (date(christmas, 12, 24) + timedelta(days=k) for k in range(6))
        if d.weekday() < 5 and d not in public_holidays("GB", "ENG", d, d)
    )
    uses = f"Uses {expected} of your 20 remaining days"
    assert uses in sent
    post = sent[sent.index("#approvals  rosterbot:") : sent.index("[1] Approve")]
    assert "    Balance\n" in post and f"Uses {expected} of Sam Stone's 20 remaining days" in post
    assert "aaron #team> /timeoff report\n[DM] rosterbot:\n    Leave report " in transcript
    assert "    📎 leave-" in transcript and "-balances.csv · Leave balances " in transcript
    assert "Sent you the " in transcript and "leave report in a direct message: two CSV files." in transcript
    assert "Slack refused" not in transcript
