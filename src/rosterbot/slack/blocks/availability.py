"""Availability as Block Kit: the members × days grid, the one-day view and the daily digest.

Pure: builders take domain values and return block dicts made through `slack_sdk.models` (whose
`to_dict` checks Slack's limits). Long content is split across sections of at most 3000
characters, and a message never holds more than 50 blocks: what does not fit is cut with a context
line saying how many members were left out and how to narrow the view. Block names (the reasons
behind a blocked time) are not shown: these messages go to team channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.blocks.basic_components import PlainTextObject

from rosterbot.domain.availability import Availability, DayState, DayStatus, MemberRow
from rosterbot.domain.coverage import Shortfall
from rosterbot.domain.dates import format_day, format_day_short, format_days, format_minutes
from rosterbot.slack.blocks import (
    MAX_HEADER_CHARS,
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_CHARS,
    clip,
    escape_mrkdwn,
)

BlockDicts = list[dict[str, Any]]

NARROW_HINT = "Narrow it to one day with `/availability today` or a date like `/availability 2026-04-03`."
NAME_WIDTH = 20
CELL_WIDTH = 12
AVAILABLE_MARK = "✓"
OUT_MARK = "out"
NO_POSITION = "No position"
FALLBACK_NAMES = 10  # names per list in a notification's plain text


@dataclass(frozen=True)
class _Chunk:
    """One section's mrkdwn and how many members it lists (for the "and N more" count)."""

    text: str
    members: int


# ---- the grid ---------------------------------------------------------------------------------


def availability_grid_blocks(
    availability: Availability,
    *,
    title: str | None = None,
    max_blocks: int = MAX_MESSAGE_BLOCKS,
    max_section_chars: int = MAX_SECTION_CHARS,
    narrow_hint: str = NARROW_HINT,
) -> BlockDicts:
    """Members × days as aligned monospace rows (✓, 'out', or the blocked hours), grouped by
    position under a bold heading, split across sections and cut to `max_blocks`."""
    blocks: list[Block] = [
        _header(title or f"Availability {format_days(availability.days)}"),
        _context(
            f"{AVAILABLE_MARK} available · {OUT_MARK} = blocked all day · hours = blocked hours "
            f"· times in {availability.zone.key}"
        ),
    ]
    if availability.days_off:
        closed = " · ".join(days_off_lines(availability))
        blocks.append(_context(f"{CLOSED_MARK} = the business is closed: {closed}"))
    if availability.member_count == 0:
        blocks.append(_section("Nobody is on the team yet."))
        return _dicts(blocks)
    chunks = _grid_chunks(availability, max_section_chars)
    blocks.extend(_fit(chunks, max_blocks - len(blocks), availability.member_count, narrow_hint))
    return _dicts(blocks)


def availability_grid_text(availability: Availability) -> str:
    """The notification text for a grid message."""
    out = sum(1 for row in availability.rows if any(status.is_out for status in row.days))
    partial = sum(
        1
        for row in availability.rows
        if not any(s.is_out for s in row.days) and any(s.state is DayState.PARTIAL for s in row.days)
    )
    return (
        f"Availability {format_days(availability.days)}: {_count(availability.member_count, 'member')}, "
        f"{out} out on at least one day, {partial} partly busy."
    )


CLOSED_MARK = "–"


def days_off_lines(availability: Availability) -> list[str]:
    """'Fri 25 Dec: 🎉 Christmas Day' for each of the business's days off shown (escaped)."""
    return [f"{format_day(day)}: {escape_mrkdwn(why)}" for day, why in sorted(availability.days_off.items())]


def grid_cell(status: DayStatus) -> str:
    """'✓', 'out', '09–11' (on the hour), '09:30–11:00', with '+' when there are more ranges."""
    if status.state is DayState.AVAILABLE:
        return AVAILABLE_MARK
    if status.state is DayState.OUT:
        return OUT_MARK
    hours = status.busy_hours
    start, end = hours[0]
    if start % 60 == 0 and end % 60 == 0:
        text = f"{start // 60:02d}–{end // 60:02d}"
    else:
        text = f"{format_minutes(start)}–{format_minutes(end)}"
    return clip(text + ("+" if len(hours) > 1 else ""), CELL_WIDTH)


def _grid_chunks(availability: Availability, max_chars: int) -> list[_Chunk]:
    off = [day in availability.days_off for day in availability.days]
    cells = [
        [
            CLOSED_MARK if off[n] and status.state is DayState.AVAILABLE else grid_cell(status)
            for n, status in enumerate(row.days)
        ]
        for row in availability.rows
    ]
    headings = [format_day_short(day) for day in availability.days]
    widths = [
        max([len(headings[col])] + [len(row_cells[col]) for row_cells in cells])
        for col in range(len(availability.days))
    ]
    name_width = min(max(len(row.name) for row in availability.rows), NAME_WIDTH)

    def line(name: str, values: Sequence[str]) -> str:
        padded = [clip(_code_safe(name), name_width).ljust(name_width)]
        padded.extend(value.ljust(width) for value, width in zip(values, widths, strict=True))
        return escape_mrkdwn("  ".join(padded).rstrip())

    header_row = line("", headings)
    row_lines = iter(
        [line(row.name, row_cells) for row, row_cells in zip(availability.rows, cells, strict=True)]
    )

    chunks: list[_Chunk] = []
    parts: list[str] = []
    size = 0
    members = 0

    def flush() -> None:
        nonlocal parts, size, members
        if parts:
            chunks.append(_Chunk("\n".join(parts), members))
        parts, size, members = [], 0, 0

    for group in availability.groups:
        lines = [next(row_lines) for _ in group.rows]
        title = f"*{escape_mrkdwn(group.position or NO_POSITION)}*"
        done = 0
        while done < len(lines):
            heading = f"{title} · {len(lines)}" if done == 0 else f"{title} (continued)"
            opening = f"{heading}\n```\n{header_row}\n"
            closing = "```"
            room = max_chars - size - (1 if parts else 0) - len(opening) - len(closing)
            take, used = 0, 0
            while done + take < len(lines) and used + len(lines[done + take]) + 1 <= room:
                used += len(lines[done + take]) + 1
                take += 1
            if take == 0:
                if not parts:
                    raise ValueError("a grid row does not fit in one section: ask for fewer days")
                flush()
                continue
            part = opening + "\n".join(lines[done : done + take]) + "\n" + closing
            size += (1 if parts else 0) + len(part)
            parts.append(part)
            members += take
            done += take
            if done < len(lines):
                flush()
    flush()
    return chunks


def _code_safe(name: str) -> str:
    # A backtick in a name would end the ``` block early.
    return name.replace("`", "'")


# ---- one day ----------------------------------------------------------------------------------


def day_summary_blocks(
    availability: Availability,
    day: date,
    *,
    today: date | None = None,
    max_blocks: int = MAX_MESSAGE_BLOCKS,
    max_section_chars: int = MAX_SECTION_CHARS,
    narrow_hint: str = NARROW_HINT,
) -> BlockDicts:
    """'Available today' by position (partly busy members with their hours), then who is out."""
    when = _when(day, today)
    index = availability.day_index(day)
    available = availability.available_on(day)
    out = availability.out_on(day)

    blocks: list[Block] = [_header(f"Availability {format_day(day)}")]
    if day in availability.days_off:
        blocks.append(_section(f"{escape_mrkdwn(availability.days_off[day])}: the business is closed."))
    lines: list[_Chunk] = [_Chunk(f"*Available {when}* · {len(available)}", 0)]
    if not available:
        lines.append(_Chunk("Nobody.", 0))
    for group in availability.groups:
        names = [_name_with_hours(row, index) for row in group.rows if not row.days[index].is_out]
        if names:
            lines.extend(
                _name_lines(f"• *{escape_mrkdwn(group.position or NO_POSITION)}*: ", names, max_section_chars)
            )
    out_lines = [_Chunk(f"*Out {when}* · {len(out)}", 0)]
    out_lines.extend(
        _name_lines("", [escape_mrkdwn(row.name) for row in out], max_section_chars) or [_Chunk("Nobody.", 0)]
    )
    chunks = _pack(lines, max_section_chars) + _pack(out_lines, max_section_chars)
    blocks.extend(_fit(chunks, max_blocks - len(blocks) - 1, availability.member_count, narrow_hint))
    blocks.append(_context(f"Times in {availability.zone.key}."))
    return _dicts(blocks)


def day_summary_text(availability: Availability, day: date, *, today: date | None = None) -> str:
    """'Available today: Sam Stone, Tara Singh (out 09:00–11:00); Out: Vera Silva'."""
    when = _when(day, today)
    index = availability.day_index(day)
    available = [_plain_name_with_hours(row, index) for row in availability.available_on(day)]
    out = [row.name for row in availability.out_on(day)]
    return f"Available {when}: {_short_list(available)}; Out: {_short_list(out)}"


def _when(day: date, today: date | None) -> str:
    if today is not None and day == today:
        return "today"
    if today is not None and day.toordinal() == today.toordinal() + 1:
        return "tomorrow"
    return f"on {format_day(day)}"


def _name_with_hours(row: MemberRow, index: int) -> str:
    return escape_mrkdwn(_plain_name_with_hours(row, index))


def _plain_name_with_hours(row: MemberRow, index: int) -> str:
    status = row.days[index]
    return f"{row.name} (out {status.hours_label})" if status.state is DayState.PARTIAL else row.name


# ---- the digest -------------------------------------------------------------------------------


def digest_blocks(
    availability: Availability,
    today: date,
    shortfalls: Sequence[Shortfall] | None = None,
    *,
    max_blocks: int = MAX_MESSAGE_BLOCKS,
    max_section_chars: int = MAX_SECTION_CHARS,
) -> BlockDicts:
    """The daily post: who is out today and later in the days covered, who is available today by
    position, and the coverage shortfalls (`shortfalls` None: no minimums set, no coverage part)."""
    index = availability.day_index(today)
    blocks: list[Block] = [_header(f"Team today · {format_day(today)}")]
    if today in availability.days_off:
        blocks.append(
            _section(f"{escape_mrkdwn(availability.days_off[today])}: the business is closed today.")
        )
    topics: list[list[_Chunk]] = []

    out_today = [escape_mrkdwn(row.name) for row in availability.out_on(today)]
    topics.append(
        [_Chunk("*Out today*", 0)] + (_name_lines("", out_today, max_section_chars) or [_Chunk("Nobody.", 0)])
    )
    partial = [
        escape_mrkdwn(f"{row.name} {row.days[index].hours_label}") for row in availability.partial_on(today)
    ]
    if partial:
        topics.append([_Chunk("*Partly out today*", 0)] + _name_lines("", partial, max_section_chars))

    later = [day for day in availability.days if day > today]
    if later:
        lines = [_Chunk(f"*Out later* ({format_days(later)})", 0)]
        for day in later:
            names = [escape_mrkdwn(row.name) for row in availability.out_on(day)]
            if names:
                lines.extend(_name_lines(f"• {format_day(day)}: ", names, max_section_chars))
        if len(lines) == 1:
            lines.append(_Chunk("Nobody.", 0))
        topics.append(lines)

    lines = [_Chunk("*Available today by position*", 0)]
    for group in availability.groups:
        names = [_name_with_hours(row, index) for row in group.rows if not row.days[index].is_out]
        title = escape_mrkdwn(group.position or NO_POSITION)
        if names:
            lines.extend(_name_lines(f"• *{title}* ({len(names)}): ", names, max_section_chars))
        else:
            lines.append(_Chunk(f"• *{title}* (0): nobody", 0))
    if len(lines) == 1:
        lines.append(_Chunk("Nobody is on the team yet.", 0))
    topics.append(lines)

    if shortfalls is not None:
        lines = [_Chunk("*Coverage*", 0)]
        if shortfalls:
            lines.extend(_Chunk(f"• :warning: {escape_mrkdwn(item.sentence)}", 0) for item in shortfalls)
        else:
            lines.append(_Chunk("Every position meets its minimum.", 0))
        topics.append(lines)

    chunks = [chunk for topic in topics for chunk in _pack(topic, max_section_chars)]
    blocks.extend(_fit(chunks, max_blocks - len(blocks) - 1, None, "See `/availability week` for the rest."))
    blocks.append(_context(f"Times in {availability.zone.key}."))
    return _dicts(blocks)


def digest_text(
    availability: Availability, today: date, shortfalls: Sequence[Shortfall] | None = None
) -> str:
    """The notification text for the digest."""
    out = _short_list([row.name for row in availability.out_on(today)])
    text = f"Team today ({format_day(today)}). Out today: {out}."
    if today in availability.days_off:
        closed = escape_mrkdwn(availability.days_off[today])
        text = f"Team today ({format_day(today)}): {closed}, closed. Out today: {out}."
    if shortfalls:
        text += f" Coverage: {_short_list([item.sentence for item in shortfalls], joiner='; ')}."
    return text


# ---- shared -----------------------------------------------------------------------------------


def _name_lines(prefix: str, names: Sequence[str], max_chars: int) -> list[_Chunk]:
    """`prefix` + names joined by ', ', over as many lines as needed so each fits a section."""
    lines: list[_Chunk] = []
    current: list[str] = []
    size = len(prefix)
    for name in names:
        name = clip(name, max_chars - len(prefix) - 2)
        extra = len(name) + (2 if current else 0)
        if current and size + extra > max_chars:
            lines.append(_Chunk(prefix + ", ".join(current), len(current)))
            current, size = [], len(prefix)
            extra = len(name)
        current.append(name)
        size += extra
    if current:
        lines.append(_Chunk(prefix + ", ".join(current), len(current)))
    return lines


def _pack(lines: Sequence[_Chunk], max_chars: int) -> list[_Chunk]:
    """Lines joined into as few sections as fit `max_chars` each."""
    chunks: list[_Chunk] = []
    parts: list[str] = []
    size = 0
    members = 0
    for line in lines:
        extra = len(line.text) + (1 if parts else 0)
        if parts and size + extra > max_chars:
            chunks.append(_Chunk("\n".join(parts), members))
            parts, size, members = [], 0, 0
            extra = len(line.text)
        parts.append(line.text)
        size += extra
        members += line.members
    if parts:
        chunks.append(_Chunk("\n".join(parts), members))
    return chunks


def _fit(chunks: Sequence[_Chunk], budget: int, total: int | None, hint: str) -> list[Block]:
    """Sections for `chunks`, at most `budget` blocks: when they do not fit, the last block is a
    context line naming how many members were left out (`total` None: count what was cut)."""
    if len(chunks) <= budget:
        return [_section(chunk.text) for chunk in chunks]
    shown = chunks[: max(budget - 1, 0)]
    if total is None:
        left = sum(chunk.members for chunk in chunks[len(shown) :])
        note = f"…and {left} more. {hint}" if left else f"…and more. {hint}"
    else:
        left = total - sum(chunk.members for chunk in shown)
        note = f"…and {_count(left, 'more member')}. {hint}"
    return [*(_section(chunk.text) for chunk in shown), _context(note)]


def _short_list(items: Sequence[str], *, joiner: str = ", ") -> str:
    """Plain `items` (names, sentences) for a notification text, escaped: Slack parses it too."""
    if not items:
        return "nobody"
    head = joiner.join(escape_mrkdwn(item) for item in items[:FALLBACK_NAMES])
    return head if len(items) <= FALLBACK_NAMES else f"{head} and {len(items) - FALLBACK_NAMES} more"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER_CHARS), emoji=True))


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _dicts(blocks: Sequence[Block]) -> BlockDicts:
    # to_dict() validates each block against Slack's limits (raises SlackObjectFormationError).
    return [block.to_dict() for block in blocks]
