"""The App Home tab as Block Kit: who you are, your upcoming and pending time off (with Cancel), the
approvers' queue (with Approve and Deny), and the buttons that start things. Within 100 blocks:
long lists are cut with a line pointing at the command that shows them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock
from slack_sdk.models.views import View

from rosterbot.domain.permissions import NOT_LINKED_REASON
from rosterbot.domain.roles import Actor
from rosterbot.services.paging import Page
from rosterbot.services.timeoff_views import TimeOffView
from rosterbot.slack.blocks import MAX_MODAL_BLOCKS, escape_mrkdwn
from rosterbot.slack.blocks.common import button, context, header, section
from rosterbot.slack.blocks.timeoff import own_request_section, queued_request_blocks
from rosterbot.slack.ids import ActionId, BlockId

MAX_OWN = 30  # the member's own requests shown; the queue gets the rest of the 100 blocks
MAX_QUEUED = 50  # requests of the queue read for the Home: more than its blocks can show


def home_buttons(*, can_add_member: bool) -> ActionsBlock:
    elements: list[ButtonElement] = [
        button("Request time off", ActionId.HOME_REQUEST_TIMEOFF.value, "request", style="primary")
    ]
    if can_add_member:
        elements.append(button("Add member", ActionId.HOME_ADD_MEMBER.value, "add"))
    return ActionsBlock(block_id=BlockId.HOME_ACTIONS.value, elements=elements)


def home_view(
    actor: Actor,
    *,
    member_label: str,
    own: Sequence[TimeOffView],
    queue: Page[TimeOffView] | None,
    can_add_member: bool,
    now: datetime,
    notice: str = "",
    max_blocks: int = MAX_MODAL_BLOCKS,
    balance: str = "",
) -> dict[str, Any]:
    """A linked member's Home. `own`: their upcoming and pending requests; `queue`: requests
    waiting for a decision (None: the actor does not decide); `balance`: their leave left."""
    blocks: list[Block] = [header("rosterbot")]
    if notice:
        blocks.append(section(notice))
    role = actor.role.value if actor.role else "unknown role"
    blocks.append(section(f"You are *{escape_mrkdwn(member_label)}* · {role}"))
    blocks.append(home_buttons(can_add_member=can_add_member))
    blocks.append(DividerBlock())

    own_room = min(len(own), MAX_OWN)
    if balance:
        blocks.append(section(f"*Your leave* · {balance}"))
    blocks.append(section("*Your time off* · upcoming and waiting for approval"))
    if not own:
        blocks.append(context("Nothing planned. Ask for time off with the button above or `/timeoff`."))
    approver = queue is not None
    blocks += [own_request_section(request, now=now, approver=approver) for request in own[:own_room]]
    if len(own) > own_room:
        blocks.append(context(f"…and {len(own) - own_room} more: see `/timeoff list`."))

    if queue is not None:
        blocks.append(DividerBlock())
        blocks.append(section(f"*Waiting for a decision* · {queue.total:,}"))
        if not queue.total:
            blocks.append(context("Nothing is waiting for a decision."))
        room = max(0, (max_blocks - len(blocks) - 1) // 2)
        shown = queue.items[:room]
        for request in shown:
            blocks += queued_request_blocks(request)
        if queue.total > len(shown):  # counted, not the length of the page that was read
            blocks.append(context(f"…and {queue.total - len(shown):,} more: see `/timeoff pending`."))
    return _home(blocks, max_blocks)


def unlinked_home_view(actor: Actor, *, notice: str = "") -> dict[str, Any]:
    """The Home of a Slack user not linked to an active member: how to get linked, nothing else."""
    blocks: list[Block] = [header("rosterbot")]
    if notice:
        blocks.append(section(notice))
    blocks.append(section(f"Hello <@{actor.slack_user_id}>. {NOT_LINKED_REASON}"))
    blocks.append(context("Once you are linked, this tab shows your time off and lets you ask for more."))
    return _home(blocks, MAX_MODAL_BLOCKS)


def _home(blocks: Sequence[Block], max_blocks: int) -> dict[str, Any]:
    if len(blocks) > max_blocks:
        raise ValueError(f"a Home tab holds at most {max_blocks} blocks, not {len(blocks)}")
    return View(type="home", blocks=list(blocks)).to_dict()
