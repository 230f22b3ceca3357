"""Who is available on which local day: members × days from blocked times. Pure: no I/O.

Members and blocks are taken structurally (`MemberLike`, `BlockLike`), so `api.models.CalendarMember`
and `api.models.BlockedTime` fit as they are while domain/ imports nothing of ours.

Rules:
- Days are local dates in the business's zone; hours are local wall-clock times, so a block from
  09:00 to 17:00 on a daylight-saving day still shows 09:00–17:00.
- An all-day block covers every local day from its local start date to its local end date; the
  end day counts only if the block ends after that day's local midnight.
- A partial block shows its local hours clipped to each day it touches; a day it covers from
  midnight to midnight (alone or together with others) is out all day.
- A block with no employee, or for someone not in the member list, is ignored; a naive datetime is
  read as UTC.
- "Available" in counts (coverage, the one-day view) means not out all day: a member blocked for
  some hours still works that day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Protocol
from zoneinfo import ZoneInfo

from rosterbot.domain.dates import MINUTES_PER_DAY, day_bounds_utc, format_minute_range


class MemberLike(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


class BlockLike(Protocol):
    @property
    def employee_id(self) -> int | None: ...

    @property
    def name(self) -> str: ...

    @property
    def from_date(self) -> datetime: ...

    @property
    def to_date(self) -> datetime: ...

    @property
    def all_day(self) -> bool: ...


class DayState(StrEnum):
    AVAILABLE = "available"
    OUT = "out"  # blocked all day
    PARTIAL = "partial"  # blocked for some hours


@dataclass(frozen=True)
class BusySpan:
    """Blocked local hours within one day, as minutes after local midnight (end up to 1440)."""

    start_minute: int
    end_minute: int
    name: str = ""

    @property
    def label(self) -> str:
        return format_minute_range(self.start_minute, self.end_minute)


@dataclass(frozen=True)
class DayStatus:
    day: date
    state: DayState
    spans: tuple[BusySpan, ...] = ()  # PARTIAL: the blocks' hours, by start
    reasons: tuple[str, ...] = ()  # names of the blocks behind OUT or PARTIAL, first seen first

    @property
    def is_out(self) -> bool:
        return self.state is DayState.OUT

    @property
    def busy_hours(self) -> tuple[tuple[int, int], ...]:
        """The blocked minutes merged where they overlap or touch."""
        return merge_spans((span.start_minute, span.end_minute) for span in self.spans)

    @property
    def hours_label(self) -> str:
        """'09:00–11:00, 14:00–15:00' for a partial day; '' otherwise."""
        return ", ".join(format_minute_range(start, end) for start, end in self.busy_hours)


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    position: str | None
    days: tuple[DayStatus, ...]


@dataclass(frozen=True)
class PositionGroup:
    position: str | None  # None: members with no position
    rows: tuple[MemberRow, ...]


@dataclass(frozen=True, eq=False)
class Availability:
    days: tuple[date, ...]  # sorted, distinct local dates
    zone: ZoneInfo
    groups: tuple[PositionGroup, ...]  # by title, "no position" last; rows by name
    position_titles: Mapping[int, str] = field(default_factory=dict)  # id -> title, for coverage keys
    # The business's days off among `days` (public holidays, its closed days): day -> '🎉 Christmas Day'
    days_off: Mapping[date, str] = field(default_factory=dict)

    @cached_property
    def rows(self) -> tuple[MemberRow, ...]:
        return tuple(row for group in self.groups for row in group.rows)

    @cached_property
    def _by_member(self) -> dict[int, MemberRow]:
        return {row.member_id: row for row in self.rows}

    @property
    def member_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)

    def row(self, member_id: int) -> MemberRow | None:
        return self._by_member.get(member_id)

    def day_index(self, day: date) -> int:
        """The column of `day`; ValueError when it is not one of `days`."""
        index = bisect_left(self.days, day)
        if index == len(self.days) or self.days[index] != day:
            raise ValueError(f"{day} is not in this availability")
        return index

    def status(self, member_id: int, day: date) -> DayStatus | None:
        row = self.row(member_id)
        return None if row is None else row.days[self.day_index(day)]

    def available_on(self, day: date) -> list[MemberRow]:
        """Members not out all day (a partially blocked member is available)."""
        index = self.day_index(day)
        return [row for row in self.rows if not row.days[index].is_out]

    def fully_available_on(self, day: date) -> list[MemberRow]:
        index = self.day_index(day)
        return [row for row in self.rows if row.days[index].state is DayState.AVAILABLE]

    def partial_on(self, day: date) -> list[MemberRow]:
        index = self.day_index(day)
        return [row for row in self.rows if row.days[index].state is DayState.PARTIAL]

    def out_on(self, day: date) -> list[MemberRow]:
        index = self.day_index(day)
        return [row for row in self.rows if row.days[index].is_out]

    def available_count(self, position: str | None, day: date) -> int:
        index = self.day_index(day)
        return sum(
            1
            for group in self.groups
            if group.position == position
            for row in group.rows
            if not row.days[index].is_out
        )


def compute_availability(
    members: Iterable[MemberLike],
    blocks: Iterable[BlockLike],
    positions: Mapping[int, str | None],
    days: Sequence[date],
    zone: ZoneInfo,
    position_titles: Mapping[int, str] | None = None,
) -> Availability:
    """Every member × day. `positions` maps member id -> position title (absent or None: none).

    Blocks are indexed by employee and each is placed on its days by binary search, so the cost
    is members × days + blocks × days they touch, never members × blocks."""
    day_list = tuple(sorted(set(days)))
    bounds = [day_bounds_utc(day, zone) for day in day_list]
    starts = [start for start, _ in bounds]
    member_list = list(members)
    member_ids = {member.id for member in member_list}

    by_member: dict[int, list[BlockLike]] = defaultdict(list)
    for block in blocks:
        if block.employee_id is not None and block.employee_id in member_ids:
            by_member[block.employee_id].append(block)

    free = tuple(DayStatus(day, DayState.AVAILABLE) for day in day_list)
    grouped: dict[str | None, list[MemberRow]] = defaultdict(list)
    for member in member_list:
        member_blocks = by_member.get(member.id)
        statuses = free if not member_blocks else _member_days(member_blocks, day_list, bounds, starts, zone)
        position = positions.get(member.id)
        grouped[position].append(MemberRow(member.id, member.name, position, statuses))

    titled = sorted((p for p in grouped if p is not None), key=lambda p: (p.casefold(), p))
    order: list[str | None] = [*titled, None] if None in grouped else list(titled)
    groups = tuple(
        PositionGroup(
            position, tuple(sorted(grouped[position], key=lambda r: (r.name.casefold(), r.member_id)))
        )
        for position in order
    )
    return Availability(day_list, zone, groups, dict(position_titles or {}))


def merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass
class _DayAcc:
    out: bool = False
    spans: list[BusySpan] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add_reason(self, name: str) -> None:
        if name and name not in self.reasons:
            self.reasons.append(name)


def _member_days(
    blocks: list[BlockLike],
    days: tuple[date, ...],
    bounds: list[tuple[datetime, datetime]],
    starts: list[datetime],
    zone: ZoneInfo,
) -> tuple[DayStatus, ...]:
    accs = [_DayAcc() for _ in days]
    for block in blocks:
        if block.all_day:
            _place_all_day(block, days, zone, accs)
        else:
            _place_partial(block, bounds, starts, zone, accs)

    statuses: list[DayStatus] = []
    for day, acc in zip(days, accs, strict=True):
        reasons = tuple(acc.reasons)
        if acc.out:
            statuses.append(DayStatus(day, DayState.OUT, (), reasons))
        elif acc.spans:
            spans = tuple(sorted(acc.spans, key=lambda s: (s.start_minute, s.end_minute, s.name)))
            if merge_spans((s.start_minute, s.end_minute) for s in spans) == ((0, MINUTES_PER_DAY),):
                statuses.append(DayStatus(day, DayState.OUT, (), reasons))
            else:
                statuses.append(DayStatus(day, DayState.PARTIAL, spans, reasons))
        else:
            statuses.append(DayStatus(day, DayState.AVAILABLE))
    return tuple(statuses)


def _place_all_day(block: BlockLike, days: tuple[date, ...], zone: ZoneInfo, accs: list[_DayAcc]) -> None:
    start = _aware(block.from_date)
    end = _aware(block.to_date)
    first = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    if last > first and end <= day_bounds_utc(last, zone)[0]:
        last = date.fromordinal(last.toordinal() - 1)  # ends at the last day's midnight: not that day
    last = max(last, first)
    index = bisect_left(days, first)
    while index < len(days) and days[index] <= last:
        accs[index].out = True
        accs[index].add_reason(block.name)
        index += 1


def _place_partial(
    block: BlockLike,
    bounds: list[tuple[datetime, datetime]],
    starts: list[datetime],
    zone: ZoneInfo,
    accs: list[_DayAcc],
) -> None:
    start = _aware(block.from_date)
    end = _aware(block.to_date)
    if end <= start:
        return
    index = max(bisect_right(starts, start) - 1, 0)
    while index < len(bounds) and bounds[index][0] < end:
        day_start, day_end = bounds[index]
        if day_end > start:
            first = 0 if start <= day_start else _wall_minute(start, zone, round_up=False)
            last = MINUTES_PER_DAY if end >= day_end else _wall_minute(end, zone, round_up=True)
            # Across a fall-back hour the wall clock can run backwards; show the window it spans.
            first, last = min(first, last), max(first, last)
            if last > first:
                accs[index].spans.append(BusySpan(first, last, block.name))
                accs[index].add_reason(block.name)
        index += 1


def _wall_minute(instant: datetime, zone: ZoneInfo, *, round_up: bool) -> int:
    local = instant.astimezone(zone)
    minute = local.hour * 60 + local.minute
    # An end at 16:59:59 reads as 17:00, and 23:59:59 as the end of the day.
    if round_up and (local.second or local.microsecond):
        minute += 1
    return minute


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
