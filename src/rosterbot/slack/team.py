"""`/team`: list, show, add, edit, deactivate, reactivate, remove, position, link, whoami, help.

Every listener acks first. A command that needs a modal opens it at once with a loading view (the
trigger id lives 3 seconds) and fills it with `views.update`; the others answer ephemerally through
`respond`. A member is named by mention, id, e-mail or name; several matches get one button each,
whose value is the command text that continues the operation (re-run as if typed, so every check
runs again). The services decide and refuse; `rosterbot.slack.errors` tells the user.

`open_add_member_modal(client, trigger_id, actor, services)` is also the App Home's "Add member".
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.api.models import MemberInput, Position, TeamMember
from rosterbot.domain.permissions import NOT_LINKED_REASON, PERMISSIONS, Operation, check
from rosterbot.domain.roles import Actor, Role
from rosterbot.services.errors import NotLinked, PermissionDenied
from rosterbot.services.positions import match_positions
from rosterbot.services.team import match_members
from rosterbot.slack.blocks import escape_mrkdwn
from rosterbot.slack.blocks.common import (
    BlockDicts,
    Choice,
    choice_blocks,
    loading_view,
    message,
    notice,
    notice_view,
)
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
from rosterbot.slack.errors import handle_error, user_message
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.middleware import actor_of, services_of
from rosterbot.slack.parsing import (
    dump_metadata,
    first_and_rest,
    is_no_position,
    load_metadata,
    member_form,
    mentioned_user,
    plain_reference,
    split_subcommand,
    two_part_splits,
)

if TYPE_CHECKING:
    from rosterbot.services.container import Services

log = logging.getLogger(__name__)

MODAL_TITLE = "Team"


# ---- one request -------------------------------------------------------------------------------


@dataclass
class Turn:
    """One user request to /team or /position: a command, a click that continues one, or a form.

    `view_id`: the modal being filled (opened with a loading view, or the modal clicked in): answers
    go into it. Else `respond` (the response_url; `replace` overwrites the message clicked), else an
    ephemeral message in `channel_id`, else a DM."""

    context: BoltContext
    client: WebClient
    respond: Respond | None
    team_id: str
    user_id: str
    channel_id: str | None
    trigger_id: str | None
    view_id: str | None = None
    modal_title: str = MODAL_TITLE
    replace: bool = False
    body: Mapping[str, Any] = field(default_factory=dict)  # the request's payload

    @classmethod
    def of_command(
        cls, command: Mapping[str, Any], context: BoltContext, client: WebClient, respond: Respond | None
    ) -> Turn:
        return cls(
            body=command,
            context=context,
            client=client,
            respond=respond,
            team_id=str(command.get("team_id") or context.team_id or ""),
            user_id=str(command.get("user_id") or context.user_id or ""),
            channel_id=command.get("channel_id"),
            trigger_id=command.get("trigger_id"),
        )

    @classmethod
    def of_action(
        cls, body: Mapping[str, Any], context: BoltContext, client: WebClient, respond: Respond | None
    ) -> Turn:
        container = body.get("container") or {}
        in_view = container.get("type") == "view" and isinstance(body.get("view"), Mapping)
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or context.channel_id
        return cls(
            body=body,
            context=context,
            client=client,
            respond=None if in_view else respond,
            team_id=str(context.team_id or (body.get("team") or {}).get("id") or ""),
            user_id=str(context.user_id or (body.get("user") or {}).get("id") or ""),
            channel_id=channel,
            trigger_id=body.get("trigger_id"),
            view_id=body["view"]["id"] if in_view else None,
            replace=not in_view,
        )

    @classmethod
    def of_submission(cls, body: Mapping[str, Any], context: BoltContext, client: WebClient) -> Turn:
        """A submitted form (already acked, so closed): answers go to the channel the command came
        from (`channel_id` in the private metadata), else a DM. Errors go the same way."""
        view = body.get("view") or {}
        channel = load_metadata(view.get("private_metadata")).get("channel_id")
        if channel and not context.channel_id:
            context["channel_id"] = str(channel)  # where errors.py tells the user about a refusal
        return cls(
            body=body,
            context=context,
            client=client,
            respond=None,
            team_id=str(context.team_id or ""),
            user_id=str(context.user_id or ""),
            channel_id=str(channel) if channel else None,
            trigger_id=None,
        )

    @property
    def actor(self) -> Actor:
        return actor_of(self.context)

    @property
    def services(self) -> Services:
        return services_of(self.context)

    def say(self, text: str, blocks: BlockDicts | None = None) -> None:
        """Answer the user where this request is answered (see the class)."""
        blocks = blocks if blocks is not None else notice(text)
        if self.view_id is not None:
            view = notice_view(self.modal_title, blocks, CallbackId.TEAM_NOTICE)
            self.client.views_update(view_id=self.view_id, view=view)
        elif self.respond is not None:
            self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=self.replace)
        else:
            tell_user(self.client, self.user_id, self.channel_id, text, blocks)

    def open_loading(self, title: str) -> None:
        """Open the modal at once (the trigger expires in 3 s) with a loading view; later answers fill it."""
        self.modal_title = title
        if self.view_id is not None:
            return  # a choice made inside the modal: fill the same one
        if not self.trigger_id:
            raise LookupError("this request has no trigger id to open a modal with")
        opened = self.client.views_open(
            trigger_id=self.trigger_id, view=loading_view(title, CallbackId.TEAM_NOTICE)
        )
        self.view_id = opened["view"]["id"]

    def fill_modal(self, view: dict[str, Any]) -> None:
        assert self.view_id is not None, "open_loading first"
        self.client.views_update(view_id=self.view_id, view=view)

    def guard(self, work: Callable[[], None]) -> None:
        """Run a listener's work after its ack, handing an error to `errors.handle_error` here.

        Why not let it propagate: slack_bolt 1.30's ThreadListenerRunner, when a listener raises
        after acking, sets `ack.response = None`; if that happens within its 10 ms poll, the ack is
        never seen and Slack gets a 404 after 3 s (a refusal raised right after ack() does that)."""
        try:
            work()
        except Exception as error:  # told to the user (and logged when unexpected) by the handler
            handle_error(error, dict(self.body), self.context, self.client, self.respond, None)

    def in_modal(self, work: Callable[[], None]) -> None:
        """Run `work` for the open modal; a refusal or failure is shown in it, not left "Loading…"."""
        try:
            work()
        except Exception as error:  # shown to the user; user_message logs an unexpected one
            self.say(user_message(error))


def tell_user(client: WebClient, user_id: str, channel_id: str | None, text: str, blocks: BlockDicts) -> None:
    """An ephemeral message in `channel_id`, or a DM when that fails (the bot is not in the channel)."""
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            log.info("ephemeral in %s failed (%s); sending a DM", channel_id, error.response.get("error"))
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def require(actor: Actor, operation: Operation, *, target_role: Role | None = None) -> None:
    """Refuse at once (before a form or a confirmation is shown) when the actor's role is not
    enough. The services check again, with a fresh role, before they write."""
    decision = check(actor.role, operation, target_role=target_role)
    if decision.allowed:
        return
    if not actor.is_linked:
        raise NotLinked()
    raise PermissionDenied(decision.required_role, decision.reason)


def grantable_roles(actor: Actor, operation: Operation, *, target_role: Role | None = None) -> list[Role]:
    """The roles `actor` may give in `operation` (the role select offers only these)."""
    return [
        role
        for role in ROLE_ORDER
        if check(actor.role, operation, target_role=target_role, new_role=role).allowed
    ]


def action_value(action: Mapping[str, Any]) -> str:
    """A button's value, or a select's chosen option's value."""
    selected = action.get("selected_option")
    if isinstance(selected, Mapping):
        return str(selected.get("value") or "")
    return str(action.get("value") or "")


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


def find_member(
    turn: Turn, text: str, continuation: Callable[[TeamMember], str], *, usage: str
) -> TeamMember | None:
    """The one member `text` names, or None after telling the user (no match, or a choice among
    several whose buttons continue with `continuation(member)`)."""
    reference = plain_reference(text)
    if not reference:
        turn.say(f"Name a member: `{usage}` (a mention, an id like `#12`, an e-mail or a name).")
        return None
    slack_user = mentioned_user(reference)
    if slack_user is not None:
        member_id = member_of_slack_user(turn, slack_user)
        if member_id is None:
            turn.say(not_linked_text(slack_user))
            return None
        reference = f"#{member_id}"
    matches = turn.services.team.find(turn.actor, reference)
    if not matches:
        turn.say(f"No team member matches “{escape_mrkdwn(reference)}”. See `/team list all`.")
        return None
    if len(matches) > 1:
        prompt = f"{len(matches)} members match “{escape_mrkdwn(reference)}”. Which one?"
        turn.say(prompt, message(member_choice_blocks(prompt, matches, continuation)))
        return None
    return matches[0]


def position_titles_by_member(turn: Turn) -> dict[int, str]:
    """member id -> position title, from the positions and who rosterbot gave them to."""
    titles: dict[int, str] = {}
    services, actor = turn.services, turn.actor
    for position in services.positions.list(actor):
        for member_id in services.positions.show(actor, position.id).member_ids:
            titles[member_id] = position.title
    return titles


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
    listed = team_list_page(members, position_titles_by_member(turn), scope=scope, page=page)
    turn.say(listed.text, listed.blocks)


def team_show(turn: Turn, rest: str) -> None:
    member = find_member(turn, rest, lambda m: f"show #{m.id}", usage="/team show <member>")
    if member is None:
        return
    details = turn.services.team.show(turn.actor, member.id)
    position = details.position.title if details.position else None
    turn.say(f"{details.member.name}: {details.member.role.value}", member_blocks(details.member, position))


def add_member_view(actor: Actor, *, channel_id: str | None = None) -> dict[str, Any]:
    """The add member form for `actor` (only roles they may grant), or PermissionDenied."""
    require(actor, Operation.MEMBER_CREATE)
    roles = grantable_roles(actor, Operation.MEMBER_CREATE)
    return member_form_view(roles=roles, metadata=dump_metadata(channel_id=channel_id))


def open_add_member_modal(
    client: WebClient, trigger_id: str, actor: Actor, services: Services, *, channel_id: str | None = None
) -> str:
    """Open the add member form at once (the App Home's "Add member" button uses this too) and
    return its view id. Raises PermissionDenied, opening nothing, when `actor` may not add members.
    `channel_id`: where the confirmation goes after Save (default: a DM). `services` is taken for
    symmetry with the other openers; the form needs no data."""
    del services  # the form needs no data: it opens within the trigger's 3 seconds
    opened = client.views_open(trigger_id=trigger_id, view=add_member_view(actor, channel_id=channel_id))
    return str(opened["view"]["id"])


def team_add(turn: Turn, rest: str) -> None:
    turn.open_loading("Add team member")
    turn.in_modal(lambda: turn.fill_modal(add_member_view(turn.actor, channel_id=turn.channel_id)))


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
    metadata = dump_metadata(member_id=member.id, channel_id=turn.channel_id)
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
    turn.say(f"Remove {member.name} from the team?", remove_member_blocks(member))


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
    reference = plain_reference(text)
    slack_user = mentioned_user(reference)
    if slack_user is not None:
        member_id = member_of_slack_user(turn, slack_user)
        if member_id is None:
            turn.say(not_linked_text(slack_user))
            return None
        reference = f"#{member_id}"
    return match_members(list(team), reference)


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
    turn.say(f"You are {details.member.name}, {actor.role.value}.", blocks)


def team_help(turn: Turn, rest: str, *, unknown: str = "") -> None:
    intro = f"I don't know `/team {escape_mrkdwn(unknown)}`. Here is what I can do:" if unknown else ""
    turn.say("How to use /team", team_help_blocks(intro))


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
    "help": team_help,
}


def run_team(turn: Turn, text: str) -> None:
    """Dispatch `/team <text>` (typed, or continued by a click)."""
    subcommand, rest = split_subcommand(text)
    handler = SUBCOMMANDS.get(subcommand)
    if handler is None:
        team_help(turn, rest, unknown=subcommand)
        return
    handler(turn, rest)


# ---- listeners: ack, then the work under Turn.guard ----------------------------------------------


def team_command(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    ack()
    turn = Turn.of_command(command, context, client, respond)
    turn.guard(lambda: run_team(turn, str(command.get("text") or "")))


def picked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
) -> None:
    """A member (or position) chosen among matches: continue the operation it was offered for."""
    ack()
    turn = Turn.of_action(body, context, client, respond)
    turn.guard(lambda: run_team(turn, action_value(action)))


def list_page(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
) -> None:
    ack()
    turn = Turn.of_action(body, context, client, respond)
    turn.guard(lambda: show_requested_page(turn, action_value(action)))


def show_requested_page(turn: Turn, value: str) -> None:
    wanted = json.loads(value or "{}")
    scope = wanted.get("scope") if wanted.get("scope") in ("active", "all", "inactive") else "active"
    show_team_page(turn, scope, int(wanted.get("page") or 1))


def remove_confirmed(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
) -> None:
    ack()
    turn = Turn.of_action(body, context, client, respond)
    turn.guard(lambda: remove_member(turn, int(action_value(action))))


def remove_member(turn: Turn, member_id: int) -> None:
    removed = turn.services.team.delete(turn.actor, member_id)
    turn.say(f"Removed *{escape_mrkdwn(removed.name)}* (`#{removed.id}`) from the team.")


def remove_deactivate_instead(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
) -> None:
    ack()
    turn = Turn.of_action(body, context, client, respond)
    turn.guard(lambda: deactivate_instead(turn, int(action_value(action))))


def deactivate_instead(turn: Turn, member_id: int) -> None:
    done = turn.services.team.deactivate(turn.actor, member_id)
    turn.say(
        f"Deactivated *{escape_mrkdwn(done.name)}* (`#{done.id}`) instead of removing them. "
        f"Undo with `/team reactivate #{done.id}`."
    )


def remove_cancelled(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond | None
) -> None:
    ack()
    turn = Turn.of_action(body, context, client, respond)
    turn.guard(lambda: turn.say("Cancelled: nobody was removed."))


def add_member_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    form = member_form(view["state"]["values"], with_active=False)
    if form.member is None:
        ack(response_action="errors", errors=form.errors)
        return
    ack()
    turn = Turn.of_submission(body, context, client)
    member = form.member
    turn.guard(lambda: create_member(turn, member))


def create_member(turn: Turn, member: MemberInput) -> None:
    created = turn.services.team.create(turn.actor, member)
    text = f"Added *{escape_mrkdwn(created.name)}* (`#{created.id}`) to the team as {created.role.value}."
    turn.say(text, notice(f":white_check_mark: {text}"))


def edit_member_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    form = member_form(view["state"]["values"], with_active=True)
    if form.member is None:
        ack(response_action="errors", errors=form.errors)
        return
    ack()
    turn = Turn.of_submission(body, context, client)
    member_id = int(load_metadata(view.get("private_metadata"))["member_id"])
    member = form.member
    turn.guard(lambda: save_member(turn, member_id, member))


def save_member(turn: Turn, member_id: int, member: MemberInput) -> None:
    saved = turn.services.team.edit(turn.actor, member_id, member)
    status = "active" if saved.is_active else "inactive"
    text = f"Saved *{escape_mrkdwn(saved.name)}* (`#{saved.id}`, {saved.role.value}, {status})."
    turn.say(text, notice(f":white_check_mark: {text}"))


def register(app: App) -> None:
    app.command("/team")(team_command)
    app.action(re.compile(rf"^{ActionId.TEAM_PICK}_\d+$"))(picked)
    app.action(re.compile(rf"^{ActionId.TEAM_LIST_PAGE}_(prev|next)$"))(list_page)
    app.action(ActionId.TEAM_REMOVE_CONFIRM.value)(remove_confirmed)
    app.action(ActionId.TEAM_REMOVE_DEACTIVATE.value)(remove_deactivate_instead)
    app.action(ActionId.TEAM_REMOVE_CANCEL.value)(remove_cancelled)
    app.view(CallbackId.TEAM_ADD_MEMBER.value)(add_member_submitted)
    app.view(CallbackId.TEAM_EDIT_MEMBER.value)(edit_member_submitted)
