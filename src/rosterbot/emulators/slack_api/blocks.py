"""Light Block Kit checks the stand-in applies where they are cheap, with the error codes Slack gives.

Not a full schema: enough that a message or modal Slack would refuse is refused here too (too many
blocks, an over-long section, a duplicate block id, a modal without a title or a submit button).
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BLOCK_ID = 255
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "rich_text",
        "section",
        "video",
        "markdown",
        "table",
    }
)


class BlockKitError(ValueError):
    """Slack would refuse this: `code` is Slack's error code, `messages` its response_metadata lines."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.messages = [f"[ERROR] {message}"]


def check_message_blocks(blocks: Any) -> None:
    """Raise `BlockKitError("invalid_blocks", ...)` when chat.postMessage & co. would refuse `blocks`."""
    if blocks is None:
        return
    _check_blocks(blocks, limit=MAX_MESSAGE_BLOCKS, code="invalid_blocks", pointer="/blocks")


def check_view(view: Any) -> None:
    """Raise `BlockKitError("invalid_arguments", ...)` when views.* would refuse `view`."""
    code = "invalid_arguments"
    if not isinstance(view, dict):
        raise BlockKitError(code, "view must be an object [json-pointer:/view]")
    kind = view.get("type")
    if kind not in ("modal", "home"):
        raise BlockKitError(code, "view type must be modal or home [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if blocks is None:
        raise BlockKitError(code, "missing required field: blocks [json-pointer:/view/blocks]")
    _check_blocks(blocks, limit=MAX_VIEW_BLOCKS, code=code, pointer="/view/blocks")
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        raise BlockKitError(code, "must be less than 3001 characters [json-pointer:/view/private_metadata]")
    if kind == "modal":
        title = _text_of(view.get("title"))
        if not title:
            raise BlockKitError(code, "missing required field: title [json-pointer:/view/title]")
        if len(title) > MAX_MODAL_TITLE:
            raise BlockKitError(code, "must be less than 25 characters [json-pointer:/view/title/text]")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not _text_of(view.get("submit")):
            raise BlockKitError(
                code, "submit is required when an input block is present [json-pointer:/view/submit]"
            )


def _check_blocks(blocks: Any, *, limit: int, code: str, pointer: str) -> None:
    if not isinstance(blocks, list):
        raise BlockKitError(code, f"must be an array [json-pointer:{pointer}]")
    if len(blocks) > limit:
        raise BlockKitError(code, f"no more than {limit} items allowed [json-pointer:{pointer}]")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCK_TYPES:
            raise BlockKitError(code, f"unsupported or missing block type [json-pointer:{where}/type]")
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id or len(block_id) > MAX_BLOCK_ID:
                raise BlockKitError(code, f"invalid block_id [json-pointer:{where}/block_id]")
            if block_id in seen:
                raise BlockKitError(code, f"duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
            seen.add(block_id)
        if block["type"] == "section":
            text = _text_of(block.get("text"))
            if len(text) > MAX_SECTION_TEXT:
                raise BlockKitError(
                    code, f"must be less than 3001 characters [json-pointer:{where}/text/text]"
                )
            if not text and not block.get("fields"):
                raise BlockKitError(code, f"a section needs text or fields [json-pointer:{where}]")
        elif block["type"] == "header" and len(_text_of(block.get("text"))) > MAX_HEADER_TEXT:
            raise BlockKitError(code, f"must be less than 151 characters [json-pointer:{where}/text/text]")
        elif block["type"] == "input" and not isinstance(block.get("element"), dict):
            raise BlockKitError(code, f"missing required field: element [json-pointer:{where}/element]")


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return str(obj or "")
