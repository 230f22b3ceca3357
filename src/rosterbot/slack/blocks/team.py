"""The team as Block Kit: the member list (grouped by role, paginated), one member, "who am I",
a choice among members, the remove confirmation, the member form, and `/team help`.

Pure builders over `slack_sdk.models`: names and e-mails come from the business API, so every
piece of user text is escaped for mrkdwn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DividerBlock,
    EmailInputElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)

from rosterbot.api.models import TeamMember
from rosterbot.domain.roles import Actor, Role
from rosterbot.services.team import NAME_MAX
from rosterbot.slack.blocks import clip, escape_mrkdwn
from rosterbot.slack.blocks.common import (
    BlockDicts,
    Choice,
    ListPage,
    button,
    choice_blocks,
    chunk_lines,
    confirmation_blocks,
    context,
    form_view,
    header,
    help_blocks,
    inactive_mark,
    message,
    page_of,
    pager_blocks,
    section,
)
from rosterbot.slack.ids import ActionId, BlockId, CallbackId
from rosterbot.slack.metadata import id_button_value, page_button_value

PAGE_SIZE = 25  # members a list message shows
LINE_MAX = 400  # one member's line
ROLE_ORDER = (Role.OWNER, Role.ADMIN, Role.STAFF)
ROLE_LABELS = {Role.OWNER: "Owner", Role.ADMIN: "Admin", Role.STAFF: "Staff"}
ROLE_GROUPS = {Role.OWNER: "Owners", Role.ADMIN: "Admins", Role.STAFF: "Staff"}
SCOPE_TITLES = {"active": "Team", "all": "Team (everyone)", "inactive": "Team (inactive members)"}

REMOVE_WARNING = (
    ":warning: Removing deletes the member from the business. If they have scheduled bookings, "
    "those appointments may be affected. Deactivating keeps their history and can be undone."
)

TEAM_USAGE: tuple[tuple[str, str], ...] = (
    ("/team list [all|inactive]", "the team by role, with positions"),
    ("/team show <member>", "one member's details"),
    ("/team whoami", "your member, your role and what you can do"),
    ("/team add", "add a member (owner or admin)"),
    ("/team edit <member>", "edit a member (owner or admin)"),
    ("/team deactivate <member>", "deactivate a member (owner or admin)"),
    ("/team reactivate <member>", "reactivate a member (owner or admin)"),
    ("/team remove <member>", "remove a member, after you confirm (owner or admin)"),
    ("/team position <member> <position|none>", "give a member a position (owner or admin)"),
    ("/team link @user <member>", "link a Slack user to a member (owner or admin)"),
    ("/team help", "this help"),
)
TEAM_HELP_FOOTER = (
    "Name a member by @mention, id (`#12`), e-mail or name; quote a name with spaces when a "
    'position follows it (`/team position "Sam Stone" Stylist`). Anything touching an owner '
    "needs an owner."
)


def role_label(role: Role) -> str:
    return ROLE_LABELS[role]


def member_label(member: TeamMember) -> str:
    """Plain text naming a member among others: "Sam Stone · staff · #4 (inactive)"."""
    inactive = " (inactive)" if not member.is_active else ""
    return f"{member.name} · {member.role.value} · #{member.id}{inactive}"


def team_help_blocks(intro: str = "") -> BlockDicts:
    return help_blocks("/team", TEAM_USAGE, TEAM_HELP_FOOTER, intro=intro)


# ---- the list ------------------------------------------------------------------------------------


def list_page_value(scope: str, page: int) -> str:
    return page_button_value(page, scope)


def member_line(member: TeamMember, position: str | None) -> str:
    details = [escape_mrkdwn(position) if position else "_no position_"]
    if member.email:
        details.append(escape_mrkdwn(member.email))
    line = f"• *{escape_mrkdwn(member.name)}* `#{member.id}`{inactive_mark(member)} — " + " · ".join(details)
    return clip(line, LINE_MAX)


def team_list_page(
    members: Sequence[TeamMember],
    positions: Mapping[int, str],
    *,
    scope: str,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> ListPage:
    """One page of the team, grouped by role (owners, admins, staff), each with their position.
    `positions`: member id -> position title. `scope`: "active", "all" or "inactive"."""
    ordered = sorted(members, key=lambda m: ROLE_ORDER.index(m.role))  # stable: names stay sorted
    shown, page, pages = page_of(ordered, page, page_size)
    title = SCOPE_TITLES.get(scope, "Team")
    total = len(ordered)  # the whole team the service returned, not the page
    blocks: list[Block] = [header(f"{title} · {total:,} member{'s' if total != 1 else ''}")]
    if not ordered:
        empty = "No inactive members." if scope == "inactive" else "Nobody is on the team yet."
        blocks.append(section(empty))
        return ListPage(empty, message(blocks))
    for role in ROLE_ORDER:
        group = [m for m in shown if m.role is role]
        if not group:
            continue
        lines = [f"*{ROLE_GROUPS[role]}*"] + [member_line(m, positions.get(m.id)) for m in group]
        blocks.extend(section(chunk) for chunk in chunk_lines(lines))
    if pages > 1:
        first, last = (page - 1) * page_size + 1, (page - 1) * page_size + len(shown)
        blocks.append(context(f"Page {page} of {pages} · members {first:,}–{last:,} of {total:,}"))
    blocks += pager_blocks(
        page,
        pages,
        action_id=ActionId.TEAM_LIST_PAGE,
        block_id=BlockId.TEAM_LIST_NAV,
        value_for=lambda p: list_page_value(scope, p),
    )
    text = f"{title}: {total:,} members" + (f" (page {page} of {pages})" if pages > 1 else "")
    return ListPage(text, message(blocks))


# ---- one member ----------------------------------------------------------------------------------


def member_fields(member: TeamMember, position: str | None) -> list[str]:
    return [
        f"*Role:* {role_label(member.role)}",
        f"*Position:* {escape_mrkdwn(position) if position else 'none'}",
        f"*E-mail:* {escape_mrkdwn(member.email) if member.email else '—'}",
        f"*Phone:* {escape_mrkdwn(member.phone_number) if member.phone_number else '—'}",
        f"*Status:* {'active' if member.is_active else 'inactive'}",
        f"*Id:* `#{member.id}`",
    ]


def member_blocks(member: TeamMember, position: str | None) -> BlockDicts:
    return message(
        [header(member.name or f"Member #{member.id}"), section("\n".join(member_fields(member, position)))]
    )


def whoami_blocks(
    actor: Actor, member: TeamMember | None, position: str | None, can: Sequence[str]
) -> BlockDicts:
    """Who the Slack user is to rosterbot, and what they may do (`can`: sentences)."""
    if member is None or actor.role is None:
        return message([header("Who am I"), section(f"You are <@{actor.slack_user_id}> in Slack.")])
    blocks: list[Block] = [
        header("Who am I"),
        section(
            f"You are *{escape_mrkdwn(member.name)}* (`#{member.id}`), "
            f"*{role_label(actor.role).lower()}*, linked to <@{actor.slack_user_id}>.\n"
            + "\n".join(member_fields(member, position)[1:4])
        ),
        DividerBlock(),
        section("*You can:*\n" + "\n".join(f"• {line}" for line in can)),
    ]
    return message(blocks)


def member_choice_blocks(
    prompt: str, members: Sequence[TeamMember], continuation: Callable[[TeamMember], str]
) -> list[Block]:
    """One button per member; a click sends `continuation(member)` (the operation's command text)."""
    choices = [Choice(member_label(m), continuation(m)) for m in members]
    return choice_blocks(prompt, choices, action_id=ActionId.TEAM_PICK, block_id=BlockId.TEAM_PICK)


def remove_member_blocks(member: TeamMember) -> BlockDicts:
    value = id_button_value(member.id)  # the service checks the clicker's permission on it
    buttons = [
        button("Remove", ActionId.TEAM_REMOVE_CONFIRM, value, style="danger"),
        button("Deactivate instead", ActionId.TEAM_REMOVE_DEACTIVATE, value, style="primary"),
        button("Cancel", ActionId.TEAM_REMOVE_CANCEL, value),
    ]
    question = f"Remove *{escape_mrkdwn(member.name)}* (`#{member.id}`, {member.role.value}) from the team?"
    return confirmation_blocks(question, REMOVE_WARNING, buttons, block_id=BlockId.TEAM_REMOVE)


# ---- the member form -----------------------------------------------------------------------------


def _role_option(role: Role) -> Option:
    return Option(value=role.value, label=role_label(role))


def member_form_view(
    *,
    roles: Sequence[Role],
    metadata: str,
    member: TeamMember | None = None,
) -> dict[str, Any]:
    """The add member form (no `member`) or the edit form prefilled with `member`. `roles`: only
    the roles the actor may grant, in the select."""
    field = ActionId.TEAM_FIELD.value
    editing = member is not None
    offered = [r for r in ROLE_ORDER if r in roles]
    initial_role = member.role if member is not None and member.role in offered else None
    blocks: list[Block] = []
    if editing:
        assert member is not None
        blocks.append(context(f"Editing *{escape_mrkdwn(member.name)}* (`#{member.id}`)"))
    blocks += [
        InputBlock(
            block_id=BlockId.MEMBER_FIRST_NAME,
            label=PlainTextObject(text="First name"),
            element=PlainTextInputElement(
                action_id=field, max_length=NAME_MAX, initial_value=member.first_name if member else None
            ),
        ),
        InputBlock(
            block_id=BlockId.MEMBER_LAST_NAME,
            label=PlainTextObject(text="Last name"),
            element=PlainTextInputElement(
                action_id=field, max_length=NAME_MAX, initial_value=member.last_name if member else None
            ),
        ),
        InputBlock(
            block_id=BlockId.MEMBER_ROLE,
            label=PlainTextObject(text="Role"),
            element=StaticSelectElement(
                action_id=field,
                placeholder=PlainTextObject(text="Choose a role"),
                options=[_role_option(r) for r in offered],
                initial_option=_role_option(initial_role) if initial_role else None,
            ),
            hint=PlainTextObject(text="Only the roles you may give are listed."),
        ),
        InputBlock(
            block_id=BlockId.MEMBER_EMAIL,
            label=PlainTextObject(text="E-mail"),
            optional=True,
            element=EmailInputElement(
                action_id=field,
                initial_value=member.email if member and member.email else None,
                placeholder=PlainTextObject(text="name@example.com"),
            ),
        ),
        InputBlock(
            block_id=BlockId.MEMBER_PHONE,
            label=PlainTextObject(text="Phone"),
            optional=True,
            element=PlainTextInputElement(
                action_id=field,
                initial_value=member.phone_number if member and member.phone_number else None,
                placeholder=PlainTextObject(text="+15550100001"),
            ),
            hint=PlainTextObject(text="International form: + and country code."),
        ),
    ]
    if member is not None:
        active = Option(value="active", label="Active (can use rosterbot and be scheduled)")
        blocks.append(
            InputBlock(
                block_id=BlockId.MEMBER_ACTIVE,
                label=PlainTextObject(text="Status"),
                optional=True,
                element=CheckboxesElement(
                    action_id=field, options=[active], initial_options=[active] if member.is_active else None
                ),
            )
        )
    return form_view(
        "Edit team member" if editing else "Add team member",
        blocks,
        callback_id=CallbackId.TEAM_EDIT_MEMBER if editing else CallbackId.TEAM_ADD_MEMBER,
        submit="Save" if editing else "Add",
        metadata=metadata,
    )
