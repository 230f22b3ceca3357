"""Coverage: fewer members of a position available on a day than its minimum. Pure: no I/O.

Minimums are keyed by position id (an int, or its digits as a string, as the workspace settings
store them) or by title. Ids are resolved through `Availability.position_titles` (every position
the business has); an id with no title there is a position that was removed, whose minimum counts
for nothing. A member counts as available unless out all day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from rosterbot.domain.availability import Availability
from rosterbot.domain.dates import format_day


@dataclass(frozen=True)
class Shortfall:
    position: str
    day: date
    available: int
    minimum: int

    @property
    def missing(self) -> int:
        return self.minimum - self.available

    @property
    def sentence(self) -> str:
        """'only 1 Senior Stylist left on Fri 3 Apr (minimum 2)'."""
        if self.available == 0:
            count = f"no {self.position}"
        elif self.available == 1:
            count = f"only 1 {self.position}"
        else:
            count = f"only {self.available} {plural(self.position)}"
        return f"{count} left on {format_day(self.day)} (minimum {self.minimum})"


def resolve_minimums(
    minimums: Mapping[int, int] | Mapping[str, int] | Mapping[int | str, int],
    position_titles: Mapping[int, str],
) -> dict[str, int]:
    """Minimums by position title; a non-positive minimum, or one whose position is gone, is
    dropped (nothing to fall short of)."""
    resolved: dict[str, int] = {}
    for key, minimum in minimums.items():
        title = _title_for(key, position_titles)
        if int(minimum) <= 0 or title is None:
            continue
        resolved[title] = max(resolved.get(title, 0), int(minimum))
    return resolved


def shortfalls(
    availability: Availability,
    minimums: Mapping[int, int] | Mapping[str, int] | Mapping[int | str, int],
) -> list[Shortfall]:
    """Every day and position with fewer available members than its minimum, by day then title."""
    resolved = resolve_minimums(minimums, availability.position_titles)
    found: list[Shortfall] = []
    for day in availability.days:
        for title, minimum in sorted(resolved.items(), key=lambda item: item[0].casefold()):
            available = availability.available_count(title, day)
            if available < minimum:
                found.append(Shortfall(title, day, available, minimum))
    return found


def request_shortfalls(
    availability: Availability,
    minimums: Mapping[int, int] | Mapping[str, int] | Mapping[int | str, int],
    member_id: int,
    dates: Iterable[date],
) -> list[Shortfall]:
    """The shortfalls that time off for `member_id` on `dates` would leave: days on which the member
    now counts for a position with a minimum and, without them, the count falls below it.

    Dates outside `availability.days` are not judged (compute availability for the request's dates)."""
    row = availability.row(member_id)
    if row is None or row.position is None:
        return []
    minimum = resolve_minimums(minimums, availability.position_titles).get(row.position)
    if minimum is None:
        return []
    found: list[Shortfall] = []
    for day in sorted(set(dates)):
        if day not in availability.days or row.days[availability.day_index(day)].is_out:
            continue
        left = availability.available_count(row.position, day) - 1
        if left < minimum:
            found.append(Shortfall(row.position, day, left, minimum))
    return found


def describe(found: Iterable[Shortfall]) -> str:
    """The sentences joined: 'only 1 Stylist left on Fri 3 Apr (minimum 2); no Colorist left on …'."""
    return "; ".join(item.sentence for item in found)


def plural(title: str) -> str:
    """A job title in the plural, well enough for the usual ones (Stylists, Coaches, Cashiers)."""
    if not title or not title[-1].isalpha():
        return title
    lower = title.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return f"{title}es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return f"{title[:-1]}ies"
    return f"{title}s"


def _title_for(key: int | str, position_titles: Mapping[int, str]) -> str | None:
    """The title a minimum's key names; None for the id of a position that no longer exists."""
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isascii() and key.strip().isdigit()):
        return position_titles.get(int(key))
    return key.strip()
