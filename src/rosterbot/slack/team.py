"""`/team`: list, show, add, edit, deactivate, reactivate, remove, position, link, whoami, settings
(`rosterbot.slack.settings`), help.

Every listener acks first. A command that needs a modal opens it at once with a loading view (the
trigger id lives 3 seconds) and fills it with `views.update`; the others answer ephemerally through
`respond`. A member is named by mention, id, e-mail or name; several matches get one button each,
whose value is the command text that continues the operation (re-run as if typed, so every check
runs again). The services decide and refuse; `rosterbot.slack.errors` tells the user.

`open_add_member_modal(client, trigger_id, actor, services)` is also the App Home's "Add member".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient

from rosterbot.api.models import Position, TeamMember
from rosterbot.domain.permissions import NOT_LINKED_REASON, PERMISSIONS, Operation, check
from rosterbot.domain.roles import Actor, Role
from rosterbot.services.positions import match_positions
from rosterbot.services.team import match_members
from rosterbot.slack.blocks import escape_mrkdwn
from rosterbot.slack.blocks.common import (
    Choice,
    choice_blocks,
    message,
    notice,
    section,
)
from rosterbot.slack.blocks.settings import SETTINGS_USAGE
from rosterbot.slack.blocks.team import (
    ROLE_ORDER,
    member_blocks,
    member_choice_blocks,
    member_form_view,
    remove_member_blocks,
    team_help_blocks,
    team_list_page,
    whoami_blocks,
)
from rosterbot.slack.context import is_retry
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.metadata import FormMetadata, MemberFormMetadata, read_id_button, read_page_button
from rosterbot.slack.parsing import (
    first_and_rest,
    is_no_position,
    member_form,
    mentioned_user,
    plain_reference,
    two_part_splits,
)
from rosterbot.slack.settings import team_settings
from rosterbot.slack.turn import (
    Turn,
    action_listener,
    command_listener,
    dispatch,
    form_listener,
    require,
    sealer_of,
)

if TYPE_CHECKING:
    from rosterbot.services.container import Services

MODAL_TITLE = "Team"


def grantable_roles(actor: Actor, operation: Operation, *, target_role: Role | None = None) -> list[Role]:
    """The roles `actor` may give in `operation` (the role select offers only these)."""
    return [
        role
        for role in ROLE_ORDER
        if check(actor.role, operation, target_role=target_role, new_role=role).allowed
    ]


# ---- finding members ---------------------------------------------------------------------------


def member_of_slack_user(turn: Turn, slack_user_id: str) -> int | None:
    """The member a Slack user is linked to (or matches by e-mail, inactive members included)."""
    services = turn.services
    linked = services.identity.resolve(turn.team_id, slack_user_id)
    if linked.member_id is not None:
        return linked.member_id
    lookup = services.identity.lookup_email
    email = lookup(turn.team_id, slack_user_id) if lookup is not None else None
    if email:
        matches = services.team.find(turn.actor, email)
        if len(matches) == 1:
            return matches[0].id
    return None


def not_linked_text(slack_user_id: str) -> str:
    return (
        f"<@{slack_user_id}> is not linked to a team member. An owner or admin can link them with "
        f"`/team link <@{slack_user_id}> <member>`."
    )


def member_reference(turn: Turn, reference: str) -> str | None:
    """`reference` with a mention turned into the member's id (`#12`), or None after telling the
    user that the mentioned Slack user is not linked."""
    slack_user = mentioned_user(reference)
    if slack_user is None:
        return reference
    member_id = member_of_slack_user(turn, slack_user)
    if member_id is None:
        turn.say(not_linked_text(slack_user))
        return None
    return f"#{member_id}"


def find_member(
    turn: Turn, text: str, continuation: Callable[[TeamMember], str], *, usage: str
) -> TeamMember | None:
    """The one member `text` names, or None after telling the user (no match, or a choice among
    several whose buttons continue with `continuation(member)`)."""
    typed = plain_reference(text)
    if not typed:
        turn.say(f"Name a member: `{usage}` (a mention, an id like `#12`, an e-mail or a name).")
        return None
    reference = member_reference(turn, typed)
    if reference is None:
        return None
    matches = turn.services.team.find(turn.actor, reference)
    if not matches:
        turn.say(f"No team member matches “{escape_mrkdwn(reference)}”. See `/team list all`.")
        return None
    if len(matches) > 1:
        prompt = f"{len(matches)} members match “{escape_mrkdwn(reference)}”. Which one?"
        turn.say(prompt, message(member_choice_blocks(prompt, matches, continuation)))
        return None
    return matches[0]


# ---- the subcommands ---------------------------------------------------------------------------

LIST_SCOPES = {"": "active", "active": "active", "all": "all", "inactive": "inactive"}


def team_list(turn: Turn, rest: str) -> None:
    scope = LIST_SCOPES.get(rest.strip().casefold())
    if scope is None:
        turn.say("Use `/team list`, `/team list all` or `/team list inactive`.")
        return
    show_team_page(turn, scope, 1)


def show_team_page(turn: Turn, scope: str, page: int) -> None:
    members = turn.services.team.list(
        turn.actor, include_inactive=scope == "all", only_inactive=scope == "inactive"
    )
    titles = turn.services.positions.titles_by_member(turn.actor)
    listed = team_list_page(members, titles, scope=scope, page=page)
    turn.say(listed.text, listed.blocks)


def team_show(turn: Turn, rest: str) -> None:
    member = find_member(turn, rest, lambda m: f"show #{m.id}", usage="/team show <member>")
    if member is None:
        return
    details = turn.services.team.show(turn.actor, member.id)
    position = details.position.title if details.position else None
    turn.say(
        f"{escape_mrkdwn(details.member.name)}: {details.member.role.value}",
        member_blocks(details.member, position),
    )


def add_member_view(actor: Actor, *, metadata: str) -> dict[str, Any]:
    """The add member form for `actor` (only roles they may grant), or PermissionDenied.
    `metadata`: a sealed `FormMetadata` (where the confirmation goes)."""
    require(actor, Operation.MEMBER_CREATE)
    roles = grantable_roles(actor, Operation.MEMBER_CREATE)
    return member_form_view(roles=roles, metadata=metadata)


def open_add_member_modal(
    client: WebClient, trigger_id: str, actor: Actor, services: Services, *, metadata: str
) -> str:
    """Open the add member form at once (the App Home's "Add member" button uses this too) and
    return its view id. Raises PermissionDenied, opening nothing, when `actor` may not add members.
    `metadata`: the sealed `FormMetadata` saying where the confirmation goes after Save (no channel:
    a DM). `services` is taken for symmetry with the other openers; the form needs no data."""
    del services  # the form needs no data: it opens within the trigger's 3 seconds
    opened = client.views_open(trigger_id=trigger_id, view=add_member_view(actor, metadata=metadata))
    return str(opened["view"]["id"])


def team_add(turn: Turn, rest: str) -> None:
    turn.open_loading("Add team member")
    metadata = sealer_of(turn.context).seal(FormMetadata(channel_id=turn.channel_id))
    turn.in_modal(lambda: turn.fill_modal(add_member_view(turn.actor, metadata=metadata)))


def team_edit(turn: Turn, rest: str) -> None:
    turn.open_loading("Edit team member")
    turn.in_modal(lambda: fill_edit_member(turn, rest))


def fill_edit_member(turn: Turn, rest: str) -> None:
    actor = turn.actor
    require(actor, Operation.MEMBER_EDIT)
    member = find_member(turn, rest, lambda m: f"edit #{m.id}", usage="/team edit <member>")
    if member is None:
        return
    require(actor, Operation.MEMBER_EDIT, target_role=member.role)
    roles = grantable_roles(actor, Operation.MEMBER_EDIT, target_role=member.role)
    sealed = MemberFormMetadata(member_id=member.id, channel_id=turn.channel_id)
    metadata = sealer_of(turn.context).seal(sealed)
    turn.fill_modal(member_form_view(roles=roles, member=member, metadata=metadata))


def team_deactivate(turn: Turn, rest: str) -> None:
    member = find_member(turn, rest, lambda m: f"deactivate #{m.id}", usage="/team deactivate <member>")
    if member is None:
        return
    done = turn.services.team.deactivate(turn.actor, member.id)
    turn.say(
        f"Deactivated *{escape_mrkdwn(done.name)}* (`#{done.id}`). Undo with `/team reactivate #{done.id}`."
    )


def team_reactivate(turn: Turn, rest: str) -> None:
    member = find_member(turn, rest, lambda m: f"reactivate #{m.id}", usage="/team reactivate <member>")
    if member is None:
        return
    done = turn.services.team.reactivate(turn.actor, member.id)
    turn.say(f"Reactivated *{escape_mrkdwn(done.name)}* (`#{done.id}`).")


def team_remove(turn: Turn, rest: str) -> None:
    actor = turn.actor
    require(actor, Operation.MEMBER_DELETE)
    member = find_member(turn, rest, lambda m: f"remove #{m.id}", usage="/team remove <member>")
    if member is None:
        return
    require(actor, Operation.MEMBER_DELETE, target_role=member.role)
    turn.say(f"Remove {escape_mrkdwn(member.name)} from the team?", remove_member_blocks(member))


def team_position(turn: Turn, rest: str) -> None:
    """`position <member> <position|none>`: the reading of the words where both sides match."""
    usage = "Use `/team position <member> <position>` (or `none` to take a position away)."
    readings = two_part_splits(rest)
    if not readings:
        turn.say(usage)
        return
    actor, services = turn.actor, turn.services
    team = services.team.list(actor, include_inactive=True)
    positions = services.positions.list(actor)
    best: tuple[list[TeamMember], list[Position] | None, str, str] | None = None
    member_seen: tuple[list[TeamMember], str] | None = None
    for member_text, position_text in readings:
        members = _members_named(turn, team, member_text)
        if members is None:
            return  # a mention of an unlinked user: told
        if not members:
            continue
        member_seen = (members, position_text)  # the longest member reading that matches
        wanted: list[Position] | None = (
            None
            if is_no_position(position_text)
            else match_positions(positions, plain_reference(position_text))
        )
        if wanted is not None and not wanted:
            continue
        candidate = (members, wanted, member_text, position_text)
        if best is None or _score(candidate) < _score(best):
            best = candidate
    if best is None:
        if member_seen is None:
            turn.say(f"No team member matches “{escape_mrkdwn(rest)}”. See `/team list all`.")
        else:
            wanted_text = escape_mrkdwn(plain_reference(member_seen[1]))
            turn.say(f"No position matches “{wanted_text}”. See `/position list`.")
        return
    members, wanted, member_text, position_text = best
    if len(members) > 1:
        tail = "none" if wanted is None else (f"#{wanted[0].id}" if len(wanted) == 1 else position_text)
        prompt = f"{len(members)} members match “{escape_mrkdwn(plain_reference(member_text))}”. Which one?"
        blocks = member_choice_blocks(prompt, members, lambda m: f"position #{m.id} {_quoted(tail)}")
        turn.say(prompt, message(blocks))
        return
    member = members[0]
    if wanted is not None and len(wanted) > 1:
        prompt = (
            f"{len(wanted)} positions match “{escape_mrkdwn(plain_reference(position_text))}”. Which one?"
        )
        choices = [Choice(f"{p.title} · #{p.id}", f"position #{member.id} #{p.id}") for p in wanted]
        blocks = choice_blocks(prompt, choices, action_id=ActionId.TEAM_PICK, block_id=BlockId.TEAM_PICK)
        turn.say(prompt, message(blocks))
        return
    position = wanted[0] if wanted else None
    details = services.team.assign_position(actor, member.id, position.id if position else None)
    name = escape_mrkdwn(details.member.name)
    if details.position is None:
        turn.say(f"*{name}* has no position now.")
    else:
        turn.say(f"*{name}* is now *{escape_mrkdwn(details.position.title)}*.")


def _members_named(turn: Turn, team: Sequence[TeamMember], text: str) -> list[TeamMember] | None:
    reference = member_reference(turn, plain_reference(text))
    return None if reference is None else match_members(list(team), reference)


def _score(candidate: tuple[list[TeamMember], list[Position] | None, str, str]) -> tuple[int, int]:
    """Fewer choices first: one member and one position is the reading meant."""
    members, wanted, _, _ = candidate
    return (len(members) + (len(wanted) if wanted else 1), len(members))


def _quoted(text: str) -> str:
    return text if text.startswith("#") or " " not in text else '"' + text.replace('"', "") + '"'


def team_link(turn: Turn, rest: str) -> None:
    first, remainder = first_and_rest(rest)
    slack_user = mentioned_user(first)
    if slack_user is None or not remainder:
        turn.say("Use `/team link @user <member>`: mention the Slack user, then name the member.")
        return
    member = find_member(
        turn, remainder, lambda m: f"link <@{slack_user}> #{m.id}", usage="/team link @user <member>"
    )
    if member is None:
        return
    linked = turn.services.identity.link(turn.actor, turn.team_id, slack_user, member.id)
    turn.say(
        f"Linked <@{slack_user}> to *{escape_mrkdwn(linked.name)}* (`#{linked.id}`, {linked.role.value})."
    )


def what_role_can(role: Role) -> list[str]:
    """Sentences for whoami: every operation the role may do (the owner-only ones included)."""
    lines: list[str] = []
    for operation, rule in PERMISSIONS.items():
        if check(role, operation).allowed:
            lines.append(rule.action)
        if rule.owner_sensitive and check(role, operation, target_role=Role.OWNER).allowed:
            lines.append(rule.owner_action)
    return [line[0].upper() + line[1:] for line in lines]


def team_whoami(turn: Turn, rest: str) -> None:
    actor = turn.actor
    if not actor.is_linked or actor.member_id is None or actor.role is None:
        blocks = whoami_blocks(actor, None, None, [])
        blocks += notice(NOT_LINKED_REASON)
        turn.say(NOT_LINKED_REASON, blocks)
        return
    details = turn.services.team.show(actor, actor.member_id)
    position = details.position.title if details.position else None
    blocks = whoami_blocks(actor, details.member, position, what_role_can(actor.role))
    turn.say(f"You are {escape_mrkdwn(details.member.name)}, {actor.role.value}.", blocks)


def team_help(turn: Turn, rest: str, *, unknown: str = "") -> None:
    intro = f"I don't know `/team {escape_mrkdwn(unknown)}`. Here is what I can do:" if unknown else ""
    blocks = team_help_blocks(intro)
    # `/team settings` lives in its own module: its line goes before the help's footer
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    blocks.insert(at, section(f"`{SETTINGS_USAGE[0]}` — {SETTINGS_USAGE[1]}").to_dict())
    turn.say("How to use /team", blocks)


SUBCOMMANDS: dict[str, Callable[[Turn, str], None]] = {
    "list": team_list,
    "show": team_show,
    "add": team_add,
    "edit": team_edit,
    "deactivate": team_deactivate,
    "reactivate": team_reactivate,
    "remove": team_remove,
    "position": team_position,
    "link": team_link,
    "whoami": team_whoami,
    "settings": team_settings,
    "help": team_help,
}


def run_team(turn: Turn, text: str) -> None:
    """Dispatch `/team <text>` (typed, or continued by a click)."""
    dispatch(turn, text, SUBCOMMANDS, team_help)


# ---- what the buttons and forms continue with (listeners: `rosterbot.slack.turn`) -----------------


def show_requested_page(turn: Turn, value: str) -> None:
    wanted = read_page_button(value)
    show_team_page(turn, wanted.scope or "active", wanted.page)


def remove_member(turn: Turn, value: str) -> None:
    removed = turn.services.team.delete(turn.actor, read_id_button(value))
    turn.say(f"Removed *{escape_mrkdwn(removed.name)}* (`#{removed.id}`) from the team.")


def deactivate_instead(turn: Turn, value: str) -> None:
    done = turn.services.team.deactivate(turn.actor, read_id_button(value))
    turn.say(
        f"Deactivated *{escape_mrkdwn(done.name)}* (`#{done.id}`) instead of removing them. "
        f"Undo with `/team reactivate #{done.id}`."
    )


def remove_cancelled(turn: Turn, value: str) -> None:
    turn.say("Cancelled: nobody was removed.")


def member_added(turn: Turn, metadata: FormMetadata, created: TeamMember) -> None:
    text = f"Added *{escape_mrkdwn(created.name)}* (`#{created.id}`) to the team as {created.role.value}."
    turn.report(text, notice(f":white_check_mark: {text}"))


def member_saved(turn: Turn, metadata: MemberFormMetadata, saved: TeamMember) -> None:
    status = "active" if saved.is_active else "inactive"
    text = f"Saved *{escape_mrkdwn(saved.name)}* (`#{saved.id}`, {saved.role.value}, {status})."
    turn.report(text, notice(f":white_check_mark: {text}"))


def register(app: App) -> None:
    on_click = partial(action_listener, modal_title=MODAL_TITLE)
    app.command("/team")(*command_listener(run_team, modal_title=MODAL_TITLE))
    app.action(re.compile(rf"^{ActionId.TEAM_PICK}_\d+$"))(*on_click(run_team))  # a match chosen
    app.action(re.compile(rf"^{ActionId.TEAM_LIST_PAGE}_(prev|next)$"))(*on_click(show_requested_page))
    app.action(ActionId.TEAM_REMOVE_CONFIRM.value)(*on_click(remove_member))
    app.action(ActionId.TEAM_REMOVE_DEACTIVATE.value)(*on_click(deactivate_instead))
    app.action(ActionId.TEAM_REMOVE_CANCEL.value)(*on_click(remove_cancelled))
    app.view(CallbackId.TEAM_ADD_MEMBER.value)(
        *form_listener(
            lambda values, _: member_form(values, with_active=False),
            lambda turn, _, member: turn.services.team.create(
                turn.actor, member, retried=is_retry(turn.context)
            ),
            member_added,
            FormMetadata,
            title="Add team member",
        )
    )
    app.view(CallbackId.TEAM_EDIT_MEMBER.value)(
        *form_listener(
            lambda values, _: member_form(values, with_active=True),
            lambda turn, metadata, member: turn.services.team.edit(turn.actor, metadata.member_id, member),
            member_saved,
            MemberFormMetadata,
            title="Edit team member",
        )
    )
