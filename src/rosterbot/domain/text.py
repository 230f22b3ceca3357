"""Checks on free text people type (names, e-mails, titles, descriptions, reasons, notes). Pure.

One rule for every field: no control character (Unicode Cc: NUL, escape codes…; PostgreSQL refuses
NUL in text, and nobody means one), no invisible formatting character (Cf: zero-width spaces, the
byte order mark, bidirectional overrides and isolates such as U+202E that make a name read
backwards), no lone surrogate (Cs: not text at all) and no line or paragraph separator (U+2028,
U+2029). Two exceptions, because real text needs them: a multi-line field may hold newlines and
tabs; and the zero-width joiner and non-joiner (U+200D, U+200C) are allowed between two visible
characters, where they only decide how the two join (Persian and Indic words, emoji sequences
like 👩‍🔧) and can neither hide nor reorder anything.
"""

from __future__ import annotations

import unicodedata

MULTILINE_ALLOWED = frozenset("\n\t")
JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner, zero-width joiner
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def hidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of `text` the rule above refuses, as `U+202E`; None when there is none.
    `multiline` allows newlines and tabs."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    for index, ch in enumerate(text):
        if ch in allowed or unicodedata.category(ch) not in _REFUSED_CATEGORIES:
            continue
        if ch in JOINERS and _visible(text, index - 1) and _visible(text, index + 1):
            continue
        return f"U+{ord(ch):04X}"
    return None


def hidden_character_error(what: str, text: str, *, multiline: bool = False) -> str | None:
    """The sentence refusing `text` (`what`: "A name", "A reason"…), or None when it is fine."""
    found = hidden_character(text, multiline=multiline)
    if found is None:
        return None
    return f"{what} can't contain control or invisible characters (found {found})."


def _visible(text: str, index: int) -> bool:
    if not 0 <= index < len(text):
        return False
    ch = text[index]
    return not ch.isspace() and unicodedata.category(ch) not in _REFUSED_CATEGORIES
