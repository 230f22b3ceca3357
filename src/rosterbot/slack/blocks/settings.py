"""`/team settings`: the settings message, the settings form and the confirmation of a change."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    PlainTextInputElement,
    PlainTextObject,
    TimePickerElement,
)

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
from rosterbot.slack.blocks import MAX_SECTION_CHARS, clip, escape_mrkdwn
from rosterbot.slack.blocks.common import (
    BlockDicts,
    button,
    chunk_lines,
    context,
    form_view,
    header,
    message,
    section,
)
from rosterbot.slack.ids import ActionId, BlockId, CallbackId

MODAL_TITLE = "Workspace settings"
MAX_FORM_POSITIONS = 40  # one input each; the modal holds 100 blocks
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
    minimum_lines = [
        f"• {minimum_title(m)}: {m.minimum if m.minimum is not None else '_no minimum_'}"
        + (" — no longer counts: clear it in the settings form" if m.removed else "")
        for m in view.minimums
    ]
    if minimum_lines:
        intro = "*Minimum available per position* (time off that leaves fewer gets a warning):"
        chunks = chunk_lines([intro, *minimum_lines])
        blocks.extend(section(chunk) for chunk in chunks[:40])
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
    shown = view.minimums[:MAX_FORM_POSITIONS]
    if shown:
        blocks.append(
            section(
                "*Minimum available per position.* Time off that would leave fewer gets a warning. "
                "Leave empty for no minimum."
            )
        )
    for minimum in shown:
        blocks.append(
            _input(
                minimum_field(minimum.position_id),
                f"{REMOVED_POSITION} #{minimum.position_id}" if minimum.removed else minimum.title,
                NumberInputElement(
                    action_id=field,
                    is_decimal_allowed=False,
                    initial_value=str(minimum.minimum) if minimum.minimum is not None else None,
                    min_value="0",
                    max_value=str(MINIMUM_MAX),
                ),
                optional=True,
                hint="This position was deleted: empty this field to clear its minimum."
                if minimum.removed
                else "",
            )
        )
    rest = view.minimums[MAX_FORM_POSITIONS:]
    if rest:
        names = ", ".join(escape_mrkdwn(m.title) for m in rest)
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=clip(
                            f"{len(rest)} more positions are not in this form and keep "
                            f"their minimums: {names}",
                            MAX_SECTION_CHARS,
                        )
                    )
                ]
            )
        )
    return form_view(
        MODAL_TITLE, blocks, callback_id=CallbackId.SETTINGS_EDIT.value, submit="Save", metadata=metadata
    )


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
