"""`/team settings`: the settings message, the settings form and the confirmation of a change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    ExternalDataSelectElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
)

from rosterbot.api.models import Position
from rosterbot.domain.leave import MONTH_NAMES, WEEKDAY_NAMES, BelowZero, LeavePolicy, Step, format_number
from rosterbot.services import leave as leave_fields
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
    return f":warning: The bot cannot post here: {escape_mrkdwn(error)} — invite it or choose another channel"


def minimum_title(minimum: PositionMinimum) -> str:
    """A position's title (escaped), or "(removed position) #3" for one that is gone."""
    if minimum.removed:
        return f"_{REMOVED_POSITION}_ `#{minimum.position_id}`"
    return escape_mrkdwn(minimum.title)


def leave_lines(policy: LeavePolicy) -> str:
    """The leave settings, one per line."""
    shown = leave_fields.policy_fields(policy)
    lines = [f"*{label}:* {escape_mrkdwn(shown[name])}" for name, label in leave_fields.POLICY_LABELS]
    return "*Leave*\n" + "\n".join(lines)


def feed_blocks(url: str) -> list[Block]:
    """The calendar feed's secret address (owners and admins only), and a button to replace it."""
    host = "" if url.startswith("http") else " on the host of `rosterbot serve` (set ROSTERBOT_PUBLIC_URL)"
    return [
        section(
            f"*Calendar feed* (only you see this): `{escape_mrkdwn(url)}`{host}\n"
            "Subscribe to it in Google Calendar, Outlook or Apple Calendar: approved time off, public "
            "holidays and closed days of the leave year. Anyone with the address can read it.",
            accessory=button("Replace the address", ActionId.CALENDAR_FEED_REPLACE.value, "replace"),
        )
    ]


def settings_blocks(
    view: WorkspaceView, *, can_change: bool, leave: LeavePolicy | None = None, feed_url: str | None = None
) -> BlockDicts:
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
    if leave is not None:
        blocks.append(section(leave_lines(leave)))
    if feed_url is not None:
        blocks += feed_blocks(feed_url)
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


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, text=text) for value, text in pairs]


def leave_inputs(policy: LeavePolicy) -> list[Block]:
    """The leave settings' inputs; their block ids are `services.leave`'s field names."""
    field = ActionId.SETTINGS_FIELD.value
    months = _options([(str(n), name) for n, name in enumerate(MONTH_NAMES, start=1)])
    days = _options([(str(n), name) for n, name in enumerate(WEEKDAY_NAMES)])
    steps = _options([(Step.HALF_DAY.value, "Half days"), (Step.HOUR.value, "Hours")])
    below = _options(
        [(BelowZero.WARN.value, "Warn the approvers"), (BelowZero.REFUSE.value, "Refuse the request")]
    )
    working = policy.working

    def chosen(options: list[Option], value: str) -> Option:
        return next(o for o in options if o.value == value)

    def days_input(block_id: str, label: str, initial: str, hint: str) -> InputBlock:
        element = NumberInputElement(
            action_id=field, is_decimal_allowed=True, initial_value=initial, min_value="0", max_value="366"
        )
        return _input(block_id, label, element, optional=False, hint=hint)

    return [
        section(
            "*Leave.* Allowances count working days: not the days off of the working week, "
            "public holidays or closed days."
        ),
        days_input(
            leave_fields.ALLOWANCE,
            "Yearly allowance (days)",
            format_number(policy.allowance),
            "Each member's own allowance goes over it.",
        ),
        days_input(
            leave_fields.CARRY_OVER,
            "Unused days carried over, at most",
            format_number(policy.carry_over_cap),
            "0: nothing is carried into the next leave year.",
        ),
        _input(
            leave_fields.YEAR_START,
            "Leave year starts in",
            StaticSelectElement(
                action_id=field, options=months, initial_option=chosen(months, str(policy.year.start_month))
            ),
            optional=False,
        ),
        _input(
            leave_fields.WORKING_DAYS,
            "Working days",
            CheckboxesElement(
                action_id=field,
                options=days,
                initial_options=[o for o in days if int(o.value or 0) in working.weekdays] or None,
            ),
            optional=False,
        ),
        _input(
            leave_fields.WORK_STARTS,
            "Working day starts",
            TimePickerElement(action_id=field, initial_time=working.starts.strftime("%H:%M")),
            optional=False,
        ),
        _input(
            leave_fields.WORK_ENDS,
            "Working day ends",
            TimePickerElement(action_id=field, initial_time=working.ends.strftime("%H:%M")),
            optional=False,
            hint="Part days count their hours within these.",
        ),
        _input(
            leave_fields.PART_DAY_STEP,
            "Part days count in",
            RadioButtonsElement(
                action_id=field, options=steps, initial_option=chosen(steps, working.step.value)
            ),
            optional=False,
        ),
        _input(
            leave_fields.HOLIDAY_COUNTRY,
            "Public holidays of (country code)",
            PlainTextInputElement(
                action_id=field, initial_value=policy.holiday_country or None, max_length=8
            ),
            optional=True,
            hint="Two letters, like DE, GB or US. Leave empty for none.",
        ),
        _input(
            leave_fields.HOLIDAY_SUBDIVISION,
            "Subdivision (state, region)",
            PlainTextInputElement(
                action_id=field, initial_value=policy.holiday_subdivision or None, max_length=16
            ),
            optional=True,
            hint="Like BE for Berlin or SCT for Scotland. Leave empty for the whole country.",
        ),
        _input(
            leave_fields.BELOW_ZERO,
            "A request that would go below zero",
            RadioButtonsElement(
                action_id=field, options=below, initial_option=chosen(below, policy.below_zero.value)
            ),
            optional=False,
        ),
    ]


def settings_form_view(
    view: WorkspaceView, *, metadata: str, leave: LeavePolicy | None = None
) -> dict[str, object]:
    """The settings form: two channel selects, the time zone, the digest time, the leave settings,
    and one number per position (the first MAX_FORM_POSITIONS; the rest keep their minimums, which
    the form says)."""
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
    if leave is not None:
        blocks += leave_inputs(leave)
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
