"""Time off as Block Kit: the request and deny modals, the approvals message in each status, the
messages to the requester and the team, and the lists of `/timeoff list` and `/timeoff pending`.

Pure: builders take `TimeOffView`s and return dicts made through `slack_sdk.models` (`to_dict`
checks Slack's limits). A request's reason is shown to the requester and the approvers only, never
in the team channel. Every date and time is in the business's zone (the request's `timezone`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)

from rosterbot.api.models import TeamMember
from rosterbot.domain.dates import format_day
from rosterbot.services.paging import Page
from rosterbot.services.timeoff_rules import MAX_REASON
from rosterbot.services.timeoff_views import TimeOffView
from rosterbot.slack.blocks import clip, escape_mrkdwn
from rosterbot.slack.blocks.common import (
    BlockDicts,
    button,
    context,
    form_view,
    header,
    help_blocks,
    message,
    notice,
    notice_view,
    pager_blocks,
    pages_of,
    search_options,
    section,
)
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.metadata import id_button_value, page_button_value

PENDING, APPROVED, DENIED, CANCELLED = "pending", "approved", "denied", "cancelled"
ALL_DAY, PART_DAY = "all_day", "part_day"
MAX_SELECT_OPTIONS = 100  # Slack's limit for a static select
MAX_LISTED = 40  # requests in one message: a section each, within the 50 blocks
PENDING_PAGE_SIZE = 20  # `/timeoff pending`: two blocks each, with the header, a note and the pager
STATUS_ICONS = {
    PENDING: ":hourglass_flowing_sand:",
    APPROVED: ":white_check_mark:",
    DENIED: ":x:",
    CANCELLED: ":no_entry_sign:",
}
STATUS_WORDS = {
    PENDING: "waiting for approval",
    APPROVED: "approved",
    DENIED: "denied",
    CANCELLED: "cancelled",
}

HELP_USAGE: tuple[tuple[str, str], ...] = (
    ("/timeoff", "request time off (a form opens)"),
    ("/timeoff list", "your requests, with Cancel on those that can still be cancelled"),
    ("/timeoff cancel <request id>", "cancel a request, e.g. `/timeoff cancel 12`"),
    ("/timeoff pending", "owners and admins: requests waiting for a decision, with Approve and Deny"),
    ("/timeoff balance [member] [year]", "your leave left this year; owners and admins: anyone's"),
    ("/timeoff types", "the leave types; owners and admins add and edit them"),
    ("/timeoff closed [add|remove] <day> [<last day>] [name]", "the business's own closed days"),
    ("/timeoff report [year]", "owners and admins: the year's balances and requests as CSV files"),
    ("/timeoff allowance <member> <days|default>", "owners and admins: a member's own yearly allowance"),
    ("/timeoff help", "this help"),
)
HELP_FOOTER = "See who is in with `/availability [today|tomorrow|week|YYYY-MM-DD] [#channel]`."


# ---- small parts --------------------------------------------------------------------------------


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only says `text` (a refusal, or a request decided by someone else)."""
    return notice_view(title, [section(text)], CallbackId.TIMEOFF_NOTICE.value)


def when_decided(request: TimeOffView) -> str:
    """'Fri 3 Apr 10:02' in the business's zone, or '' when undecided."""
    if request.decided_at is None:
        return ""
    local = request.decided_at.astimezone(request.zone)
    return f"{format_day(local.date())} {local:%H:%M}"


def period_text(request: TimeOffView) -> str:
    """'Fri 3 Apr – Tue 7 Apr (all day)' or 'Fri 3 Apr, 09:00–13:00'."""
    return f"{request.period} (all day)" if request.all_day else request.period


def status_text(request: TimeOffView) -> str:
    """The request's status in words, with who decided and when."""
    icon = STATUS_ICONS.get(request.status, "")
    if request.recorded_at_once and request.leave_type is not None:
        calendar = "In the calendar." if request.blocked_time_id is not None else "Adding it to the calendar…"
        name = escape_mrkdwn(request.leave_type.name)
        return f"{icon} Recorded at once: {name} needs no approval. {calendar}"
    who = escape_mrkdwn(request.decided_by_name or "someone")
    at = when_decided(request)
    at_text = f" on {at}" if at else ""
    if request.status == APPROVED:
        calendar = "In the calendar." if request.blocked_time_id is not None else "Adding it to the calendar…"
        return f"{icon} Approved by *{who}*{at_text}. {calendar}"
    if request.status == DENIED:
        note = f": {escape_mrkdwn(request.decision_note)}" if request.decision_note else ""
        return f"{icon} Denied by *{who}*{at_text}{note}"
    if request.status == CANCELLED:
        # A note on a cancellation is rosterbot's: why it closed the request.
        note = f" {escape_mrkdwn(request.decision_note)}" if request.decision_note else ""
        return f"{icon} Cancelled.{note}"
    return f"{icon} Waiting for approval."


def type_label(request: TimeOffView) -> str:
    """':palm_tree: Vacation' (escaped), or '' where leave types are not wired in."""
    if request.leave_type is None:
        return ""
    emoji = request.leave_type.emoji  # checked to be :name: when saved
    return f"{emoji} {escape_mrkdwn(request.leave_type.name)}".strip()


def request_summary(request: TimeOffView, *, with_reason: bool = True) -> str:
    """'*Sam Stone* · Fri 3 Apr – Tue 7 Apr (all day) · :palm_tree: Vacation' and the reason on its
    own line."""
    label = type_label(request)
    kind = f" · {label}" if label else ""
    lines = [f"*{escape_mrkdwn(request.member_name)}* · {period_text(request)}{kind}"]
    if with_reason and request.reason:
        lines.append(f"Reason: {escape_mrkdwn(request.reason)}")
    return "\n".join(lines)


def use_text(request: TimeOffView, whose: str) -> str:
    """What the request uses of the allowance and what remains ('Uses 3 of your 12 remaining days
    (2026): 9 left after it.'), the days it covers that count nothing, and a shortfall; '' when
    not known."""
    use = request.use
    if use is None:
        return ""
    lines = [escape_mrkdwn(use.sentence(whose))]
    if days_off := use.days_off_text():
        lines.append(escape_mrkdwn(days_off))
    if shortfall := use.shortfall():
        lines.append(f":warning: {escape_mrkdwn(shortfall)}")
    return "\n".join(lines)


def _requested_by(request: TimeOffView) -> str:
    if request.member_slack_user_id == request.requested_by_slack_user_id:
        return ""
    return f" · asked by <@{request.requested_by_slack_user_id}>"


def _member_user(request: TimeOffView) -> str:
    return request.member_slack_user_id or request.requested_by_slack_user_id


def status_word(request: TimeOffView) -> str:
    return STATUS_WORDS.get(request.status, request.status)


def decide_buttons(request: TimeOffView, *, block_id: str) -> ActionsBlock:
    value = id_button_value(request.id)  # the service checks the clicker's permission on it
    return ActionsBlock(
        block_id=block_id,
        elements=[
            button("Approve", ActionId.TIMEOFF_APPROVE.value, value, style="primary"),
            button("Deny", ActionId.TIMEOFF_DENY.value, value, style="danger"),
        ],
    )


def cancel_button(request: TimeOffView) -> ButtonElement:
    return button("Cancel", ActionId.TIMEOFF_CANCEL.value, id_button_value(request.id))


def member_options(found: Page[TeamMember]) -> dict[str, Any]:
    """The answer to the request form's member search: up to 100 members, every match counted."""
    return search_options([(str(m.id), member_choice_label(m)) for m in found.items], found.total)


def member_choice_label(member: TeamMember) -> str:
    return f"{member.name} ({member.role.value})"


# ---- the request form --------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberChoice:
    member_id: int
    label: str  # "Sam Stone (staff)"


@dataclass(frozen=True)
class LeaveChoice:
    type_id: int
    label: str  # ":palm_tree: Vacation"


ESTIMATE_PROMPT = "Choose the days to see what they use of the allowance."


def request_modal(
    *,
    today: date,
    zone_name: str,
    metadata: str = "",
    members: Sequence[MemberChoice] = (),
    own_member_id: int | None = None,
    leave_types: Sequence[LeaveChoice] = (),
    estimate: str = "",
) -> dict[str, Any]:
    """The time-off form. `members` (owners and admins only) adds a "For" select, the requester
    chosen by default; without it the request is the requester's own. `leave_types` adds the type
    select (the first chosen), and `estimate` what the request uses (updated as the days, times
    and type change: those inputs dispatch their actions). Input block ids are the service's field
    names, so its errors land under the right input."""
    field = ActionId.TIMEOFF_FIELD.value
    blocks: list[Block] = []
    dispatch = bool(leave_types)
    if members:
        options = [Option(value=str(m.member_id), text=clip(m.label, 75)) for m in members]
        initial = next((o for o in options if o.value == str(own_member_id)), None)
        hint = "Leave as it is to ask for yourself."
        element: StaticSelectElement | ExternalDataSelectElement
        if len(options) <= MAX_SELECT_OPTIONS:
            element = StaticSelectElement(
                action_id=field, placeholder="Choose a team member", options=options, initial_option=initial
            )
        else:  # more than a static select holds: a search among all of them (`member_options`)
            element = ExternalDataSelectElement(
                action_id=field, placeholder="Type part of a name", initial_option=initial, min_query_length=0
            )
            hint = f"{len(options):,} members: type part of a name or e-mail. {hint}"
        blocks.append(
            InputBlock(
                block_id=BlockId.TIMEOFF_MEMBER.value,
                label="For",
                optional=True,
                hint=hint,
                element=element,
                dispatch_action=dispatch,
            )
        )
    if leave_types:
        type_options = [Option(value=str(t.type_id), text=clip(t.label, 75)) for t in leave_types]
        blocks.append(
            InputBlock(
                block_id=BlockId.TIMEOFF_LEAVE_TYPE.value,
                label="Type",
                dispatch_action=True,
                element=StaticSelectElement(
                    action_id=field, options=type_options[:MAX_SELECT_OPTIONS], initial_option=type_options[0]
                ),
            )
        )
    blocks.extend(
        [
            InputBlock(
                block_id=BlockId.TIMEOFF_STARTS_ON.value,
                label="First day",
                dispatch_action=dispatch,
                element=DatePickerElement(action_id=field, initial_date=today.isoformat()),
            ),
            InputBlock(
                block_id=BlockId.TIMEOFF_ENDS_ON.value,
                label="Last day",
                optional=True,
                hint="Leave empty for a single day.",
                dispatch_action=dispatch,
                element=DatePickerElement(action_id=field, placeholder="Same as the first day"),
            ),
            InputBlock(
                block_id=BlockId.TIMEOFF_DAY_PART.value,
                label="How long",
                dispatch_action=dispatch,
                element=RadioButtonsElement(
                    action_id=field,
                    options=[
                        Option(value=ALL_DAY, text="All day"),
                        Option(value=PART_DAY, text="From – to (give the times below)"),
                    ],
                    initial_option=Option(value=ALL_DAY, text="All day"),
                ),
            ),
            InputBlock(
                block_id=BlockId.TIMEOFF_START_TIME.value,
                label="From",
                optional=True,
                dispatch_action=dispatch,
                hint="On the first day.",
                element=TimePickerElement(action_id=field, placeholder="09:00"),
            ),
            InputBlock(
                block_id=BlockId.TIMEOFF_END_TIME.value,
                label="To",
                optional=True,
                dispatch_action=dispatch,
                hint="On the last day.",
                element=TimePickerElement(action_id=field, placeholder="17:00"),
            ),
            InputBlock(
                block_id=BlockId.TIMEOFF_REASON.value,
                label="Reason",
                optional=True,
                element=PlainTextInputElement(
                    action_id=field,
                    multiline=True,
                    max_length=MAX_REASON,
                    placeholder="Shown to the approvers (and the team, if the type shows reasons)",
                ),
            ),
        ]
    )
    if leave_types:
        blocks.append(context(estimate or ESTIMATE_PROMPT, block_id=BlockId.TIMEOFF_ESTIMATE.value))
    blocks.extend(
        [
            context(
                f"Dates and times are in {escape_mrkdwn(zone_name)}. An owner or admin approves the request."
            ),
        ]
    )
    return form_view(
        "Request time off",
        blocks,
        callback_id=CallbackId.TIMEOFF_REQUEST.value,
        submit="Send request",
        metadata=metadata,
    )


def deny_modal(request: TimeOffView, *, metadata: str) -> dict[str, Any]:
    """Asks the approver why (required): the member reads it."""
    blocks: list[Block] = [
        section(request_summary(request)),
        InputBlock(
            block_id=BlockId.TIMEOFF_NOTE.value,
            label="Why?",
            hint=f"{request.member_name} will read this.",
            element=PlainTextInputElement(
                action_id=ActionId.TIMEOFF_FIELD.value, multiline=True, max_length=MAX_REASON
            ),
        ),
    ]
    return form_view(
        "Deny time off",
        blocks,
        callback_id=CallbackId.TIMEOFF_DENY.value,
        submit="Deny",
        close="Back",
        metadata=metadata,
    )


# ---- the approvals channel ---------------------------------------------------------------------


def approval_message(request: TimeOffView, coverage_lines: Sequence[str] = ()) -> tuple[str, BlockDicts]:
    """The approvers' message in the request's current status: Approve and Deny only while pending."""
    blocks: list[Block] = [
        header(f"Time off request #{request.id}"),
        section(request_summary(request)),
    ]
    if balance := use_text(request, f"{request.member_name}'s"):
        blocks.append(section(f"*Balance*\n{balance}"))
    if coverage_lines:
        warnings = "\n".join(f":warning: {escape_mrkdwn(line)}" for line in coverage_lines)
        blocks.append(section(f"*Coverage*\n{warnings}"))
    blocks.append(
        context(
            f"Request #{request.id} · from <@{_member_user(request)}>{_requested_by(request)}"
            f" · times in {escape_mrkdwn(request.timezone)}"
        )
    )
    if request.status == PENDING:
        blocks.append(decide_buttons(request, block_id=BlockId.TIMEOFF_DECIDE.value))
    else:
        blocks.append(section(status_text(request)))
    text = (
        f"Time off request #{request.id} from {escape_mrkdwn(request.member_name)}: "
        f"{period_text(request)} ({status_word(request)})"
    )
    return text, message(blocks)


def reminder_message(request: TimeOffView) -> tuple[str, BlockDicts]:
    text = (
        f"Request #{request.id} from {escape_mrkdwn(request.member_name)} ({period_text(request)}) "
        "is still waiting for a decision."
    )
    blocks: list[Block] = [
        section(f":bell: Still waiting for a decision:\n{request_summary(request)}"),
        decide_buttons(request, block_id=f"{BlockId.TIMEOFF_DECIDE.value}_{request.id}"),
    ]
    return text, message(blocks)


def unposted_message(request: TimeOffView, error: str, approvers: int | None) -> tuple[str, BlockDicts]:
    """The requester's DM when their request could not go to the approvals channel."""
    text = (
        f"Your time off request #{request.id} ({period_text(request)}) could not be posted in the"
        f" approvals channel ({error})."
    )
    if approvers == 0:
        text += " No owner or admin could be reached on Slack either: please ask one of them directly."
    else:
        text += (
            " I am sending it to each owner and admin by direct message instead, so it still waits"
            " for their decision. An owner or admin should invite me to the channel or choose another"
            " one in /team settings."
        )
    return text, notice(f":warning: {escape_mrkdwn(text)}")


def failure_message(what: str) -> tuple[str, BlockDicts]:
    text = f"{escape_mrkdwn(what)}. Someone may need to do it by hand."
    return text, notice(f":warning: {text}")


# ---- the requester and the team ----------------------------------------------------------------


def decision_message(
    request: TimeOffView, decided_by_name: str, *, to_member: bool
) -> tuple[str, BlockDicts]:
    """The DM after a decision; `to_member` False: it goes to whoever asked on the member's behalf."""
    whose = "Your" if to_member else f"{escape_mrkdwn(request.member_name)}'s"
    who = escape_mrkdwn(decided_by_name or request.decided_by_name or "an approver")
    if request.recorded_at_once and request.leave_type is not None:
        kind = escape_mrkdwn(request.leave_type.name)
        text = f"{whose} {kind} {period_text(request)} is recorded. It is in the calendar."
        icon = ":white_check_mark:"
    elif request.status == APPROVED:
        text = f"{whose} time off {period_text(request)} was approved by {who}. It is in the calendar."
        icon = ":white_check_mark:"
    elif request.status == DENIED:
        note = f" Reason: {escape_mrkdwn(request.decision_note)}" if request.decision_note else ""
        text = f"{whose} time off request for {period_text(request)} was denied by {who}.{note}"
        icon = ":x:"
    else:
        text = f"{whose} time off request for {period_text(request)} is {status_word(request)}."
        icon = STATUS_ICONS.get(request.status, "")
    return text, message([section(f"{icon} {text}"), context(f"Request #{request.id}")])


def team_post(request: TimeOffView) -> tuple[str, BlockDicts]:
    """The team channel's note: who is away when, and why only when the leave type shows its
    reasons to the team (a sick day's stays with the approvers)."""
    name = escape_mrkdwn(request.member_name)
    text = f"{name} will be away {period_text(request)}."
    emoji = (
        request.leave_type.emoji
        if request.leave_type is not None and request.leave_type.emoji
        else ":palm_tree:"
    )
    shown = f"{emoji} *{name}* will be away {period_text(request)}."
    if request.leave_type is not None and not request.reason_private and request.reason:
        shown += f"\n_{escape_mrkdwn(clip(request.reason, 300))}_"
    return text, message([section(shown)])


def team_post_cancelled(request: TimeOffView) -> tuple[str, BlockDicts]:
    name = escape_mrkdwn(request.member_name)
    text = f"{name} will not be away {period_text(request)} after all: the time off was cancelled."
    return text, message(
        [
            section(
                f"~{name} will be away {period_text(request)}.~\n"
                ":no_entry_sign: Cancelled: they will be in after all."
            )
        ]
    )


def cancelled_message(
    request: TimeOffView, cancelled_by_slack_user_id: str, *, to_member: bool
) -> tuple[str, BlockDicts]:
    whose = "Your" if to_member else f"{escape_mrkdwn(request.member_name)}'s"
    why = f" {escape_mrkdwn(request.decision_note)}" if request.decision_note else ""  # rosterbot closed it
    text = f"{whose} time off {period_text(request)} was cancelled by <@{cancelled_by_slack_user_id}>.{why}"
    return text, message([section(f":no_entry_sign: {text}"), context(f"Request #{request.id}")])


# ---- lists -------------------------------------------------------------------------------------


def may_cancel(request: TimeOffView, *, now: datetime, approver: bool) -> bool:
    """Pending: yes. Approved and not started: approvers only (the service says so to others)."""
    if request.status == PENDING:
        return True
    return request.status == APPROVED and approver and request.starts_at > now


def request_line(request: TimeOffView, *, with_member: bool) -> str:
    who = f"*{escape_mrkdwn(request.member_name)}* · " if with_member else ""
    reason = f"\n_{escape_mrkdwn(clip(request.reason, 200))}_" if request.reason else ""
    return f"*#{request.id}* · {who}{period_text(request)}\n{status_text(request)}{reason}"


def own_request_section(request: TimeOffView, *, now: datetime, approver: bool) -> SectionBlock:
    """One of the member's own requests, with Cancel while they may still cancel it."""
    accessory = cancel_button(request) if may_cancel(request, now=now, approver=approver) else None
    return section(request_line(request, with_member=False), accessory=accessory)


def queued_request_blocks(request: TimeOffView) -> list[Block]:
    """A request waiting for a decision, with its own Approve and Deny (the block id names it)."""
    return [
        section(request_line(request, with_member=True)),
        decide_buttons(request, block_id=f"{BlockId.TIMEOFF_DECIDE.value}_{request.id}"),
    ]


def _page_of(listed: Page[TimeOffView], page_size: int) -> tuple[int, int]:
    """(this page's number, how many pages) of a paged list of requests."""
    return listed.offset // page_size + 1, pages_of(listed.total, page_size)


def _page_footer(
    listed: Page[TimeOffView], page_size: int, action_id: ActionId, block_id: BlockId
) -> list[Block]:
    """Where this page stands among all the requests, and Previous / Next (none with one page)."""
    page, pages = _page_of(listed, page_size)
    if pages <= 1:
        return []
    first, last, total = listed.offset + 1, listed.offset + len(listed.items), listed.total
    where = context(f"Page {page} of {pages} · requests {first:,}–{last:,} of {total:,}")
    buttons = pager_blocks(page, pages, action_id=action_id, block_id=block_id, value_for=page_button_value)
    return [where, *buttons]


def request_list_blocks(
    mine: Page[TimeOffView], *, page_size: int, now: datetime, approver: bool, note: str = ""
) -> tuple[str, BlockDicts]:
    """`/timeoff list`: one page of the member's requests, the latest first, Cancel where it can
    be done; the count is of all of them, and Previous / Next reach the rest."""
    total = mine.total
    blocks: list[Block] = [header("Your time off", block_id=BlockId.TIMEOFF_LIST.value)]
    if note:
        blocks.append(section(note))
    if not total:
        blocks.append(section("You have no time-off requests. Ask for time off with `/timeoff`."))
    shown = mine.items
    blocks += [own_request_section(request, now=now, approver=approver) for request in shown]
    if not approver and any(r.status == APPROVED and r.starts_at > now for r in shown):
        blocks.append(context("To cancel approved time off, ask an owner or admin."))
    page, pages = _page_of(mine, page_size)
    blocks += _page_footer(mine, page_size, ActionId.TIMEOFF_LIST_PAGE, BlockId.TIMEOFF_LIST_NAV)
    noun = "request" if total == 1 else "requests"
    return f"Your time off: {total:,} {noun}" + (
        f" (page {page} of {pages})." if pages > 1 else "."
    ), message(blocks)


def pending_blocks(waiting: Page[TimeOffView], *, page_size: int, note: str = "") -> tuple[str, BlockDicts]:
    """`/timeoff pending`: one page of the queue, oldest first, each with Approve and Deny; the
    count is of every request waiting, and Previous / Next reach the rest."""
    total = waiting.total
    blocks: list[Block] = [
        header(f"Waiting for a decision · {total:,}", block_id=BlockId.TIMEOFF_PENDING.value)
    ]
    if note:
        blocks.append(section(note))
    if not waiting.items:
        blocks.append(section("Nothing is waiting for a decision."))
    for request in waiting.items:
        blocks += queued_request_blocks(request)
    page, pages = _page_of(waiting, page_size)
    blocks += _page_footer(waiting, page_size, ActionId.TIMEOFF_PENDING_PAGE, BlockId.TIMEOFF_PENDING_NAV)
    noun = "request" if total == 1 else "requests"
    shown = f" (page {page} of {pages})" if pages > 1 else ""
    return f"{total:,} time-off {noun} waiting for a decision{shown}.", message(blocks)


def timeoff_help_blocks(intro: str = "") -> BlockDicts:
    return help_blocks("Time off", HELP_USAGE, HELP_FOOTER, intro=intro)


# The keys of a view that views.update takes back (a view in a payload has Slack's own besides).
_VIEW_KEYS = (
    "type",
    "callback_id",
    "title",
    "submit",
    "close",
    "private_metadata",
    "blocks",
    "clear_on_close",
)


def with_estimate(view: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The request form `view` (as a payload holds it) with its estimate saying `text`: every
    other block as it was, so what was typed stays."""
    shown = context(text, block_id=BlockId.TIMEOFF_ESTIMATE.value).to_dict()
    blocks = [
        shown if isinstance(b, Mapping) and b.get("block_id") == BlockId.TIMEOFF_ESTIMATE.value else b
        for b in view.get("blocks") or []
    ]
    updated = {key: view[key] for key in _VIEW_KEYS if key in view}
    updated["blocks"] = blocks
    return updated
