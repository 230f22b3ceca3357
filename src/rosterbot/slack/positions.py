"""`/position`: list, show, add, edit, remove, help.

Same shape as `/team` (a `rosterbot.slack.turn.Turn` per request): ack first; forms open at once
with a loading view and are filled with `views.update`; several matching positions get one button
each that continues the operation; the services decide and refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from slack_bolt import App

from rosterbot.api.models import Position
from rosterbot.domain.permissions import Operation
from rosterbot.slack.blocks import escape_mrkdwn
from rosterbot.slack.blocks.common import message, notice
from rosterbot.slack.blocks.positions import (
    position_blocks,
    position_choice_blocks,
    position_form_view,
    position_help_blocks,
    position_list_page,
    remove_position_blocks,
)
from rosterbot.slack.ids import ActionId, CallbackId
from rosterbot.slack.metadata import FormMetadata, PositionFormMetadata, read_id_button, read_page_button
from rosterbot.slack.parsing import (
    plain_reference,
    position_form,
)
from rosterbot.slack.turn import (
    Turn,
    action_listener,
    command_listener,
    dispatch,
    form_listener,
    require,
    sealer_of,
)

MODAL_TITLE = "Positions"


def find_position(
    turn: Turn, text: str, continuation: Callable[[Position], str], *, usage: str
) -> Position | None:
    """The one position `text` names (id or title), or None after telling the user."""
    reference = plain_reference(text)
    if not reference:
        turn.say(f"Name a position: `{usage}` (an id like `#3` or a title).")
        return None
    matches = turn.services.positions.find(turn.actor, reference)
    if not matches:
        turn.say(f"No position matches “{escape_mrkdwn(reference)}”. See `/position list`.")
        return None
    if len(matches) > 1:
        prompt = f"{len(matches)} positions match “{escape_mrkdwn(reference)}”. Which one?"
        turn.say(prompt, message(position_choice_blocks(prompt, matches, continuation)))
        return None
    return matches[0]


def known_salon_ids(turn: Turn, positions: list[Position]) -> list[int]:
    """The locations to offer: the company's and every one a position already uses."""
    found = set(turn.services.positions.default_salon_ids)
    for position in positions:
        found.update(position.salon_ids)
    return sorted(found)


# ---- the subcommands ---------------------------------------------------------------------------


def position_list(turn: Turn, rest: str) -> None:
    show_position_page(turn, 1)


def show_position_page(turn: Turn, page: int) -> None:
    listed = position_list_page(turn.services.positions.list(turn.actor), page=page)
    turn.say(listed.text, listed.blocks)


def position_show(turn: Turn, rest: str) -> None:
    position = find_position(turn, rest, lambda p: f"show #{p.id}", usage="/position show <position>")
    if position is None:
        return
    services, actor = turn.services, turn.actor
    details = services.positions.show(actor, position.id)
    holders = set(details.member_ids)
    members = (
        [m for m in services.team.list(actor, include_inactive=True) if m.id in holders] if holders else []
    )
    turn.say(escape_mrkdwn(details.position.title), position_blocks(details.position, members))


def position_add(turn: Turn, rest: str) -> None:
    turn.open_loading("Add position")
    turn.in_modal(lambda: fill_add_position(turn))


def fill_add_position(turn: Turn) -> None:
    require(turn.actor, Operation.POSITION_CREATE)
    fill_position_form(turn, None)


def position_edit(turn: Turn, rest: str) -> None:
    turn.open_loading("Edit position")
    turn.in_modal(lambda: fill_edit_position(turn, rest))


def fill_edit_position(turn: Turn, rest: str) -> None:
    require(turn.actor, Operation.POSITION_EDIT)
    position = find_position(turn, rest, lambda p: f"edit #{p.id}", usage="/position edit <position>")
    if position is not None:
        fill_position_form(turn, position)


def fill_position_form(turn: Turn, position: Position | None) -> None:
    """The add form (no `position`: the company's locations chosen) or the edit form."""
    positions = turn.services.positions
    view = position_form_view(
        salon_ids=known_salon_ids(turn, positions.list(turn.actor)),
        selected_salon_ids=position.salon_ids if position else positions.default_salon_ids,
        metadata=sealer_of(turn.context).seal(
            PositionFormMetadata(position_id=position.id, channel_id=turn.channel_id)
            if position
            else FormMetadata(channel_id=turn.channel_id)
        ),
        position=position,
    )
    turn.fill_modal(view)


def position_remove(turn: Turn, rest: str) -> None:
    actor = turn.actor
    require(actor, Operation.POSITION_DELETE)
    position = find_position(turn, rest, lambda p: f"remove #{p.id}", usage="/position remove <position>")
    if position is None:
        return
    details = turn.services.positions.show(actor, position.id)
    turn.say(
        f"Delete the position {escape_mrkdwn(position.title)}?",
        remove_position_blocks(position, len(details.member_ids)),
    )


def position_help(turn: Turn, rest: str, *, unknown: str = "") -> None:
    blocks = position_help_blocks()
    if unknown:
        blocks = notice(f"I don't know `/position {escape_mrkdwn(unknown)}`. Here is what I can do:") + blocks
    turn.say("How to use /position", blocks)


SUBCOMMANDS: dict[str, Callable[[Turn, str], None]] = {
    "list": position_list,
    "show": position_show,
    "add": position_add,
    "edit": position_edit,
    "remove": position_remove,
    "help": position_help,
}


def run_position(turn: Turn, text: str) -> None:
    """Dispatch `/position <text>` (typed, or continued by a click)."""
    dispatch(turn, text, SUBCOMMANDS, position_help)


# ---- what the buttons and forms continue with (listeners: `rosterbot.slack.turn`) -----------------


def show_requested_page(turn: Turn, value: str) -> None:
    show_position_page(turn, read_page_button(value).page)


def remove_position(turn: Turn, value: str) -> None:
    removed = turn.services.positions.delete(turn.actor, read_id_button(value))
    turn.say(f"Deleted the position *{escape_mrkdwn(removed.title)}* (`#{removed.id}`).")


def remove_cancelled(turn: Turn, value: str) -> None:
    turn.say("Cancelled: no position was deleted.")


def position_added(turn: Turn, metadata: FormMetadata, created: Position) -> None:
    text = f"Added the position *{escape_mrkdwn(created.title)}* (`#{created.id}`)."
    turn.report(text, notice(f":white_check_mark: {text}"))


def position_saved(turn: Turn, metadata: PositionFormMetadata, saved: Position) -> None:
    text = f"Saved the position *{escape_mrkdwn(saved.title)}* (`#{saved.id}`)."
    turn.report(text, notice(f":white_check_mark: {text}"))


def register(app: App) -> None:
    on_click = partial(action_listener, modal_title=MODAL_TITLE)
    app.command("/position")(*command_listener(run_position, modal_title=MODAL_TITLE))
    app.action(re.compile(rf"^{ActionId.POSITION_PICK}_\d+$"))(*on_click(run_position))  # a match chosen
    app.action(re.compile(rf"^{ActionId.POSITION_LIST_PAGE}_(prev|next)$"))(*on_click(show_requested_page))
    app.action(ActionId.POSITION_REMOVE_CONFIRM.value)(*on_click(remove_position))
    app.action(ActionId.POSITION_REMOVE_CANCEL.value)(*on_click(remove_cancelled))
    app.view(CallbackId.POSITION_ADD.value)(
        *form_listener(
            lambda values, _: position_form(values),
            lambda turn, _, position: turn.services.positions.create(turn.actor, position),
            position_added,
            FormMetadata,
            title="Add position",
        )
    )
    app.view(CallbackId.POSITION_EDIT.value)(
        *form_listener(
            lambda values, _: position_form(values),
            lambda turn, form, position: turn.services.positions.edit(turn.actor, form.position_id, position),
            position_saved,
            PositionFormMetadata,
            title="Edit position",
        )
    )
