"""`/availability` through Slack: the ephemeral grid and day summary, posting to a channel, bad input."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rosterbot.domain.dates import format_days
from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox

from .conftest import SAM_ID, ZONE, command, said, texts, today


def block_sam(box: Sandbox, ahead: int) -> None:
    """Sam is out all day, `ahead` days from today (in the business's zone)."""
    zone = ZoneInfo(ZONE)
    off = today() + timedelta(days=ahead)
    box.api_state.add_blocked_times(
        "Out",
        datetime.combine(off, time(0), zone),
        datetime.combine(off, time(23, 59, 59), zone),
        True,
        [SAM_ID],
    )


def sam_row(grid: str) -> list[str]:
    line = next(line for line in grid.splitlines() if line.startswith("Sam Stone"))
    return line.split()[2:]


def test_week_shows_a_blocked_day_in_the_grid(box: Sandbox) -> None:
    for block in box.api_state.blocked_times():  # the demo's own blocks would blur the row
        box.api_state.delete_blocked_time(block.id)
    block_sam(box, 3)
    answer = command(box, "U0STAFF02", "/availability", "week")
    assert answer.response_type == "ephemeral"
    shown = texts(answer.blocks)
    assert f"Availability {format_days([today(), today() + timedelta(days=6)])}" in shown
    assert sam_row(shown) == ["✓", "✓", "✓", "out", "✓", "✓", "✓"]
    assert "Availability" in answer.text


def test_one_day_is_a_summary_of_who_is_in_and_out(box: Sandbox) -> None:
    block_sam(box, 12)
    answer = command(box, "U0STAFF02", "/availability", (today() + timedelta(days=12)).isoformat())
    out_part = said(answer).split("*Out on", 1)[1]
    assert "Sam Stone" in out_part
    assert "Tara Singh" not in out_part


def test_with_a_channel_it_posts_there_and_confirms(box: Sandbox) -> None:
    block_sam(box, 1)
    answer = command(box, "U0STAFF02", "/availability", f"tomorrow <#{TEAM_CHANNEL_ID}|team>")
    posted = box.slack_state.messages(TEAM_CHANNEL_ID)
    assert len(posted) == 1 and "Sam Stone" in texts(posted[0]["blocks"])
    assert answer.response_type == "ephemeral" and f"in <#{TEAM_CHANNEL_ID}>" in answer.text

    by_name = command(box, "U0STAFF02", "/availability", "#team today")
    assert "Posted availability" in by_name.text and len(box.slack_state.messages(TEAM_CHANNEL_ID)) == 2


def test_a_channel_it_cannot_post_in_and_a_bad_date_are_explained(box: Sandbox) -> None:
    missing = command(box, "U0STAFF02", "/availability", "today #nowhere")
    assert missing.text == "You can only post availability to a channel you are in."  # or none at all
    bad = command(box, "U0STAFF02", "/availability", "someday")
    assert bad.text.startswith("I couldn't read 'someday' as a date")
    assert box.slack_state.messages(TEAM_CHANNEL_ID) == []


def test_an_unlinked_user_sees_nothing_but_how_to_get_linked(box: Sandbox) -> None:
    answer = command(box, "U0GUEST01", "/availability", "week")
    assert "not linked" in said(answer) and "Sam Stone" not in said(answer)
