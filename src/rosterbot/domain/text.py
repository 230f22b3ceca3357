"""Checks on free text people type (names, titles, descriptions). Pure."""

from __future__ import annotations

import unicodedata

MULTILINE_ALLOWED = frozenset("\n\t")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds a control character (NUL, escape codes…): no name, title or
    description needs one, and PostgreSQL refuses NUL in text. `multiline` allows newlines and tabs."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)
