"""Positions as Block Kit: the list (paginated), one position with its members, a choice among
positions, the remove confirmation, the position form, and `/position help`. Pure builders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
)

from rosterbot.api.models import Position, TeamMember
from rosterbot.services.positions import DESCRIPTION_MAX, TITLE_MAX
from rosterbot.slack.blocks import clip, escape_mrkdwn
from rosterbot.slack.blocks.common import (
    BlockDicts,
    Choice,
    ListPage,
    button,
    choice_blocks,
    chunk_lines,
    confirmation_blocks,
    context,
    form_view,
    header,
    help_blocks,
    inactive_mark,
    message,
    page_of,
    pager_blocks,
    section,
)
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.metadata import id_button_value, page_button_value

PAGE_SIZE = 20
DESCRIPTION_IN_LIST = 150
MAX_SALON_OPTIONS = 100

POSITION_USAGE: tuple[tuple[str, str], ...] = (
    ("/position list", "every position"),
    ("/position show <position>", "one position and who has it"),
    ("/position add", "create a position (owner or admin)"),
    ("/position edit <position>", "edit a position (owner or admin)"),
    ("/position remove <position>", "delete a position, after you confirm (owner or admin)"),
    ("/position help", "this help"),
)
POSITION_HELP_FOOTER = (
    "Name a position by id (`#3`) or title. Give a member a position with "
    "`/team position <member> <position>`."
)


def position_help_blocks() -> BlockDicts:
    return help_blocks("/position", POSITION_USAGE, POSITION_HELP_FOOTER)


def salons_text(salon_ids: Sequence[int]) -> str:
    return ", ".join(f"#{s}" for s in salon_ids) if salon_ids else "—"


# ---- the list ------------------------------------------------------------------------------------


def list_page_value(page: int) -> str:
    return page_button_value(page)


def position_line(position: Position) -> str:
    line = (
        f"• *{escape_mrkdwn(position.title)}* `#{position.id}` — locations {salons_text(position.salon_ids)}"
    )
    if position.description:
        line += f"\n    {escape_mrkdwn(clip(position.description, DESCRIPTION_IN_LIST))}"
    return line


def position_list_page(
    positions: Sequence[Position], *, page: int = 1, page_size: int = PAGE_SIZE
) -> ListPage:
    shown, page, pages = page_of(positions, page, page_size)
    count = len(positions)
    blocks: list[Block] = [header(f"Positions · {count}")]
    if not positions:
        blocks.append(
            section("There are no positions yet. An owner or admin can add one with `/position add`.")
        )
        return ListPage("There are no positions yet.", message(blocks))
    blocks.extend(section(chunk) for chunk in chunk_lines(position_line(p) for p in shown))
    if pages > 1:
        blocks.append(context(f"Page {page} of {pages}"))
    blocks += pager_blocks(
        page,
        pages,
        action_id=ActionId.POSITION_LIST_PAGE,
        block_id=BlockId.POSITION_LIST_NAV,
        value_for=list_page_value,
    )
    return ListPage(f"{count} position{'s' if count != 1 else ''}", message(blocks))


# ---- one position --------------------------------------------------------------------------------


def position_blocks(position: Position, members: Sequence[TeamMember]) -> BlockDicts:
    lines = [
        f"*Id:* `#{position.id}`",
        f"*Locations:* {salons_text(position.salon_ids)}",
        f"*Description:* {escape_mrkdwn(position.description) if position.description else '—'}",
    ]
    blocks: list[Block] = [header(position.title), section("\n".join(lines))]
    if members:
        names = [f"• {escape_mrkdwn(m.name)} `#{m.id}`{inactive_mark(m)}" for m in members]
        chunks = chunk_lines([f"*Members ({len(members)}):*", *names])
        blocks.extend(section(chunk) for chunk in chunks[:40])
    else:
        blocks.append(context("Nobody has this position. Give it with `/team position <member> <position>`."))
    return message(blocks)


def position_label(position: Position) -> str:
    return f"{position.title} · #{position.id}"


def position_choice_blocks(
    prompt: str, positions: Sequence[Position], continuation: Callable[[Position], str]
) -> list[Block]:
    choices = [Choice(position_label(p), continuation(p)) for p in positions]
    return choice_blocks(prompt, choices, action_id=ActionId.POSITION_PICK, block_id=BlockId.POSITION_PICK)


def remove_position_blocks(position: Position, member_count: int) -> BlockDicts:
    value = id_button_value(position.id)  # the service checks the clicker's permission on it
    holders = (
        f"{member_count} member{'s have' if member_count != 1 else ' has'} it and will have no position."
        if member_count
        else "Nobody has it."
    )
    buttons = [
        button("Remove", ActionId.POSITION_REMOVE_CONFIRM, value, style="danger"),
        button("Cancel", ActionId.POSITION_REMOVE_CANCEL, value),
    ]
    question = f"Delete the position *{escape_mrkdwn(position.title)}* (`#{position.id}`)?"
    return confirmation_blocks(question, f":warning: {holders}", buttons, block_id=BlockId.POSITION_REMOVE)


# ---- the form ------------------------------------------------------------------------------------


def _salon_option(salon_id: int) -> Option:
    return Option(value=str(salon_id), label=f"Location #{salon_id}")


def position_form_view(
    *,
    salon_ids: Sequence[int],
    selected_salon_ids: Sequence[int],
    metadata: str,
    position: Position | None = None,
) -> dict[str, Any]:
    """The add position form (no `position`) or the edit form prefilled. `salon_ids`: the
    locations to offer; `selected_salon_ids`: those chosen at first."""
    field = ActionId.POSITION_FIELD.value
    offered = sorted(set(salon_ids) | set(selected_salon_ids))[:MAX_SALON_OPTIONS]
    options = [_salon_option(s) for s in offered]
    initial = [_salon_option(s) for s in selected_salon_ids if s in offered]
    blocks: list[Block] = [
        InputBlock(
            block_id=BlockId.POSITION_TITLE,
            label=PlainTextObject(text="Title"),
            element=PlainTextInputElement(
                action_id=field, max_length=TITLE_MAX, initial_value=position.title if position else None
            ),
        ),
        InputBlock(
            block_id=BlockId.POSITION_DESCRIPTION,
            label=PlainTextObject(text="Description"),
            optional=True,
            element=PlainTextInputElement(
                action_id=field,
                multiline=True,
                max_length=DESCRIPTION_MAX,
                initial_value=position.description if position and position.description else None,
            ),
        ),
    ]
    if options:
        blocks.append(
            InputBlock(
                block_id=BlockId.POSITION_SALONS,
                label=PlainTextObject(text="Locations"),
                optional=True,
                element=StaticMultiSelectElement(
                    action_id=field,
                    placeholder=PlainTextObject(text="Choose locations"),
                    options=options,
                    initial_options=initial or None,
                ),
                hint=PlainTextObject(
                    text="None chosen: " + ("the current ones." if position else "the company's locations.")
                ),
            )
        )
    editing = position is not None
    return form_view(
        "Edit position" if editing else "Add position",
        blocks,
        callback_id=CallbackId.POSITION_EDIT if editing else CallbackId.POSITION_ADD,
        submit="Save" if editing else "Add",
        metadata=metadata,
    )
