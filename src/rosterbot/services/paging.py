"""A page of a longer list and the size of the whole list, counted (never the page's length)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """`items`: the page, from `offset` in the whole list; `total`: how many the whole list holds."""

    items: Sequence[T]
    total: int
    offset: int = 0

    @property
    def rest(self) -> int:
        """How many come after this page."""
        return max(0, self.total - self.offset - len(self.items))
