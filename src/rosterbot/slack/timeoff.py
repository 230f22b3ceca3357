"""`/timeoff` and its buttons: the request form, list, cancel, pending, help; Approve, Deny and
Cancel wherever they are shown (the approvals channel, the lists, the App Home).

Every listener acks first; a form is `rosterbot.slack.turn.form_listener`'s ("Sending…" at once,
then the outcome, or the form back as typed). The request form opens at once (the trigger lives 3
seconds); for owners and admins a "For" select of the team is added with views.update once the
team is loaded. The services decide and refuse; `rosterbot.slack.errors` tells the user. All the
worker does afterwards (approvals post, calendar, DMs, team post) is in `slack/notifier.py`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from rosterbot.api.errors import ApiError
from rosterbot.api.models import TeamMember
from rosterbot.domain.dates import format_day, format_days, local_today
from rosterbot.domain.leave import BelowZero, LeaveTypeView, format_amount
from rosterbot.domain.permissions import NOT_LINKED_REASON, Operation, check
from rosterbot.domain.roles import Actor
from rosterbot.services import timeoff_views as statuses  # PENDING, APPROVED: slack/ never imports store/
from rosterbot.services.errors import InvalidRequest
from rosterbot.services.leave import (
    TYPE_EMOJI,
    TYPE_NAME,
    LeaveTypeInput,
    normalise_emoji,
    parse_amount,
    type_errors,
)
from rosterbot.services.timeoff_rules import LEAVE_TYPE_FIELD, RequestDraft, RequestInput, validate_note
from rosterbot.services.timeoff_views import DecisionResult, TimeOffView
from rosterbot.slack.blocks import escape_mrkdwn
from rosterbot.slack.blocks.leave import (
    COUNTS,
    NEEDS_APPROVAL,
    REASON_PRIVATE,
    balance_blocks,
    balance_line,
    type_modal,
    types_blocks,
)
from rosterbot.slack.blocks.timeoff import (
    ALL_DAY,
    ESTIMATE_PROMPT,
    MAX_LISTED,
    PART_DAY,
    PENDING_PAGE_SIZE,
    BlockDicts,
    LeaveChoice,
    MemberChoice,
    deny_modal,
    member_choice_label,
    member_options,
    notice,
    notice_modal,
    pending_blocks,
    period_text,
    request_list_blocks,
    request_modal,
    timeoff_help_blocks,
    use_text,
    with_estimate,
)
from rosterbot.slack.context import actor_of, is_retry, services_of
from rosterbot.slack.home import publish_home, refusal_on_home
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.metadata import (
    DenyFormMetadata,
    LeaveTypeFormMetadata,
    RequestFormMetadata,
    read_id_button,
    read_page_button,
)
from rosterbot.slack.parsing import (
    Form,
    StateValues,
    option_value,
    option_values,
    plain_reference,
    text_value,
)
from rosterbot.slack.team import member_reference
from rosterbot.slack.turn import (
    Subcommand,
    Turn,
    action_listener,
    command_listener,
    deferred,
    dispatch,
    form_listener,
    named_after,
    require,
    sealer_of,
)

if TYPE_CHECKING:
    from rosterbot.services.container import Services

log = logging.getLogger(__name__)

SENDING_TEXT = ":hourglass_flowing_sand: Sending your request…"
RECORDING_TEXT = ":hourglass_flowing_sand: Recording your decision…"
DENY_TITLE = "Deny time off"

FORM_TITLE = "Request time off"
_REQUEST_ID = re.compile(r"^#?(\d{1,9})$")
_MEMBER_ID = re.compile(r"[0-9]{1,18}")  # str.isdigit() also takes "²", which int() refuses


# ---- the request form ----------------------------------------------------------------------------


def _date(values: StateValues, block_id: str) -> date | None:
    raw = ((values.get(block_id) or {}).get(ActionId.TIMEOFF_FIELD.value) or {}).get("selected_date")
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _time(values: StateValues, block_id: str) -> time | None:
    raw = ((values.get(block_id) or {}).get(ActionId.TIMEOFF_FIELD.value) or {}).get("selected_time")
    try:
        return time.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


# The form's input of each field the time-off service names in its errors (`InvalidRequest`).
FIELD_BLOCKS: dict[str, BlockId] = {
    LEAVE_TYPE_FIELD: BlockId.TIMEOFF_LEAVE_TYPE,
    "starts_on": BlockId.TIMEOFF_STARTS_ON,
    "ends_on": BlockId.TIMEOFF_ENDS_ON,
    "start_time": BlockId.TIMEOFF_START_TIME,
    "end_time": BlockId.TIMEOFF_END_TIME,
    "reason": BlockId.TIMEOFF_REASON,
    "note": BlockId.TIMEOFF_NOTE,
}


@contextmanager
def errors_on_inputs() -> Iterator[None]:
    """The time-off service's field errors raised inside, keyed again by the form's block ids
    (`rosterbot.slack.errors` shows them under those inputs)."""
    try:
        yield
    except InvalidRequest as refused:
        errors = {str(FIELD_BLOCKS.get(field, field)): text for field, text in refused.field_errors.items()}
        raise InvalidRequest(errors, refused.message) from None


def read_request_form(values: StateValues) -> RequestDraft:
    """The form as typed; its rules (a first day, the days and times, their order, a time a clock
    change skips) are the service's: `TimeOffService.check_input`."""
    field = ActionId.TIMEOFF_FIELD.value
    member_text = option_value(values, BlockId.TIMEOFF_MEMBER, field)
    type_text = option_value(values, BlockId.TIMEOFF_LEAVE_TYPE, field)
    return RequestDraft(
        starts_on=_date(values, BlockId.TIMEOFF_STARTS_ON),
        ends_on=_date(values, BlockId.TIMEOFF_ENDS_ON),
        member_id=int(member_text) if member_text and _MEMBER_ID.fullmatch(member_text) else None,
        all_day=(option_value(values, BlockId.TIMEOFF_DAY_PART, field) or ALL_DAY) != PART_DAY,
        start_time=_time(values, BlockId.TIMEOFF_START_TIME),
        end_time=_time(values, BlockId.TIMEOFF_END_TIME),
        reason=text_value(values, BlockId.TIMEOFF_REASON, field),
        leave_type_id=int(type_text) if type_text and _MEMBER_ID.fullmatch(type_text) else None,
    )


def business_today(services: Services, team_id: str) -> tuple[date, str]:
    """Today in the workspace's business zone, and the zone's name (no API call)."""
    zone = services.timeoff.business_zone(team_id)
    return local_today(zone), zone.key


def open_request_modal(
    client: WebClient,
    trigger_id: str,
    context: BoltContext,
    *,
    channel_id: str | None = None,
    from_home: bool = False,
) -> None:
    """Open the form at once with the trigger, then resolve the actor: an unlinked user sees how to
    get linked; an owner or admin gets the "For" select once the team is loaded."""
    services = services_of(context)
    team_id = str(context.team_id or "")
    today, zone_name = business_today(services, team_id)
    metadata = sealer_of(context).seal(RequestFormMetadata(channel_id=channel_id, home=from_home))
    opened = client.views_open(
        trigger_id=trigger_id, view=request_modal(today=today, zone_name=zone_name, metadata=metadata)
    )
    view_id = str(opened["view"]["id"])
    actor = actor_of(context)
    if not actor.is_linked:
        client.views_update(view_id=view_id, view=notice_modal(FORM_TITLE, NOT_LINKED_REASON))
        return
    leave_types = [LeaveChoice(t.id, t.label) for t in services.leave.types_of(team_id)]
    members: list[MemberChoice] = []
    if check(actor.role, Operation.TIME_OFF_REQUEST_FOR_OTHER).allowed:
        try:
            team = services.team.list(actor)
        except ApiError as exc:  # the form still works for the approver's own time off
            log.warning("time-off form: team not loaded for the For select: %s", type(exc).__name__)
        else:
            members = [MemberChoice(m.id, member_choice_label(m)) for m in team]
    assert actor.member_id is not None
    balance = services.leave.balance_of(team_id, actor.member_id, actor.name)
    estimate = f":bar_chart: You have {balance_line(balance)} {ESTIMATE_PROMPT}"
    view = request_modal(
        today=today,
        zone_name=zone_name,
        metadata=metadata,
        members=members,
        own_member_id=actor.member_id,
        leave_types=leave_types,
        estimate=estimate,
    )
    try:
        client.views_update(view_id=view_id, hash=opened["view"].get("hash") or None, view=view)
    except SlackApiError as exc:  # submitted or closed meanwhile: nothing to fill
        log.info("time-off form not updated: %s", exc.response.get("error"))


def estimate_text(services: Services, team_id: str, member_id: int, data: RequestInput, *, own: bool) -> str:
    """What the form's request would use of the member's allowance, and what remains."""
    use = services.leave.use_of(
        team_id,
        member_id,
        data.leave_type_id,
        data.starts_on,
        data.ends_on,
        None if data.all_day else data.start_time,
        None if data.all_day else data.end_time,
    )
    whose = "your" if own else "their"
    lines = [f":bar_chart: {escape_mrkdwn(use.sentence(whose))}"]
    if days_off := use.days_off_text():
        lines.append(escape_mrkdwn(days_off))
    if shortfall := use.shortfall():
        refused_or_warned = (
            "It would be refused." if use.below_zero is BelowZero.REFUSE else "Approvers are warned."
        )
        lines.append(f":warning: {escape_mrkdwn(shortfall)} {refused_or_warned}")
    return "\n".join(lines)


def update_estimate(turn: Turn, value: str) -> None:
    """A day, time or type changed in the open request form: say what the request now uses. The
    form keeps what was typed (the same block and action ids); only the estimate is replaced."""
    view = _object(turn.body.get("view"))
    actor = turn.actor
    if not actor.is_linked or turn.view_id is None or actor.member_id is None:
        return
    draft = read_request_form(_object(_object(view.get("state")).get("values")))
    try:  # the reason does not change what is used: the days not chosen, or not valid, do
        data = turn.services.timeoff.check_input(turn.team_id, replace(draft, reason=""))
    except InvalidRequest as refused:
        said = next(iter(refused.field_errors.values()), refused.message or ESTIMATE_PROMPT)
        text = f":information_source: {escape_mrkdwn(said)}"
    else:
        member_id = data.member_id or actor.member_id
        own = member_id == actor.member_id
        if not own:
            require(actor, Operation.TIME_OFF_REQUEST_FOR_OTHER)
        text = estimate_text(turn.services, turn.team_id, member_id, data, own=own)
    updated = with_estimate(view, text)
    try:
        turn.client.views_update(view_id=turn.view_id, hash=view.get("hash") or None, view=updated)
    except SlackApiError as exc:  # changed again, submitted or closed meanwhile: that one wins
        log.info("time-off estimate not shown: %s", exc.response.get("error"))


def member_search(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    """Slack asks for the options of the form's "For" search as an approver types (a
    block_suggestion request, for a team too big for a static select): answered at once."""
    actor = actor_of(context)
    require(actor, Operation.TIME_OFF_REQUEST_FOR_OTHER)
    ack(**member_options(services_of(context).team.search(actor, str(payload.get("value") or ""))))


def checked_request_form(values: StateValues, context: BoltContext) -> Form[RequestInput]:
    """The form read, then checked as the service checks it without the API (the days and times
    in the workspace's zone): what it refuses is answered under the inputs, before the ack."""
    draft = read_request_form(values)
    with errors_on_inputs():
        return Form(services_of(context).timeoff.check_input(str(context.team_id or ""), draft), {})


def send_request(turn: Turn, metadata: RequestFormMetadata, data: RequestInput) -> TimeOffView:
    """Store the request; what the service refuses goes back under the form's inputs."""
    with errors_on_inputs():
        return turn.services.timeoff.request(turn.actor, data, retried=is_retry(turn.context))


def request_sent(turn: Turn, metadata: RequestFormMetadata, created: TimeOffView) -> None:
    """The stored request: the modal, the Home and the user are told."""
    actor = turn.actor
    own = created.member_id == actor.member_id
    whose = "" if own else f" for *{escape_mrkdwn(created.member_name)}*"
    notes = "".join(f" {note}" for note in created.clock_notes)  # which 02:30, the night clocks go back
    uses = use_text(created, "your" if own else f"{created.member_name}'s")
    uses = f" {uses}" if uses else ""
    if created.recorded_at_once and created.leave_type is not None:
        kind = escape_mrkdwn(created.leave_type.name)
        text = (
            f"{kind} #{created.id}{whose} recorded: {period_text(created)}.{notes}{uses} "
            "It needs no approval: it goes in the calendar now, and the approvers are told."
        )
        icon = ":white_check_mark:"
    else:
        text = (
            f"Time off request #{created.id}{whose} sent: {period_text(created)}.{notes}{uses} "
            "It is waiting for approval; I'll message you when it is decided."
        )
        icon = ":outbox_tray:"
    turn.report(text, notice(f"{icon} {text}"))
    if metadata.home:
        publish_home(turn.client, turn.services, actor, notice=f"{icon} {text}")


# ---- where a click's answer goes ----------------------------------------------------------------


@dataclass
class Click:
    """A click on Approve, Deny or Cancel, and where its answer goes: the Home tab (published
    again), the `/timeoff list` or `/timeoff pending` message it was in (replaced by the list as it
    is now), or an ephemeral message (the approvals channel's shared message stays as the worker
    edits it)."""

    turn: Turn
    response_url: str | None
    in_home: bool
    in_list: str | None  # BlockId.TIMEOFF_LIST or TIMEOFF_PENDING when the click was in one

    @classmethod
    def of(cls, turn: Turn) -> Click:
        body = turn.body
        container = _object(body.get("container"))
        in_home = container.get("type") == "view" and _object(body.get("view")).get("type") == "home"
        head = first_block_id(body.get("message"))
        in_list: str | None = next(
            (b for b in (BlockId.TIMEOFF_LIST.value, BlockId.TIMEOFF_PENDING.value) if b == head), None
        )
        if in_list is None and container.get("is_ephemeral"):
            in_list = ""  # an ephemeral list whose blocks Slack did not send: the action decides which
        turn.replace = False  # a shared message (the approvals post) stays as the worker edits it
        response_url = body.get("response_url")
        return cls(
            turn=turn,
            response_url=response_url if isinstance(response_url, str) else None,
            in_home=in_home,
            in_list=in_list,
        )

    def answer(self, text: str, *, refresh: str) -> None:
        """Say `text` where the click happened; `refresh`: the list to show again if it was in one."""
        turn = self.turn
        if self.in_home:
            publish_home(turn.client, turn.services, turn.actor, notice=text)
            return
        if self.in_list is not None and turn.respond is not None:
            which = self.in_list or refresh
            listed_text, blocks = list_for(turn.services, turn.actor, which, note=text)
            turn.respond(text=listed_text, blocks=blocks, response_type="ephemeral", replace_original=True)
            return
        turn.say(text)


def first_block_id(message: object) -> str | None:
    """The block id of a message's first block, read without trusting the message's shape (it
    comes back in the click's payload): None when there is none."""
    blocks = _object(message).get("blocks")
    first = blocks[0] if isinstance(blocks, list) and blocks else None
    block_id = _object(first).get("block_id")
    return block_id if isinstance(block_id, str) else None


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def list_for(
    services: Services, actor: Actor, which: str, *, note: str = "", page: int = 1
) -> tuple[str, BlockDicts]:
    """The member's own requests (`BlockId.TIMEOFF_LIST`) or the approvers' queue (its `page`), as
    they are now."""
    if which == BlockId.TIMEOFF_PENDING.value:
        size = PENDING_PAGE_SIZE
        waiting = services.timeoff.pending(actor, limit=size, offset=(page - 1) * size)
        return pending_blocks(waiting, page_size=size, note=note)
    approver = check(actor.role, Operation.TIME_OFF_DECIDE).allowed
    size = MAX_LISTED
    mine = services.timeoff.list_for(actor, limit=size, offset=(page - 1) * size)
    return request_list_blocks(mine, page_size=size, now=datetime.now(UTC), approver=approver, note=note)


# ---- buttons (the request id is their value) --------------------------------------------------


def on_request(work: Callable[[Click, int], None]) -> Callable[[Turn, str], None]:
    """`work(click, the request id)` for a button whose value is the request's id."""

    def run(turn: Turn, value: str) -> None:
        click, request_id = Click.of(turn), read_id_button(value)
        if click.in_home:
            refusal_on_home(turn.client, turn.context, lambda: work(click, request_id))
        else:
            work(click, request_id)

    return named_after(run, work)


def approve(click: Click, request_id: int) -> None:
    turn = click.turn
    result = turn.services.timeoff.decide(turn.actor, request_id, True)
    icon = ":white_check_mark:" if result.recorded else ":information_source:"
    click.answer(f"{icon} {escape_mrkdwn(result.message)}", refresh=BlockId.TIMEOFF_PENDING.value)


def open_deny_form(click: Click, request_id: int) -> None:
    """Open the reason form (if the request still waits); the decision is made on its submission."""
    turn = click.turn
    actor = turn.actor
    require(actor, Operation.TIME_OFF_DECIDE)
    request = turn.services.timeoff.get(actor, request_id)
    if request.status != statuses.PENDING:
        who = f" by {escape_mrkdwn(request.decided_by_name)}" if request.decided_by_name else ""
        click.answer(
            f":information_source: This request was already {request.status}{who}.",
            refresh=BlockId.TIMEOFF_PENDING.value,
        )
        return
    listed = (click.in_list or BlockId.TIMEOFF_PENDING.value) if click.in_list is not None else None
    metadata = sealer_of(turn.context).seal(
        DenyFormMetadata(
            request_id=request.id,
            channel_id=turn.channel_id,
            home=click.in_home,
            listed=listed,
            # the only way to replace an ephemeral list; safe to use later because it is sealed
            response_url=click.response_url if listed else None,
        )
    )
    turn.client.views_open(trigger_id=str(turn.trigger_id), view=deny_modal(request, metadata=metadata))


def cancel(click: Click, request_id: int) -> None:
    turn = click.turn
    result = turn.services.timeoff.cancel(turn.actor, request_id)
    icon = ":no_entry_sign:" if result.cancelled else ":information_source:"
    click.answer(f"{icon} {escape_mrkdwn(result.message)}", refresh=BlockId.TIMEOFF_LIST.value)


def read_deny_form(values: StateValues, context: BoltContext) -> Form[str]:
    """The reason, checked as the service checks it: what it refuses is inline, before the ack."""
    note = text_value(values, BlockId.TIMEOFF_NOTE, ActionId.TIMEOFF_FIELD.value)
    with errors_on_inputs():
        return Form(validate_note(note, approve=False) or "", {})


def send_denial(turn: Turn, metadata: DenyFormMetadata, note: str) -> DecisionResult:
    """Deny with the reason; what the service refuses goes back under the form's input."""
    with errors_on_inputs():
        return turn.services.timeoff.decide(turn.actor, metadata.request_id, False, note)


def denial_recorded(turn: Turn, metadata: DenyFormMetadata, result: DecisionResult) -> None:
    """The modal and the list or Home the Deny click came from are told."""
    services, actor = turn.services, turn.actor
    said = escape_mrkdwn(result.message)  # a service's sentence is plain text: it names the member
    text = f":x: {said}" if result.recorded else said
    if result.recorded and not metadata.home and not metadata.response_url:
        turn.report(text)  # the modal, and where the click came from
        return
    turn.say(text)  # in the modal, else (closed meanwhile) outside it
    if not result.recorded:
        return
    if metadata.home:
        publish_home(turn.client, services, actor, notice=text)
    elif metadata.response_url:  # sealed by open_deny_form: the URL Slack gave that click
        listed_text, blocks = list_for(
            services, actor, metadata.listed or BlockId.TIMEOFF_PENDING.value, note=text
        )
        WebhookClient(metadata.response_url).send(
            text=listed_text, blocks=blocks, response_type="ephemeral", replace_original=True
        )


def home_request_clicked(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    open_request_modal(client, str(body["trigger_id"]), context, from_home=True)


# ---- the command ---------------------------------------------------------------------------------


def timeoff_list(turn: Turn, rest: str) -> None:
    text, blocks = list_for(turn.services, turn.actor, BlockId.TIMEOFF_LIST.value)
    turn.say(text, blocks)


def timeoff_pending(turn: Turn, rest: str) -> None:
    text, blocks = list_for(turn.services, turn.actor, BlockId.TIMEOFF_PENDING.value)
    turn.say(text, blocks)


def page_shower(which: BlockId) -> Callable[[Turn, str], None]:
    """A click on Previous / Next under `/timeoff pending` or `/timeoff list`: that page, in place
    of the one shown."""

    def show_page(turn: Turn, value: str) -> None:
        text, blocks = list_for(turn.services, turn.actor, which.value, page=read_page_button(value).page)
        turn.say(text, blocks)

    return show_page


def timeoff_cancel(turn: Turn, rest: str) -> None:
    found = _REQUEST_ID.match(rest.strip())
    if found is None:
        turn.say("Which request? Give its number: `/timeoff cancel 12` (see `/timeoff list`).")
        return
    result = turn.services.timeoff.cancel(turn.actor, int(found.group(1)))
    icon = ":no_entry_sign:" if result.cancelled else ":information_source:"
    turn.say(f"{icon} {escape_mrkdwn(result.message)}")


def timeoff_help(turn: Turn, rest: str, *, unknown: str = "") -> None:
    intro = f"I don't know `/timeoff {escape_mrkdwn(unknown)}`. Here is what I can do:" if unknown else ""
    turn.say("How to use /timeoff", timeoff_help_blocks(intro))


# ---- leave: balances and types -------------------------------------------------------------------

_YEAR = re.compile(r"^(?:19|2\d)\d\d$")


def timeoff_balance(turn: Turn, rest: str) -> None:
    """`/timeoff balance [member] [year]`: the actor's own balance, or (owners and admins) another
    member's, for the leave year today is in or the one named."""
    words = rest.split()
    year = int(words.pop()) if words and _YEAR.match(words[-1]) else None
    typed = plain_reference(" ".join(words))
    actor = turn.actor
    if not typed:
        balance = turn.services.leave.balance(actor, year=year)
        turn.say(*balance_blocks(balance, own=True))
        return
    require(actor, Operation.LEAVE_BALANCE_OTHERS)
    member = one_member(turn, typed, "`/timeoff balance @member` or `/timeoff balance #12`.")
    if member is None:
        return
    balance = turn.services.leave.balance(actor, member.id, year)
    turn.say(*balance_blocks(balance, own=member.id == actor.member_id))


def one_member(turn: Turn, typed: str, usage: str) -> TeamMember | None:
    """The one member `typed` names (a mention, `#12`, an e-mail or a name), or None after saying
    why not (none, or several: then name one more exactly)."""
    reference = member_reference(turn, plain_reference(typed))
    if reference is None:
        return None
    matches = turn.services.team.find(turn.actor, reference) if reference else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(escape_mrkdwn(m.name) for m in matches[:10])
        found = f"{len(matches)} members match “{escape_mrkdwn(reference)}”: {names}."
    else:
        found = f"No team member matches “{escape_mrkdwn(reference)}”." if reference else "Name a member."
    turn.say(f"{found} Name one with a mention or an id: {usage}")
    return None


ALLOWANCE_USAGE = "`/timeoff allowance @member 25` (or `default` for the workspace's allowance)"


def timeoff_allowance(turn: Turn, rest: str) -> None:
    """`/timeoff allowance <member> <days|default>` (owners and admins): a member's own yearly
    allowance, over the workspace's."""
    actor = turn.actor
    require(actor, Operation.LEAVE_ALLOWANCES_SET)
    typed, _, amount = rest.strip().rpartition(" ")
    if not typed or not amount:
        turn.say(f"Give a member and a number of days: {ALLOWANCE_USAGE}.")
        return
    if amount.casefold() == "default":
        days: Fraction | None = None
    else:
        try:
            days = parse_amount(amount)
        except ValueError:
            turn.say(f"“{escape_mrkdwn(amount)}” is not a number of days: {ALLOWANCE_USAGE}.")
            return
    member = one_member(turn, typed, ALLOWANCE_USAGE)
    if member is None:
        return
    turn.services.leave.set_member_allowance(actor, member.id, days)
    balance = turn.services.leave.balance(actor, member.id)
    whose = escape_mrkdwn(member.name)
    turn.say(
        f":white_check_mark: {whose}'s allowance is now {format_amount(balance.allowance)} a year"
        f"{' (their own)' if balance.own_allowance else ' (the workspace’s)'}: {balance_line(balance)}"
    )


def timeoff_types(turn: Turn, rest: str, *, note: str = "") -> None:
    """`/timeoff types`: the workspace's leave types; Add and Edit for owners and admins."""
    actor = turn.actor
    manager = check(actor.role, Operation.LEAVE_TYPES_MANAGE).allowed
    turn.say(*types_blocks(turn.services.leave.types(actor), manager=manager, note=note))


CLOSED_USAGE = (
    "`/timeoff closed` lists the closed days; owners and admins: "
    "`/timeoff closed add 2026-12-24 [2026-12-31] Name` and `/timeoff closed remove 2026-12-24 [2026-12-31]`."
)


def _iso_days(words: list[str]) -> tuple[date, date] | None:
    """The first one or two words as ISO dates (taken off `words`): (first, last)."""
    found: list[date] = []
    while words and len(found) < 2:
        try:
            found.append(date.fromisoformat(words[0]))
        except ValueError:
            break
        words.pop(0)
    if not found:
        return None
    return found[0], found[-1]


def timeoff_closed(turn: Turn, rest: str) -> None:
    """`/timeoff closed [add|remove] …`: the business's own closed days (public holidays come from
    the settings' country)."""
    words = rest.split()
    verb = words.pop(0).casefold() if words else ""
    actor, leave = turn.actor, turn.services.leave
    if verb in ("add", "remove"):
        span = _iso_days(words)
        if span is None:
            turn.say(f"Give the days as YYYY-MM-DD. {CLOSED_USAGE}")
            return
        first, last = span
        if verb == "add":
            days = leave.add_closed_days(actor, first, last, " ".join(words))
            turn.say(f":door: Closed {format_days(days)}: these days count against nobody's allowance.")
        else:
            opened = leave.remove_closed_days(actor, first, last)
            turn.say(f":white_check_mark: Opened {opened} closed {'day' if opened == 1 else 'days'} again.")
        return
    if verb:
        turn.say(CLOSED_USAGE)
        return
    today, _ = business_today(turn.services, turn.team_id)
    shown = leave.closed_days(actor, today, today + timedelta(days=366))
    lines = [f"• {format_day(day)}: {escape_mrkdwn(name) or 'closed'}" for day, name in shown.items()]
    text = "*Closed days ahead*\n" + ("\n".join(lines[:60]) if lines else "None.")
    turn.say("Closed days ahead", notice(text + f"\n{CLOSED_USAGE}"))


def timeoff_report(turn: Turn, rest: str) -> None:
    """`/timeoff report [year]` (owners and admins): the leave year's balances and requests as two
    CSV files, sent to the requester in a DM (Slack's current upload: files_upload_v2)."""
    words = rest.split()
    if len(words) > 1 or (words and not _YEAR.match(words[0])):
        turn.say("Use `/timeoff report` for this leave year, or `/timeoff report 2026` for another.")
        return
    require(turn.actor, Operation.LEAVE_REPORT)
    report = turn.services.leave.report(turn.actor, int(words[0]) if words else None)
    dm = turn.client.conversations_open(users=turn.user_id)["channel"]["id"]
    stem = f"leave-{report.year_name.replace('/', '-')}"
    turn.client.files_upload_v2(
        channel=dm,
        initial_comment=(
            f"Leave report {report.year_name}: balances (a row per member and leave type) and "
            f"{report.request_count} requests. Dates and times in {report.zone}."
        ),
        file_uploads=[
            {
                "content": report.balances_csv,
                "filename": f"{stem}-balances.csv",
                "title": f"Leave balances {report.year_name}",
            },
            {
                "content": report.requests_csv,
                "filename": f"{stem}-requests.csv",
                "title": f"Leave requests {report.year_name}",
            },
        ],
    )
    turn.say(
        f":page_facing_up: Sent you the {report.year_name} leave report in a direct message: two CSV files."
    )


def open_type_form(turn: Turn, value: str) -> None:
    """Add (the Add button) or edit (an Edit button, whose value is the type's id) a leave type."""
    actor = turn.actor
    require(actor, Operation.LEAVE_TYPES_MANAGE)
    leave_type = None
    if value != "add":
        type_id = read_id_button(value)
        leave_type = next((t for t in turn.services.leave.types(actor) if t.id == type_id), None)
        if leave_type is None:
            turn.say(":information_source: That leave type is no longer there. See `/timeoff types`.")
            return
    metadata = sealer_of(turn.context).seal(
        LeaveTypeFormMetadata(channel_id=turn.channel_id, type_id=leave_type.id if leave_type else None)
    )
    turn.client.views_open(trigger_id=str(turn.trigger_id), view=type_modal(leave_type, metadata=metadata))


def read_type_form(values: StateValues, context: BoltContext) -> Form[LeaveTypeInput]:
    field = ActionId.LEAVE_FIELD.value
    flags = set(option_values(values, BlockId.LEAVE_TYPE_FLAGS, field))
    data = LeaveTypeInput(
        name=text_value(values, TYPE_NAME, field),
        emoji=normalise_emoji(text_value(values, TYPE_EMOJI, field)),
        counts=COUNTS in flags,
        needs_approval=NEEDS_APPROVAL in flags,
        reason_private=REASON_PRIVATE in flags,
    )
    errors = type_errors(data.name, data.emoji)
    return Form(None, errors) if errors else Form(data, {})


def type_saved(turn: Turn, metadata: LeaveTypeFormMetadata, saved: LeaveTypeView) -> None:
    verb = "changed" if metadata.type_id else "added"
    turn.report(f":white_check_mark: Leave type {saved.emoji} *{escape_mrkdwn(saved.name)}* {verb}.")


def request_form(turn: Turn, rest: str) -> None:
    open_request_modal(turn.client, str(turn.trigger_id), turn.context, channel_id=turn.channel_id)


SUBCOMMANDS: dict[str, Subcommand] = {
    "": request_form,
    "request": request_form,
    "new": request_form,
    "list": timeoff_list,
    "pending": timeoff_pending,
    "cancel": timeoff_cancel,
    "help": timeoff_help,
    "balance": timeoff_balance,
    "types": timeoff_types,
    "closed": timeoff_closed,
    "report": timeoff_report,
    "allowance": timeoff_allowance,
}


def run_timeoff(turn: Turn, text: str) -> None:
    """Dispatch `/timeoff <text>`: no words (or "request", "new") open the form."""
    dispatch(turn, text, SUBCOMMANDS, timeoff_help)


def register(app: App) -> None:
    on_click = partial(action_listener, modal_title=FORM_TITLE)
    app.command("/timeoff")(*command_listener(run_timeoff, modal_title=FORM_TITLE))
    app.view(CallbackId.TIMEOFF_REQUEST.value)(
        *form_listener(
            checked_request_form,
            send_request,
            request_sent,
            RequestFormMetadata,
            title=FORM_TITLE,
            progress=SENDING_TEXT,
        )
    )
    app.options(ActionId.TIMEOFF_FIELD.value)(member_search)  # the one external select of the form
    # A day, time, type or member changed in the form: the estimate follows.
    app.action(ActionId.TIMEOFF_FIELD.value)(*on_click(update_estimate))
    app.view(CallbackId.TIMEOFF_DENY.value)(
        *form_listener(
            read_deny_form,
            send_denial,
            denial_recorded,
            DenyFormMetadata,
            title=DENY_TITLE,
            progress=RECORDING_TEXT,
            nothing_done="Nothing was recorded; send it again when ready.",
        )
    )
    app.action(ActionId.TIMEOFF_APPROVE.value)(*on_click(on_request(approve)))
    app.action(ActionId.TIMEOFF_DENY.value)(*on_click(on_request(open_deny_form)))
    app.action(ActionId.TIMEOFF_CANCEL.value)(*on_click(on_request(cancel)))
    app.action(ActionId.LEAVE_TYPE_ADD.value)(*on_click(open_type_form))
    app.action(ActionId.LEAVE_TYPE_EDIT.value)(*on_click(open_type_form))
    app.view(CallbackId.LEAVE_TYPE.value)(
        *form_listener(
            read_type_form,
            lambda turn, form, data: turn.services.leave.save_type(turn.actor, data, form.type_id),
            type_saved,
            LeaveTypeFormMetadata,
            title="Leave type",
        )
    )
    for pager, which in (
        (ActionId.TIMEOFF_PENDING_PAGE, BlockId.TIMEOFF_PENDING),
        (ActionId.TIMEOFF_LIST_PAGE, BlockId.TIMEOFF_LIST),
    ):
        app.action(re.compile(rf"^{pager}_(prev|next)$"))(*on_click(page_shower(which)))
    app.action(ActionId.HOME_REQUEST_TIMEOFF.value)(*deferred(home_request_clicked))
