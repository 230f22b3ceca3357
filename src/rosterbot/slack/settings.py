"""`/team settings` (routed here by `rosterbot.slack.team`): see the workspace's settings; owners
and admins change them in a form (`/team settings edit`, or "Change settings").

The form opens at once with a loading view (the trigger id lives 3 seconds) and is filled with
`views.update`. A submitted form is read and checked before the ack (a bad time zone or minimum
is answered under its input, nothing stored); then, after the ack (the modal says "Saving…"),
`services.workspace.update` decides (the role read just now, the channels asked of Slack) and the
modal says what changed, or puts the form back with why.
"""

from __future__ import annotations

from datetime import time
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from rosterbot.domain.permissions import Operation, check
from rosterbot.services.workspace import MINIMUM_MAX, WorkspaceChanges, WorkspaceView, minimum_field, validate
from rosterbot.slack.blocks.settings import (
    MODAL_TITLE,
    changed_blocks,
    changed_text,
    position_options,
    settings_blocks,
    settings_form_view,
)
from rosterbot.slack.context import actor_of, services_of
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.metadata import FormMetadata
from rosterbot.slack.parsing import Form, StateValues, split_subcommand, text_value
from rosterbot.slack.turn import Turn, action_listener, form_listener, require, sealer_of


def team_settings(turn: Turn, rest: str) -> None:
    """`/team settings` shows them; `/team settings edit` opens the form."""
    word, _ = split_subcommand(rest)
    if word == "edit":
        open_settings_form(turn, "")
        return
    if word:
        turn.say("Use `/team settings` to see the settings, or `/team settings edit` to change them.")
        return
    actor = turn.actor
    view = turn.services.workspace.show(actor, turn.team_id)
    can_change = check(actor.role, Operation.CONFIGURE).allowed
    turn.say("Workspace settings", settings_blocks(view, can_change=can_change))


def open_settings_form(turn: Turn, value: str) -> None:
    turn.open_loading(MODAL_TITLE)
    turn.in_modal(lambda: fill_settings_form(turn))


def fill_settings_form(turn: Turn) -> None:
    require(turn.actor, Operation.CONFIGURE)  # the service checks again, with a fresh role, on Save
    view = turn.services.workspace.show(turn.actor, turn.team_id)
    metadata = sealer_of(turn.context).seal(FormMetadata(channel_id=turn.channel_id))
    turn.fill_modal(settings_form_view(view, metadata=metadata))


# ---- the submitted form ----------------------------------------------------------------------------


def _element(values: StateValues, block_id: str) -> dict[str, Any]:
    return dict((values.get(block_id) or {}).get(ActionId.SETTINGS_FIELD.value) or {})


def settings_form(values: StateValues) -> Form[WorkspaceChanges]:
    """Read and check the settings form (every check the service makes without the API)."""
    field = ActionId.SETTINGS_FIELD.value
    errors: dict[str, str] = {}
    team_channel = _element(values, BlockId.SETTINGS_TEAM_CHANNEL).get("selected_conversation")
    approvals_channel = _element(values, BlockId.SETTINGS_APPROVALS_CHANNEL).get("selected_conversation")
    zone = text_value(values, BlockId.SETTINGS_TIMEZONE, field)
    if not zone:
        errors[BlockId.SETTINGS_TIMEZONE] = "Enter a time zone, like Europe/Berlin."
    digest_text = str(_element(values, BlockId.SETTINGS_DIGEST_TIME).get("selected_time") or "")
    digest: time | None = None
    if digest_text:
        try:
            digest = time.fromisoformat(digest_text)
        except ValueError:
            errors[BlockId.SETTINGS_DIGEST_TIME] = "Choose a time."
    minimums: dict[int, int | None] = {}
    prefix = BlockId.SETTINGS_MINIMUM.value
    for block_id in values:
        suffix = block_id[len(prefix) :] if block_id.startswith(prefix) else ""
        if not (suffix.isascii() and suffix.isdigit()):
            continue
        typed = text_value(values, block_id, field)
        if not typed:
            minimums[int(suffix)] = None
            continue
        number = typed[1:] if typed.startswith("-") else typed
        if not (number.isascii() and number.isdigit()) or len(number) > 6:
            errors[block_id] = f"Enter a whole number from 0 to {MINIMUM_MAX}, or leave it empty."
            continue
        minimums[int(suffix)] = int(typed)
    chosen = _chosen_minimum(values, errors)
    if chosen is not None:
        minimums[chosen[0]] = chosen[1]
    changes = WorkspaceChanges(
        team_channel=str(team_channel) if team_channel else None,
        approvals_channel=str(approvals_channel) if approvals_channel else None,
        timezone=zone or None,
        digest_time=digest,
        coverage_minimums=minimums,
    )
    for name, sentence in validate(changes).items():
        # the chosen position's minimum is answered under the input it was typed in
        shown = BlockId.SETTINGS_CHOSEN_MINIMUM.value if chosen and name == minimum_field(chosen[0]) else name
        errors.setdefault(shown, sentence)
    if errors:
        return Form(None, {str(k): v for k, v in errors.items()})
    return Form(changes, {})


def _chosen_minimum(values: StateValues, errors: dict[str, str]) -> tuple[int, int | None] | None:
    """(position id, minimum) from the search and its minimum (a form with many positions); None
    when no position is chosen. A problem goes into `errors`, keyed by the input it is about."""
    if BlockId.SETTINGS_CHOSEN_POSITION.value not in values:
        return None
    picked = (values[BlockId.SETTINGS_CHOSEN_POSITION.value].get(ActionId.SETTINGS_POSITION.value) or {}).get(
        "selected_option"
    ) or {}
    value = str(picked.get("value") or "") if isinstance(picked, dict) else ""
    typed = text_value(values, BlockId.SETTINGS_CHOSEN_MINIMUM, ActionId.SETTINGS_FIELD.value)
    if not value:
        if typed:
            errors[BlockId.SETTINGS_CHOSEN_POSITION] = "Choose the position this minimum is for."
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        errors[BlockId.SETTINGS_CHOSEN_POSITION] = "Choose a position from the list."
        return None
    if not typed:
        return int(value), None
    if not (typed.isascii() and typed.isdigit()) or len(typed) > 6:
        errors[BlockId.SETTINGS_CHOSEN_MINIMUM] = (
            f"Enter a whole number from 0 to {MINIMUM_MAX}, or leave it empty."
        )
        return None
    return int(value), int(typed)


def position_search(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    """Slack asks for the options of the form's position search as the user types (a
    block_suggestion request): answered at once, up to 100 positions, the count of all matches."""
    found = services_of(context).positions.search(actor_of(context), str(payload.get("value") or ""))
    ack(**position_options(found))


def settings_saved(turn: Turn, metadata: FormMetadata, saved: WorkspaceView) -> None:
    turn.report(changed_text(saved.changes), changed_blocks(saved.changes))


def register(app: App) -> None:
    on_click = partial(action_listener, modal_title=MODAL_TITLE)
    app.action(ActionId.SETTINGS_OPEN.value)(*on_click(open_settings_form))
    app.view(CallbackId.SETTINGS_EDIT.value)(
        *form_listener(
            lambda values, _: settings_form(values),
            lambda turn, _, changes: turn.services.workspace.update(turn.actor, turn.team_id, changes),
            settings_saved,
            FormMetadata,
            title=MODAL_TITLE,
        )
    )
    app.options(ActionId.SETTINGS_POSITION.value)(position_search)
