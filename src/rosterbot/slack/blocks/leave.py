"""Leave as Block Kit: a member's balance (`/timeoff balance`, the App Home, the request form), the
leave types (`/timeoff types`) and the form to add or edit one. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)

from rosterbot.domain.leave import LeaveTypeView, Used, format_amount, format_number
from rosterbot.services.leave import MAX_TYPE_NAME, TYPE_EMOJI, TYPE_NAME, Balance
from rosterbot.slack.blocks import escape_mrkdwn
from rosterbot.slack.blocks.common import BlockDicts, button, context, form_view, header, message, section
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.metadata import id_button_value

COUNTS, NEEDS_APPROVAL, REASON_PRIVATE = "counts", "needs_approval", "reason_private"
TYPE_FLAGS = (
    (COUNTS, "Counts against the yearly allowance"),
    (NEEDS_APPROVAL, "Needs an owner's or admin's approval"),
    (REASON_PRIVATE, "Reasons are for the approvers only (not the team)"),
)


def balance_line(balance: Balance) -> str:
    """'*12 days* left of 20 in 2026 (2 carried over).' for a sentence."""
    carried = f", {format_number(balance.carried_over)} carried over" if balance.carried_over else ""
    own = ", their own" if balance.own_allowance else ""
    return (
        f"*{format_amount(balance.remaining)}* left in {balance.year_name} "
        f"(allowance {format_number(balance.allowance)}{own}{carried})."
    )


def _used_line(used: Used) -> str:
    return (
        f"taken {format_number(used.taken)} · booked {format_number(used.booked)}"
        f" · pending {format_number(used.pending)}"
    )


def balance_blocks(balance: Balance, *, own: bool) -> tuple[str, BlockDicts]:
    """`/timeoff balance [member]`: per type that counts, allowance, carried over, taken, booked,
    pending and remaining; the types that do not count, what they used."""
    whose = "Your" if own else f"{escape_mrkdwn(balance.member_name)}'s"
    first, last = balance.first_day, balance.last_day
    blocks: list[Block] = [
        header(f"{'Your' if own else balance.member_name + chr(39) + 's'} leave · {balance.year_name}"),
        section(f"{whose} balance: {balance_line(balance)}"),
    ]
    rows = [
        f"*Allowance* {format_number(balance.allowance)}"
        + (" (own)" if balance.own_allowance else "")
        + f" · *carried over* {format_number(balance.carried_over)}"
    ]
    for kind in balance.types:
        rows.append(f"{_label(kind.leave_type)}: {_used_line(kind.used)}")
    rows.append(f"*Remaining* {format_number(balance.remaining)}")
    blocks.append(section("\n".join(rows)))
    others = [t for t in balance.other_types if t.used.total]
    if others:
        lines = [f"{_label(t.leave_type)}: {_used_line(t.used)} (not counted)" for t in others]
        blocks.append(section("\n".join(lines)))
    blocks.append(
        context(
            f"Leave year {first.isoformat()} – {last.isoformat()} · in days · booked: approved, from today on"
            " · pending requests hold their days until decided"
        )
    )
    text = f"{whose} leave in {balance.year_name}: {format_amount(balance.remaining)} left."
    return text, message(blocks)


def _label(leave_type: LeaveTypeView) -> str:
    return f"{leave_type.emoji} *{escape_mrkdwn(leave_type.name)}*".strip()


def _flags(leave_type: LeaveTypeView) -> str:
    counts = "counts against the allowance" if leave_type.counts else "not counted"
    approval = "needs approval" if leave_type.needs_approval else "recorded at once, approvers told"
    reason = "reason for approvers only" if leave_type.reason_private else "reason shown to the team"
    return f"{counts} · {approval} · {reason}"


def types_blocks(types: Sequence[LeaveTypeView], *, manager: bool, note: str = "") -> tuple[str, BlockDicts]:
    """`/timeoff types`: each type and what it does; Edit and Add for owners and admins."""
    blocks: list[Block] = [header("Leave types", block_id=BlockId.LEAVE_TYPES.value)]
    if note:
        blocks.append(section(note))
    for leave_type in types[:45]:
        accessory = (
            button("Edit", ActionId.LEAVE_TYPE_EDIT.value, id_button_value(leave_type.id))
            if manager
            else None
        )
        blocks.append(section(f"{_label(leave_type)}\n{_flags(leave_type)}", accessory=accessory))
    if manager:
        blocks.append(
            section(
                "Add a type for another kind of leave.",
                accessory=button("Add a leave type", ActionId.LEAVE_TYPE_ADD.value, "add", style="primary"),
            )
        )
    else:
        blocks.append(context("Owners and admins add and edit leave types."))
    return f"Leave types: {', '.join(t.name for t in types)}.", message(blocks)


def type_modal(leave_type: LeaveTypeView | None, *, metadata: str) -> dict[str, Any]:
    """Add (None) or edit a leave type."""
    field = ActionId.LEAVE_FIELD.value
    options = [Option(value=value, text=label) for value, label in TYPE_FLAGS]
    chosen = (
        [COUNTS, NEEDS_APPROVAL]
        if leave_type is None
        else [
            value
            for value, on in (
                (COUNTS, leave_type.counts),
                (NEEDS_APPROVAL, leave_type.needs_approval),
                (REASON_PRIVATE, leave_type.reason_private),
            )
            if on
        ]
    )
    blocks: list[Block] = [
        InputBlock(
            block_id=TYPE_NAME,
            label="Name",
            element=PlainTextInputElement(
                action_id=field,
                max_length=MAX_TYPE_NAME,
                initial_value=leave_type.name if leave_type else None,
                placeholder="Parental leave",
            ),
        ),
        InputBlock(
            block_id=TYPE_EMOJI,
            label="Emoji",
            optional=True,
            hint="An emoji's name, like :baby: or palm_tree.",
            element=PlainTextInputElement(
                action_id=field,
                max_length=64,
                initial_value=(leave_type.emoji or None) if leave_type else None,
            ),
        ),
        InputBlock(
            block_id=BlockId.LEAVE_TYPE_FLAGS.value,
            label="How it works",
            optional=True,
            element=CheckboxesElement(
                action_id=field,
                options=options,
                initial_options=[o for o in options if o.value in chosen] or None,
            ),
        ),
    ]
    title = "Edit leave type" if leave_type else "Add leave type"
    return form_view(title, blocks, callback_id=CallbackId.LEAVE_TYPE.value, submit="Save", metadata=metadata)
