"""`/team settings` (routed here by `rosterbot.slack.team`): see the workspace's settings; owners
and admins change them in a form (`/team settings edit`, or "Change settings").

The form opens at once with a loading view (the trigger id lives 3 seconds) and is filled with
`views.update`. A submitted form is read and checked before the ack (a bad time zone or minimum
is answered under its input, nothing stored); then, after the ack (the modal says "Saving…"),
`services.workspace.update` decides (the role read just now, the channels asked of Slack) and the
modal says what changed, or puts the form back with why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time
from fractions import Fraction
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from rosterbot.domain.leave import MAX_ALLOWANCE, BelowZero, LeavePolicy, Step
from rosterbot.domain.permissions import Operation, check
from rosterbot.services import leave as leave_fields
from rosterbot.services.leave import PolicyChanges, parse_amount
from rosterbot.services.workspace import MINIMUM_MAX, WorkspaceChanges, WorkspaceView, minimum_field, validate
from rosterbot.slack.blocks import escape_mrkdwn
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
from rosterbot.slack.parsing import (
    Form,
    StateValues,
    option_value,
    option_values,
    split_subcommand,
    text_value,
)
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
    leave = turn.services.leave.show_policy(actor)
    feed = (
        turn.services.calendar_feed.address(actor)
        if check(actor.role, Operation.CALENDAR_FEED_MANAGE).allowed
        else None
    )
    turn.say("Workspace settings", settings_blocks(view, can_change=can_change, leave=leave, feed_url=feed))


def replace_feed(turn: Turn, value: str) -> None:
    """ "Replace the address": a new secret token; the old address is refused from now on."""
    url = turn.services.calendar_feed.address(turn.actor, replace=True)
    turn.replace = False  # the settings message stays; the new address comes on its own
    turn.say(
        ":closed_lock_with_key: The calendar feed has a new address; the old one no longer works. "
        f"Subscribe again with `{escape_mrkdwn(url)}`."
    )


def open_settings_form(turn: Turn, value: str) -> None:
    turn.open_loading(MODAL_TITLE)
    turn.in_modal(lambda: fill_settings_form(turn))


def fill_settings_form(turn: Turn) -> None:
    require(turn.actor, Operation.CONFIGURE)  # the service checks again, with a fresh role, on Save
    view = turn.services.workspace.show(turn.actor, turn.team_id)
    leave = turn.services.leave.show_policy(turn.actor)
    metadata = sealer_of(turn.context).seal(FormMetadata(channel_id=turn.channel_id))
    turn.fill_modal(settings_form_view(view, metadata=metadata, leave=leave))


# ---- the submitted form ----------------------------------------------------------------------------


def _element(values: StateValues, block_id: str) -> dict[str, Any]:
    return dict((values.get(block_id) or {}).get(ActionId.SETTINGS_FIELD.value) or {})


def _leave_amount(values: StateValues, block_id: str, errors: dict[str, str]) -> Fraction | None:
    typed = text_value(values, block_id, ActionId.SETTINGS_FIELD.value)
    if not typed:
        return None  # a required input: Slack sends it filled; left out, the setting stays
    try:
        return parse_amount(typed)
    except ValueError:
        errors[block_id] = f"Enter a number of days from 0 to {MAX_ALLOWANCE}, like 25 or 12.5."
        return None


def _leave_time(values: StateValues, block_id: str, errors: dict[str, str]) -> time | None:
    text = str(_element(values, block_id).get("selected_time") or "")
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        errors[block_id] = "Choose a time."
        return None


WEEKDAY_VALUES = frozenset("0123456")


def leave_form(values: StateValues, errors: dict[str, str]) -> PolicyChanges | None:
    """The leave settings of the form (None when it has none); problems go into `errors`. A
    required input left empty (only a hand-made submission can) keeps its setting."""
    if leave_fields.ALLOWANCE not in values:
        return None
    field = ActionId.SETTINGS_FIELD.value
    month = option_value(values, leave_fields.YEAR_START, field) or ""
    days = option_values(values, leave_fields.WORKING_DAYS, field)
    step = option_value(values, leave_fields.PART_DAY_STEP, field)
    below = option_value(values, leave_fields.BELOW_ZERO, field)
    changes = PolicyChanges(
        allowance=_leave_amount(values, leave_fields.ALLOWANCE, errors),
        carry_over_cap=_leave_amount(values, leave_fields.CARRY_OVER, errors),
        year_start_month=int(month) if month.isascii() and month.isdigit() and len(month) <= 2 else None,
        working_weekdays=frozenset(int(d) for d in days if d in WEEKDAY_VALUES) if days else None,
        work_starts=_leave_time(values, leave_fields.WORK_STARTS, errors),
        work_ends=_leave_time(values, leave_fields.WORK_ENDS, errors),
        part_day_step=Step(step) if step in {s.value for s in Step} else None,
        holiday_country=text_value(values, leave_fields.HOLIDAY_COUNTRY, field),
        holiday_subdivision=text_value(values, leave_fields.HOLIDAY_SUBDIVISION, field),
        below_zero=BelowZero(below) if below in {b.value for b in BelowZero} else None,
    )
    for name, sentence in leave_fields.policy_errors(changes, LeavePolicy()).items():
        errors.setdefault(name, sentence)
    return changes


def settings_form(values: StateValues) -> Form[SettingsChanges]:
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
    leave = leave_form(values, errors)
    for name, sentence in validate(changes).items():
        # the chosen position's minimum is answered under the input it was typed in
        shown = BlockId.SETTINGS_CHOSEN_MINIMUM.value if chosen and name == minimum_field(chosen[0]) else name
        errors.setdefault(shown, sentence)
    if errors:
        return Form(None, {str(k): v for k, v in errors.items()})
    return Form(SettingsChanges(changes, leave), {})


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


@dataclass(frozen=True)
class SettingsChanges:
    """The settings form: the workspace's settings, and the leave settings (None: not in the form)."""

    workspace: WorkspaceChanges
    leave: PolicyChanges | None = None


def save_settings(turn: Turn, changes: SettingsChanges) -> WorkspaceView:
    """Save both halves (each service checks the role read just now); the view says what changed."""
    saved = turn.services.workspace.update(turn.actor, turn.team_id, changes.workspace)
    if changes.leave is None:
        return saved
    leave = turn.services.leave
    before = leave.show_policy(turn.actor)
    after = leave.update_policy(turn.actor, changes.leave)
    return replace(saved, changes=saved.changes + tuple(leave_fields.policy_changes(before, after)))


def settings_saved(turn: Turn, metadata: FormMetadata, saved: WorkspaceView) -> None:
    turn.report(changed_text(saved.changes), changed_blocks(saved.changes))


def register(app: App) -> None:
    on_click = partial(action_listener, modal_title=MODAL_TITLE)
    app.action(ActionId.SETTINGS_OPEN.value)(*on_click(open_settings_form))
    app.action(ActionId.CALENDAR_FEED_REPLACE.value)(*on_click(replace_feed))
    app.view(CallbackId.SETTINGS_EDIT.value)(
        *form_listener(
            lambda values, _: settings_form(values),
            lambda turn, _, changes: save_settings(turn, changes),
            settings_saved,
            FormMetadata,
            title=MODAL_TITLE,
        )
    )
    app.options(ActionId.SETTINGS_POSITION.value)(position_search)
