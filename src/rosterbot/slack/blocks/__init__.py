"""Pure Block Kit builders (slack_sdk.models), one module per feature, and Slack's limits they keep."""

from __future__ import annotations

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150


def escape_mrkdwn(text: str) -> str:
    """Text safe inside mrkdwn: Slack reads &, < and > as markup (links, mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in '…' when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
