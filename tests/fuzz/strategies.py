"""Hypothesis strategies for what users type: slash-command texts built from the app's own words
and from the hostile and odd (Slack's escaped mentions and channel refs, unicode, control
characters, huge strings), and mutations of JSON payloads (keys dropped, values of the wrong type,
unknown ids)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

TEAM_WORDS = ["list", "show", "add", "edit", "deactivate", "reactivate", "remove", "position", "link"]
TEAM_WORDS += ["whoami", "help", "all", "inactive", "none"]
POSITION_WORDS = ["list", "show", "add", "edit", "remove", "help"]
TIMEOFF_WORDS = ["list", "pending", "cancel", "help", "request", "#1", "1", "0", "-1"]
AVAILABILITY_WORDS = ["today", "tomorrow", "week", "next", "month", "2025-02-29", "2024-02-29", "in", "#team"]

ODD_TOKENS = [
    "<@U0STAFF01|sam>",
    "<@U0OWNER01>",
    "<@U0GUEST01|gus>",
    "<@UNOBODY99|ghost>",
    "<@W0>",
    "<@>",
    "<@U0STAFF01|",
    "<#C0TEAM|team>",
    "<#C0APPROVALS>",
    "<#CNOPE|nope>",
    "<#C0TEAM",
    "<!here>",
    "<!channel>",
    "<!subteam^S123|@staff>",
    "<mailto:sam@demo-salon.example|sam@demo-salon.example>",
    "<https://example.com|link>",
    "sam@demo-salon.example",
    "SAM@DEMO-SALON.EXAMPLE",
    "@sam",
    "#1",
    "#999999999999999999999",
    "#-5",
    "#abc",
    "Sam",
    "Stone",
    "Sam Stone",
    '"Sam Stone"',
    "'Senior Stylist'",
    '"',
    "'",
    "`",
    "```",
    "*bold*",
    "_i_",
    "~s~",
    "> quote",
    "&amp;",
    "&lt;@U0OWNER01&gt;",
    "<>",
    "<<>>",
    "Colorist",
    "Senior Stylist",
    "owner",
    "admin",
    "staff",
    "0",
    "-1",
    "1e309",
    "99999999999999999999999999",
    "NaN",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "2025-13-45",
    "2024-02-29",
    "1970-01-01",
    "9999-12-31",
    "00:00",
    "25:61",
    "\x00",
    "\t",
    "\n",
    "\r\n",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\U0001f600",
    "e\u0301",
    "\ud7ff",
    "Ω≈ç√",
    "日本語",
    "مرحبا",
    "%s%s%n",
    "{0}",
    "${x}",
    "'; DROP TABLE team_links; --",
    "../../etc/passwd",
]

tokens = st.one_of(
    st.sampled_from(ODD_TOKENS),
    st.text(min_size=1, max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8),
)

separators = st.sampled_from([" ", "  ", "\t", "\n", "", " \u00a0 "])


@st.composite
def command_texts(draw: st.DrawFn, words: list[str]) -> str:
    """A command's text: often a real subcommand first, then odd tokens; sometimes pure noise,
    sometimes huge."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.text(max_size=300))
    if kind == 1:
        unit = draw(st.sampled_from(["a", "Sam ", "<@U0STAFF01|sam> ", "\u200b", "日本", "#"]))
        return unit * draw(st.integers(500, 4000))
    first = draw(st.one_of(st.sampled_from(words), st.sampled_from([w.upper() for w in words]), tokens))
    rest = draw(st.lists(st.tuples(separators, tokens), max_size=6))
    return first + "".join(sep + token for sep, token in rest)


def read_texts(words: list[str]) -> st.SearchStrategy[str]:
    """Texts that start with a read-only subcommand (or none at all)."""
    return st.tuples(st.sampled_from(words), st.lists(st.tuples(separators, tokens), max_size=5)).map(
        lambda parts: parts[0] + "".join(sep + token for sep, token in parts[1])
    )


# ---- JSON mutations ------------------------------------------------------------------------------

UNKNOWN_IDS = ["zz_unknown", "team_pick_99", "timeoff_approve", "team_remove_confirm", "", "x" * 300]

wrong_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["", "null", "{}", "[]", "timeoff_approve", "team_pick_0", "U0GUEST01", "#1", "-1"]),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside nested dicts and lists."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths(item, (*prefix, index)))
    return found


@st.composite
def mutated(
    draw: st.DrawFn, payload: dict[str, Any], protected: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`payload` with a few changes: a key dropped, a value replaced by one of the wrong type, or an
    id changed to one the app never made. Top-level keys in `protected` are kept whole (e.g. `user`:
    the clicker stays who they are)."""
    result = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 4))):
        candidates = [p for p in paths(result) if p[0] not in protected]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent: Any = result
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        how = draw(st.sampled_from(["drop", "wrong", "unknown_id"]))
        if how == "drop":
            del parent[last]
        elif how == "wrong":
            parent[last] = draw(wrong_values)
        else:
            parent[last] = draw(st.sampled_from(UNKNOWN_IDS))
    return result
