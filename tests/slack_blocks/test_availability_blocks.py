import random
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from rosterbot.api.models import BlockedTime, CalendarMember
from rosterbot.domain.availability import Availability, compute_availability
from rosterbot.domain.coverage import shortfalls
from rosterbot.domain.dates import parse_range
from rosterbot.slack.blocks.availability import (
    availability_grid_blocks,
    availability_grid_text,
    day_summary_blocks,
    day_summary_text,
    digest_blocks,
    digest_text,
)

BERLIN = ZoneInfo("Europe/Berlin")
FRI = date(2026, 4, 3)
SAT = date(2026, 4, 4)
WEEK = parse_range("week", FRI)
_ids = iter(range(1, 10**9))


def member(i: int, first: str, last: str) -> CalendarMember:
    return CalendarMember(id=i, first_name=first, last_name=last)


def blocked(m: int, start: datetime, end: datetime, all_day: bool = False) -> BlockedTime:
    return BlockedTime(
        id=next(_ids), employee_id=m, name="Private", from_date=start, to_date=end, all_day=all_day
    )


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def small() -> Availability:
    team = [
        member(4, "Sam", "Stone"),
        member(5, "Tara", "Singh"),
        member(6, "Umar", "Sato"),
        member(1, "Olivia", "Owens"),
    ]
    blocks = [
        blocked(4, at(FRI), at(date(2026, 4, 5)), all_day=True),
        blocked(5, at(FRI, 9), at(FRI, 11)),
        blocked(5, at(SAT, 9, 30), at(SAT, 11)),
        blocked(5, at(SAT, 13), at(SAT, 14)),
    ]
    return compute_availability(
        team, blocks, {4: "Senior Stylist", 5: "Senior Stylist", 6: "Stylist"}, WEEK, BERLIN
    )


def big(members: int = 1000, blocks: int = 5000, days: list[date] = WEEK) -> Availability:
    rng = random.Random(11)
    team = [member(i, f"Firstname{i:04d}", "Longsurname-Example") for i in range(1, members + 1)]
    found = []
    for _ in range(blocks):
        m = rng.randint(1, members)
        day = FRI + timedelta(days=rng.randint(0, 6))
        if rng.random() < 0.3:
            found.append(blocked(m, at(day), at(day + timedelta(days=1)), all_day=True))
        else:
            hour = rng.randint(6, 18)
            found.append(blocked(m, at(day, hour, 30), at(day, hour + 2, 15)))
    positions = {i: f"Position number {i % 15}" for i in range(1, members + 1) if i % 7}
    return compute_availability(team, found, positions, days, BERLIN)


def assert_valid(blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    assert 0 < len(blocks) <= max_blocks
    for item in blocks:
        Block.parse(item).to_dict()  # type: ignore[union-attr]  # slack_sdk re-validates each block
        if item["type"] == "section":
            assert len(item["text"]["text"]) <= 3000


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def grid_rows(blocks: list[dict[str, Any]]) -> list[str]:
    rows = []
    for text in section_texts(blocks):
        for code in re.findall(r"```\n(.*?)\n```", text, flags=re.S):
            rows.extend(code.split("\n")[1:])  # the first line is the day headings
    return rows


def test_small_grid_is_aligned_and_grouped() -> None:
    blocks = availability_grid_blocks(small())
    assert_valid(blocks)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Availability Fri 3 Apr – Thu 9 Apr", "emoji": True},
    }
    assert "times in Europe/Berlin" in blocks[1]["elements"][0]["text"]
    (text,) = section_texts(blocks)
    assert text == (
        "*Senior Stylist* · 2\n```\n"
        "              Fri 3  Sat 4         Sun 5  Mon 6  Tue 7  Wed 8  Thu 9\n"
        "Sam Stone     out    out           ✓      ✓      ✓      ✓      ✓\n"
        "Tara Singh    09–11  09:30–11:00+  ✓      ✓      ✓      ✓      ✓\n"
        "```\n*Stylist* · 1\n```\n"
        "              Fri 3  Sat 4         Sun 5  Mon 6  Tue 7  Wed 8  Thu 9\n"
        "Umar Sato     ✓      ✓             ✓      ✓      ✓      ✓      ✓\n"
        "```\n*No position* · 1\n```\n"
        "              Fri 3  Sat 4         Sun 5  Mon 6  Tue 7  Wed 8  Thu 9\n"
        "Olivia Owens  ✓      ✓             ✓      ✓      ✓      ✓      ✓\n"
        "```"
    )
    assert availability_grid_text(small()) == (
        "Availability Fri 3 Apr – Thu 9 Apr: 4 members, 1 out on at least one day, 1 partly busy."
    )


def test_names_are_escaped_and_cannot_break_the_code_block() -> None:
    team = [member(1, "Ann & <Bob>", "`rm`")]
    blocks = availability_grid_blocks(compute_availability(team, [], {1: "A&B"}, [FRI], BERLIN))
    (text,) = section_texts(blocks)
    assert text.startswith("*A&amp;B* · 1\n```\n")
    assert "Ann &amp; &lt;Bob&gt; 'rm'  ✓" in text
    assert text.count("```") == 2


def test_empty_team() -> None:
    blocks = availability_grid_blocks(compute_availability([], [], {}, WEEK, BERLIN))
    assert section_texts(blocks) == ["Nobody is on the team yet."]


def test_thousand_member_week_grid_fits_in_one_message() -> None:
    blocks = availability_grid_blocks(big())
    assert_valid(blocks)
    assert blocks[-1]["type"] == "section"
    rows = grid_rows(blocks)
    assert len(rows) == 1000
    assert sorted(int(row[9:13]) for row in rows) == list(range(1, 1001))


def test_largest_week_grid_keeps_block_kit_limits_and_says_how_many_were_cut() -> None:
    blocks = availability_grid_blocks(big(members=3000, blocks=15000))
    assert_valid(blocks)
    assert len(blocks) == 50
    rows = grid_rows(blocks)
    shown = len(rows)
    assert 0 < shown < 3000
    assert len(set(rows)) == shown  # no row repeated across sections
    cut = blocks[-1]
    assert cut["type"] == "context"
    assert cut["elements"][0]["text"].startswith(f"…and {3000 - shown} more members. Narrow it to one day")
    # pagination packs sections rather than wasting blocks
    assert sum(len(t) for t in section_texts(blocks)) > 47 * 2500


def test_grid_that_fits_is_not_cut_and_shows_everyone() -> None:
    availability = big(members=150, blocks=600)
    blocks = availability_grid_blocks(availability)
    assert_valid(blocks)
    assert blocks[-1]["type"] == "section"
    assert len(grid_rows(blocks)) == 150
    assert any("(continued)" in text for text in section_texts(blocks))


@pytest.mark.parametrize("max_chars", [400, 1000, 3000])
def test_small_sections_paginate_groups_with_their_headings(max_chars: int) -> None:
    availability = big(members=60, blocks=200)
    blocks = availability_grid_blocks(availability, max_section_chars=max_chars, max_blocks=100)
    assert_valid(blocks, max_blocks=100)
    for text in section_texts(blocks):
        assert len(text) <= max_chars
        assert text.startswith("*")  # every section opens with its group heading
        assert text.count("```") % 2 == 0
    assert len(grid_rows(blocks)) == 60


def test_a_month_of_days_still_fits_rows_in_sections() -> None:
    month = [FRI + timedelta(days=n) for n in range(31)]
    blocks = availability_grid_blocks(big(members=300, blocks=3000, days=month))
    assert_valid(blocks)


def test_one_day_view() -> None:
    blocks = day_summary_blocks(small(), FRI, today=FRI)
    assert_valid(blocks)
    assert section_texts(blocks) == [
        "*Available today* · 3\n• *Senior Stylist*: Tara Singh (out 09:00–11:00)\n• *Stylist*: Umar Sato\n"
        "• *No position*: Olivia Owens",
        "*Out today* · 1\nSam Stone",
    ]
    assert day_summary_text(small(), FRI, today=FRI) == (
        "Available today: Tara Singh (out 09:00–11:00), Umar Sato, Olivia Owens; Out: Sam Stone"
    )
    assert day_summary_text(small(), SAT, today=FRI).startswith("Available tomorrow: ")
    assert day_summary_text(small(), date(2026, 4, 6), today=FRI).endswith("Out: nobody")
    assert "*Available on Sun 5 Apr* · 4" in section_texts(day_summary_blocks(small(), date(2026, 4, 5)))[0]


def test_one_day_view_for_a_thousand_members() -> None:
    availability = big()
    blocks = day_summary_blocks(availability, FRI, today=FRI)
    assert_valid(blocks)
    text = "\n".join(section_texts(blocks))
    listed = sum(text.count(f"Firstname{i:04d} ") for i in range(1, 1001))
    assert listed == 1000  # everyone, available or out, within 50 blocks
    fallback = day_summary_text(availability, FRI, today=FRI)
    assert "more; Out:" in fallback and len(fallback) < 1000


def test_one_day_view_cut_when_limits_are_tiny() -> None:
    blocks = day_summary_blocks(big(), FRI, today=FRI, max_blocks=6, max_section_chars=500)
    assert_valid(blocks, max_blocks=6)
    note = blocks[-2]["elements"][0]["text"]
    shown = sum(t.count("Firstname") for t in section_texts(blocks))
    assert note.startswith(f"…and {1000 - shown} more members.")


def test_digest() -> None:
    availability = small()
    found = shortfalls(availability, {"Senior Stylist": 2})
    blocks = digest_blocks(availability, FRI, found)
    assert_valid(blocks)
    assert blocks[0]["text"]["text"] == "Team today · Fri 3 Apr"
    assert section_texts(blocks) == [
        "*Out today*\nSam Stone",
        "*Partly out today*\nTara Singh 09:00–11:00",
        "*Out later* (Sat 4 Apr – Thu 9 Apr)\n• Sat 4 Apr: Sam Stone",
        "*Available today by position*\n• *Senior Stylist* (1): Tara Singh (out 09:00–11:00)\n"
        "• *Stylist* (1): Umar Sato\n• *No position* (1): Olivia Owens",
        "*Coverage*\n• :warning: only 1 Senior Stylist left on Fri 3 Apr (minimum 2)\n"
        "• :warning: only 1 Senior Stylist left on Sat 4 Apr (minimum 2)",
    ]
    assert digest_text(availability, FRI, found) == (
        "Team today (Fri 3 Apr). Out today: Sam Stone. Coverage: only 1 Senior Stylist left on Fri 3 Apr "
        "(minimum 2); only 1 Senior Stylist left on Sat 4 Apr (minimum 2)."
    )


def test_digest_without_minimums_or_with_all_covered() -> None:
    availability = small()
    assert not any("*Coverage*" in t for t in section_texts(digest_blocks(availability, FRI)))
    assert "*Coverage*\nEvery position meets its minimum." in section_texts(
        digest_blocks(availability, FRI, [])
    )


def test_digest_for_a_thousand_members_stays_within_limits() -> None:
    availability = big()
    found = shortfalls(availability, {f"Position number {n}": 60 for n in range(15)})
    assert len(found) > 30
    blocks = digest_blocks(availability, FRI, found)
    assert_valid(blocks)
