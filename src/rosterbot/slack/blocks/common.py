"""Small Block Kit builders the features share: sections, help, a notice, a choice among matches,
a confirmation, a page of a list and its paging buttons, forms, and modals that only say something.

Everything is made with `slack_sdk.models` and turned into dicts with `to_dict()`, which checks
Slack's limits (button text 75 characters, value 2000, 25 elements an actions block, 100 blocks
and a 24-character title a modal); `message` checks the 50 blocks a message may hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from rosterbot.api.models import TeamMember
from rosterbot.slack.blocks import (
    MAX_HEADER_CHARS,
    MAX_MESSAGE_BLOCKS,
    MAX_MODAL_BLOCKS,
    MAX_SECTION_CHARS,
    clip,
    escape_mrkdwn,
)

BlockDicts = list[dict[str, Any]]
T = TypeVar("T")

BUTTON_TEXT_MAX = 75
MODAL_TITLE_MAX = 24
MAX_CHOICES = 25  # one actions block
LOADING_TEXT = ":hourglass_flowing_sand: Loading…"


def section(
    text: str, *, block_id: str | None = None, accessory: ButtonElement | None = None
) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, MAX_SECTION_CHARS)), block_id=block_id, accessory=accessory
    )


def header(text: str, *, block_id: str | None = None) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER_CHARS), emoji=True), block_id=block_id)


def context(text: str, *, block_id: str | None = None) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, MAX_SECTION_CHARS))], block_id=block_id)


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=clip(text, BUTTON_TEXT_MAX)), action_id=action_id, value=value, style=style
    )


def message(blocks: Sequence[Block]) -> BlockDicts:
    """Blocks as dicts for a message, checked against Slack's limits."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        raise ValueError(f"a message holds at most {MAX_MESSAGE_BLOCKS} blocks, not {len(blocks)}")
    return [block.to_dict() for block in blocks]


def notice(text: str) -> BlockDicts:
    """One section saying `text` (an ephemeral answer)."""
    return message([section(text)])


def chunk_lines(lines: Iterable[str], max_chars: int = MAX_SECTION_CHARS) -> list[str]:
    """Lines joined into texts of at most `max_chars` (a line longer than that is clipped)."""
    chunks: list[str] = []
    current = ""
    for raw in lines:
        line = clip(raw, max_chars)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > max_chars:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def help_blocks(
    title: str, usage: Sequence[tuple[str, str]], footer: str = "", *, intro: str = ""
) -> BlockDicts:
    """A help message: `usage` is (command, what it does) pairs; `intro` comes under the title."""
    lines = [f"`{command}` — {what}" for command, what in usage]
    blocks: list[Block] = [header(title)]
    if intro:
        blocks.append(section(intro))
    blocks.extend(section(chunk) for chunk in chunk_lines(lines))
    if footer:
        blocks.append(context(footer))
    return message(blocks)


@dataclass(frozen=True)
class Choice:
    label: str  # what the button says
    value: str  # what a click sends back: the command text that continues the operation


def choice_blocks(prompt: str, choices: Sequence[Choice], *, action_id: str, block_id: str) -> list[Block]:
    """`prompt` and one button per choice (at most 25; the rest are counted, not shown). Buttons are
    numbered `{action_id}_0`, `{action_id}_1`...: action ids are unique within a block."""
    shown = choices[:MAX_CHOICES]
    blocks: list[Block] = [section(prompt)]
    blocks.append(
        ActionsBlock(
            block_id=block_id,
            elements=[button(c.label, f"{action_id}_{i}", c.value) for i, c in enumerate(shown)],
        )
    )
    if len(choices) > len(shown):
        blocks.append(context(f"…and {len(choices) - len(shown)} more. Be more specific to narrow it."))
    return blocks


def confirmation_blocks(
    question: str, warning: str, buttons: Sequence[ButtonElement], *, block_id: str
) -> BlockDicts:
    """A question, a warning line, and the buttons that answer it."""
    blocks: list[Block] = [section(question)]
    if warning:
        blocks.append(context(warning))
    blocks.append(ActionsBlock(block_id=block_id, elements=list(buttons)))
    return message(blocks)


# ---- a page of a list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPage:
    text: str  # the notification text
    blocks: BlockDicts


def pages_of(count: int, page_size: int) -> int:
    return max(1, -(-count // page_size))


def page_of(items: Sequence[T], page: int, page_size: int) -> tuple[Sequence[T], int, int]:
    """The items on `page` (taken within 1..pages, so a stale button still shows a page), the page
    shown, and how many pages there are."""
    pages = pages_of(len(items), page_size)
    page = min(max(page, 1), pages)
    return items[(page - 1) * page_size : page * page_size], page, pages


def pager_blocks(
    page: int, pages: int, *, action_id: str, block_id: str, value_for: Callable[[int], str]
) -> list[Block]:
    """Previous / Next buttons (`{action_id}_prev`, `{action_id}_next`); none with one page.
    `value_for(page)` gives the value a button sends."""
    if pages <= 1:
        return []
    elements: list[ButtonElement] = []
    if page > 1:
        elements.append(button("◀ Previous", f"{action_id}_prev", value_for(page - 1)))
    if page < pages:
        elements.append(button("Next ▶", f"{action_id}_next", value_for(page + 1)))
    return [ActionsBlock(block_id=block_id, elements=elements)]


# ---- a select that searches (external_select) -----------------------------------------------------

MAX_SUGGESTED = 100  # options Slack shows from one block_suggestion answer
OPTION_TEXT_MAX = 75


def search_options(found: Sequence[tuple[str, str]], total: int) -> dict[str, Any]:
    """The answer to a block_suggestion: `found` (value, label) pairs, at most 100 shown; when
    `total` (every match) is more, one group whose label counts them and asks for more letters."""
    shown = found[:MAX_SUGGESTED]
    options = [Option(value=value, text=clip(label, OPTION_TEXT_MAX)).to_dict() for value, label in shown]
    if total <= len(options):
        return {"options": options}
    label = f"{len(options)} of {total:,} · type more to narrow"
    return {"option_groups": [{"label": {"type": "plain_text", "text": label}, "options": options}]}


# ---- modals ----------------------------------------------------------------------------------------


def modal_title(text: str) -> PlainTextObject:
    return PlainTextObject(text=clip(text, MODAL_TITLE_MAX))


def form_view(
    title: str,
    blocks: Sequence[Block],
    *,
    callback_id: str,
    submit: str,
    metadata: str,
    close: str = "Cancel",
) -> dict[str, Any]:
    """A modal form: `submit` and `close` name its buttons; `metadata` comes back on submission."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=modal_title(title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text=close),
        blocks=list(blocks),
        private_metadata=metadata or None,
    ).to_dict()


def loading_view(title: str, callback_id: str) -> dict[str, Any]:
    """What a modal shows while its data loads (opened at once: a trigger id lives 3 seconds)."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=modal_title(title),
        close=PlainTextObject(text="Cancel"),
        blocks=[section(LOADING_TEXT)],
    ).to_dict()


def notice_view(
    title: str, blocks: Sequence[Block | dict[str, Any]], callback_id: str, *, metadata: str = ""
) -> dict[str, Any]:
    """A modal with nothing to submit: a refusal, a "not found", or a choice among matches."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=modal_title(title),
        close=PlainTextObject(text="Close"),
        blocks=list(blocks),
        private_metadata=metadata or None,
    ).to_dict()


# Where each input element keeps its submitted value (state.values) and its initial one.
_REFILL = {
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "radio_buttons": ("selected_option", "initial_option"),
    "static_select": ("selected_option", "initial_option"),
    "users_select": ("selected_user", "initial_user"),
    "checkboxes": ("selected_options", "initial_options"),
    "multi_static_select": ("selected_options", "initial_options"),
    "plain_text_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
}


REFUSAL = "form_refusal"  # the block id (prefix) of what a refilled form says: dropped on a refill


def refilled_form(view: dict[str, Any], banner: str, notes: Mapping[str, str]) -> dict[str, Any]:
    """The submitted form `view` (as Slack sent it) again, with what the user entered, `banner` on
    top and each of `notes` (plain text, by input block id) under its input: for a form acked
    before its work was done, when that work then fails (a views.update cannot carry `errors`)."""
    values = (view.get("state") or {}).get("values") or {}
    blocks: list[dict[str, Any]] = [section(banner, block_id=REFUSAL).to_dict()]
    for block in view.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        if block_id.startswith(REFUSAL):
            continue  # what an earlier refill said
        block = {key: value for key, value in block.items() if key != "dispatch_action"}
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            submitted = (values.get(block_id) or {}).get(element.get("action_id")) or {}
            source, target = _REFILL.get(str(element.get("type")), ("", ""))
            element = {key: value for key, value in element.items() if not key.startswith("initial_")}
            if submitted.get(source) not in (None, [], ""):
                element[target] = submitted[source]
            block["element"] = element
        blocks.append(block)
        if block_id in notes:
            note = f":warning: {escape_mrkdwn(notes[block_id])}"
            blocks.append(context(note, block_id=f"{REFUSAL}_{block_id}").to_dict())
    kept = ("type", "title", "submit", "close", "callback_id", "private_metadata", "notify_on_close")
    return {key: view[key] for key in kept if key in view} | {"blocks": blocks[:MAX_MODAL_BLOCKS]}


def inactive_mark(member: TeamMember) -> str:
    """" _(inactive)_" after the name of a member who is inactive, wherever members are listed."""
    return "" if member.is_active else " _(inactive)_"
