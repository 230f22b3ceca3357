"""`/team settings`: the settings message, the settings form and the confirmation of a change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConversationFilter,
    ConversationSelectElement,
    ExternalDataSelectElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    PlainTextObject,
    TimePickerElement,
)

from rosterbot.api.models import Position
from rosterbot.services.paging import Page
from rosterbot.services.workspace import (
    APPROVALS_CHANNEL,
    DIGEST_TIME,
    MINIMUM_MAX,
    REMOVED_POSITION,
    TEAM_CHANNEL,
    TIMEZONE,
    Change,
    PositionMinimum,
    WorkspaceView,
    minimum_field,
)
from rosterbot.slack.blocks import MAX_MESSAGE_BLOCKS, clip, escape_mrkdwn
from rosterbot.slack.blocks.common import (
    BlockDicts,
    button,
    chunk_lines,
    context,
    form_view,
    header,
    message,
    search_options,
    section,
)
from rosterbot.slack.ids import ActionId, BlockId, CallbackId

MODAL_TITLE = "Workspace settings"
MAX_FORM_POSITIONS = 40  # one input each (the modal holds 100 blocks); with more, a search
LABEL_MAX = 2000
SETTINGS_USAGE = (
    "/team settings",
    "see the workspace's channels, time zone, digest time and minimums per position "
    "(owners and admins: `/team settings edit` changes them)",
)


def channel_text(channel: str | None) -> str:
    return f"<#{channel}>" if channel else "_not set_"


def clock(view: WorkspaceView) -> str:
    return view.digest_time.strftime("%H:%M")


def channel_warning(error: str) -> str:
    """The line under a channel the bot's last post in failed (Slack's `error` code)."""
    return (
        f":warning: The bot cannot post here: {escape_mrkdwn(error)} — invite it or choose another channel"
    )


def minimum_title(minimum: PositionMinimum) -> str:
    """A position's title (escaped), or "(removed position) #3" for one that is gone."""
    if minimum.removed:
        return f"_{REMOVED_POSITION}_ `#{minimum.position_id}`"
    return escape_mrkdwn(minimum.title)


def settings_blocks(view: WorkspaceView, *, can_change: bool) -> BlockDicts:
    """The settings in effect; "(default)" marks what comes from the environment."""

    def default(name: str) -> str:
        return " _(default)_" if name in view.defaults else ""

    def problem(channel: str | None) -> str:
        error = view.channel_problems.get(channel) if channel else None
        return f"\n{channel_warning(error)}" if error else ""

    lines = [
        f"*Team channel:* {channel_text(view.team_channel)}{default(TEAM_CHANNEL)}"
        f"{problem(view.team_channel)}",
        f"*Approvals channel:* {channel_text(view.approvals_channel)}{default(APPROVALS_CHANNEL)}"
        f"{problem(view.approvals_channel)}",
        f"*Time zone:* {escape_mrkdwn(view.timezone)}{default(TIMEZONE)}",
        f"*Daily digest:* {clock(view)}{default(DIGEST_TIME)}",
    ]
    blocks: list[Block] = [header("Workspace settings"), section("\n".join(lines))]
    if view.minimums:
        blocks += minimum_sections(view.minimums, room=MAX_MESSAGE_BLOCKS - len(blocks) - 2)
    else:
        blocks.append(section("*Minimum available per position:* no positions yet (see `/position add`)."))
    if can_change:
        blocks.append(
            ActionsBlock(
                block_id=BlockId.SETTINGS_ACTIONS.value,
                elements=[button("Change settings", ActionId.SETTINGS_OPEN.value, "edit", style="primary")],
            )
        )
    else:
        blocks.append(context("Owners and admins can change these settings."))
    return message(blocks)


def _minimum_line(minimum: PositionMinimum) -> str:
    shown = str(minimum.minimum) if minimum.minimum is not None else "_no minimum_"
    removed = " — no longer counts: clear it in the settings form" if minimum.removed else ""
    return f"• {minimum_title(minimum)}: {shown}{removed}"


def minimum_sections(minimums: Sequence[PositionMinimum], *, room: int) -> list[Block]:
    """Every position's minimum, counted; when they do not fit in `room` blocks, those with a
    minimum come first and a last line counts the rest and says where to see them."""
    count = len(minimums)
    intro = (
        f"*Minimum available per position* · {count:,} position{'s' if count != 1 else ''} "
        "(time off that leaves fewer gets a warning):"
    )
    chunks = chunk_lines([intro, *map(_minimum_line, minimums)])
    if len(chunks) <= room:
        return [section(chunk) for chunk in chunks]
    ordered = sorted(minimums, key=lambda m: m.minimum is None)  # stable: by title within each
    chunks = chunk_lines([intro, *map(_minimum_line, ordered)])[: room - 1]
    listed = sum(chunk.count("\n• ") + chunk.startswith("• ") for chunk in chunks)
    rest = count - listed
    return [section(chunk) for chunk in chunks] + [
        context(f"…and {rest:,} more positions with no minimum: see `/position list`.")
    ]


def _input(block_id: str, label: str, element: object, *, optional: bool, hint: str = "") -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=clip(label, LABEL_MAX)),
        element=element,  # type: ignore[arg-type]
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
    )


def settings_form_view(view: WorkspaceView, *, metadata: str) -> dict[str, object]:
    """The settings form: two channel selects, the time zone, the digest time, and one number per
    position (the first MAX_FORM_POSITIONS; the rest keep their minimums, which the form says)."""
    field = ActionId.SETTINGS_FIELD.value
    channels = ConversationFilter(include=["public", "private"], exclude_bot_users=True)
    blocks: list[Block] = [
        _input(
            BlockId.SETTINGS_TEAM_CHANNEL.value,
            "Team channel",
            ConversationSelectElement(
                action_id=field, initial_conversation=view.team_channel, filter=channels
            ),
            optional=True,
            hint="Who is away and the daily digest are posted here.",
        ),
        _input(
            BlockId.SETTINGS_APPROVALS_CHANNEL.value,
            "Approvals channel",
            ConversationSelectElement(
                action_id=field, initial_conversation=view.approvals_channel, filter=channels
            ),
            optional=True,
            hint="Time-off requests wait here for an owner or admin.",
        ),
        _input(
            BlockId.SETTINGS_TIMEZONE.value,
            "Time zone",
            PlainTextInputElement(action_id=field, initial_value=view.timezone, max_length=64),
            optional=False,
            hint="An IANA name, like Europe/Berlin or America/New_York.",
        ),
        _input(
            BlockId.SETTINGS_DIGEST_TIME.value,
            "Daily digest time",
            TimePickerElement(action_id=field, initial_time=clock(view)),
            optional=False,
        ),
    ]
    if len(view.minimums) > MAX_FORM_POSITIONS:
        blocks += chosen_minimum_blocks(len(view.minimums))
        return form_view(
            MODAL_TITLE, blocks, callback_id=CallbackId.SETTINGS_EDIT.value, submit="Save", metadata=metadata
        )
    shown = view.minimums
    if shown:
        blocks.append(
            section(
                "*Minimum available per position.* Time off that would leave fewer gets a warning. "
                "Leave empty for no minimum."
            )
        )
    blocks += [
        _minimum_input(
            minimum_field(m.position_id),
            f"{REMOVED_POSITION} #{m.position_id}" if m.removed else m.title,
            m.minimum,
            hint="This position was deleted: empty this field to clear its minimum." if m.removed else "",
        )
        for m in shown
    ]
    return form_view(
        MODAL_TITLE, blocks, callback_id=CallbackId.SETTINGS_EDIT.value, submit="Save", metadata=metadata
    )


def _minimum_input(block_id: str, label: str, initial: int | None = None, *, hint: str = "") -> InputBlock:
    return _input(
        block_id,
        label,
        NumberInputElement(
            action_id=ActionId.SETTINGS_FIELD.value,
            is_decimal_allowed=False,
            initial_value=str(initial) if initial is not None else None,
            min_value="0",
            max_value=str(MINIMUM_MAX),
        ),
        optional=True,
        hint=hint,
    )


def chosen_minimum_blocks(count: int) -> list[Block]:
    """With more positions than the form has room for (`count`): a search among all of them (an
    external select, answered by `position_options`) and the minimum for the one chosen."""
    return [
        section(
            f"*Minimum available per position* · {count:,} positions. Choose one (type to search "
            "among all of them) and give its minimum; the others keep theirs. Time off that would "
            "leave fewer gets a warning."
        ),
        _input(
            BlockId.SETTINGS_CHOSEN_POSITION.value,
            "Position",
            ExternalDataSelectElement(
                action_id=ActionId.SETTINGS_POSITION.value,
                placeholder=PlainTextObject(text="Type part of a title"),
                min_query_length=0,
            ),
            optional=True,
        ),
        _minimum_input(
            BlockId.SETTINGS_CHOSEN_MINIMUM.value,
            "Its minimum",
            hint="Leave empty for no minimum.",
        ),
    ]


def position_options(found: Page[Position]) -> dict[str, Any]:
    """The answer to the position search: up to 100 positions, every match counted."""
    return search_options([(str(p.id), f"{p.title} · #{p.id}") for p in found.items], found.total)


def _shown(change: Change, value: str | None) -> str:
    if value is None:
        return "_none_"
    if change.field in (TEAM_CHANNEL, APPROVALS_CHANNEL):
        return channel_text(value)
    return escape_mrkdwn(value)


def changed_text(changes: tuple[Change, ...]) -> str:
    if not changes:
        return "Nothing changed: the settings were already like that."
    lines = [f"• {escape_mrkdwn(c.label)}: {_shown(c, c.before)} → {_shown(c, c.after)}" for c in changes]
    return "Saved the workspace settings:\n" + "\n".join(lines)


def changed_blocks(changes: tuple[Change, ...]) -> BlockDicts:
    text = changed_text(changes)
    icon = ":white_check_mark: " if changes else ""
    return message([section(chunk) for chunk in chunk_lines((icon + text).split("\n"))][:40])
