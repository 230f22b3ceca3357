"""The Web API methods the stand-in answers, each as Slack does: a dict for `{"ok": true, ...}`, or
`SlackMethodError(code)` for `{"ok": false, "error": code}`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, TypeVar

from rosterbot.emulators.slack_api.blocks import BlockKitError, check_message_blocks, check_view
from rosterbot.emulators.slack_api.state import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_NAME,
    SlackMethodError,
    SlackState,
)

T = TypeVar("T")
Method = Callable[[SlackState, dict[str, Any]], dict[str, Any]]


def auth_test(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": "rosterbot",
        "team_id": state.team_id,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def chat_post_message(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(state, args, post=True)
    text, blocks = _content(args, required=True)
    message = state.post_message(channel, text or "", blocks, thread_ts=_opt_str(args.get("thread_ts")))
    return {"channel": channel, "ts": message["ts"], "message": message}


def chat_post_ephemeral(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(state, args)
    user = _require(args, "user")
    if user not in state.users:
        raise SlackMethodError("user_not_found")
    text, blocks = _content(args, required=True)
    return {"message_ts": state.post_ephemeral(channel, user, text or "", blocks)}


def chat_update(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(state, args)
    ts = _require(args, "ts")
    text, blocks = _content(args, required=False)
    message = state.update_message(channel, ts, text, blocks)
    return {"channel": channel, "ts": ts, "text": message["text"], "message": message}


def chat_delete(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(state, args)
    ts = _require(args, "ts")
    state.delete_message(channel, ts)
    return {"channel": channel, "ts": ts}


def views_open(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    view = _view(args)
    if view.get("type") != "modal":
        raise SlackMethodError(
            "invalid_arguments", ["[ERROR] views.open takes a modal [json-pointer:/view/type]"]
        )
    trigger = state.use_trigger(_require(args, "trigger_id"))
    _unique_external_id(state, view)
    # A trigger from inside a modal opens a new stack on top of nothing: Slack replaces the stack.
    stored = state.store_view(view, user=trigger.user)
    state.open_modal(trigger.user, stored["id"], push=False)
    return {"view": stored}


def views_push(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    view = _view(args)
    if view.get("type") != "modal":
        raise SlackMethodError(
            "invalid_arguments", ["[ERROR] views.push takes a modal [json-pointer:/view/type]"]
        )
    trigger = state.use_trigger(_require(args, "trigger_id"))
    _unique_external_id(state, view)
    below = state.view(trigger.view_id) if trigger.view_id else None
    stored_below = below if below and below["type"] == "modal" else None
    if stored_below is not None and not state.can_push(trigger.user):
        raise SlackMethodError("push_limit_reached")
    stored = state.store_view(
        view,
        user=trigger.user,
        previous_view_id=stored_below["id"] if stored_below else None,
        root_view_id=stored_below["root_view_id"] if stored_below else None,
    )
    state.open_modal(trigger.user, stored["id"], push=stored_below is not None)
    return {"view": stored}


def views_update(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    view = _view(args)
    view_id = _opt_str(args.get("view_id"))
    external_id = _opt_str(args.get("external_id"))
    if not view_id and not external_id:
        raise SlackMethodError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
    current = state.view(view_id) if view_id else state.view_by_external_id(external_id or "")
    if current is None or (current["type"] == "modal" and not state.is_open(current["id"])):
        raise SlackMethodError("not_found")  # as Slack answers for a modal the user closed
    expected = _opt_str(args.get("hash"))
    if expected and expected != current["hash"]:
        raise SlackMethodError("hash_conflict")
    if view.get("type") != current["type"]:
        raise SlackMethodError(
            "invalid_arguments", ["[ERROR] a view cannot change its type [json-pointer:/view/type]"]
        )
    return {"view": state.store_view(view, user=state.view_user(current["id"]), view_id=current["id"])}


def views_publish(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    view = _view(args)
    if view.get("type") != "home":
        raise SlackMethodError(
            "invalid_arguments", ["[ERROR] views.publish takes a home view [json-pointer:/view/type]"]
        )
    user = _require(args, "user_id")
    if user not in state.users:
        raise SlackMethodError("user_not_found")
    with state.lock:
        home_id = state.home_id(user)
        current = state.view(home_id) if home_id else None
        expected = _opt_str(args.get("hash"))
        if current and expected and expected != current["hash"]:
            raise SlackMethodError("hash_conflict")
        stored = state.store_view(view, user=user, view_id=home_id)
        state.set_home(user, stored["id"])
    return {"view": stored}


def users_info(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    user = state.users.get(_require(args, "user"))
    if user is None:
        raise SlackMethodError("user_not_found")
    return {"user": user.to_api(state.team_id)}


def users_lookup_by_email(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    user = state.user_by_email(_require(args, "email"))
    if user is None:
        raise SlackMethodError("users_not_found")
    return {"user": user.to_api(state.team_id)}


def conversations_open(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    channel_id = _opt_str(args.get("channel"))
    if channel_id:
        channel = state.channels.get(channel_id)
        if channel is None or not channel.is_im:
            raise SlackMethodError("channel_not_found")
        return {"channel": {"id": channel.id}}
    users = [u.strip() for u in _require(args, "users").split(",") if u.strip()]
    if len(users) != 1:
        raise SlackMethodError("not_enough_users" if not users else "too_many_users")
    if users[0] not in state.users:
        raise SlackMethodError("user_not_found")
    return {"channel": {"id": state.im_channel(users[0]).id}}


def conversations_info(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    channel = state.channels.get(_require(args, "channel"))
    if channel is None or (channel.is_private and not channel.bot_is_member):
        raise SlackMethodError("channel_not_found")
    return {"channel": channel.to_api()}


def conversations_members(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    """A channel's member ids, a page at a time; a private channel the bot is not in is one it
    cannot see (channel_not_found), as Slack answers."""
    with state.lock:
        channel = state.channels.get(_require(args, "channel"))
        if channel is None or channel.is_im or (channel.is_private and BOT_USER_ID not in channel.members):
            raise SlackMethodError("channel_not_found")
        members = sorted(channel.members)
    page, next_cursor = _page(members, args)
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def users_conversations(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    """The conversations `user` (default: the caller, the bot) is in, of `types` (default
    public_channel), a page at a time. With a bot token a private channel is listed only when
    the bot is in it too."""
    user = _opt_str(args.get("user")) or BOT_USER_ID
    types = {t.strip() for t in str(args.get("types") or "public_channel").split(",") if t.strip()}
    unknown = types - {"public_channel", "private_channel", "mpim", "im"}
    if unknown:
        raise SlackMethodError("invalid_types")
    with state.lock:
        if user not in state.users:
            raise SlackMethodError("user_not_found")
        listed = [
            channel.to_api()
            for channel in sorted(state.channels.values(), key=lambda c: c.id)
            if not channel.is_im
            and user in channel.members
            and ("private_channel" if channel.is_private else "public_channel") in types
            and (not channel.is_private or BOT_USER_ID in channel.members)
        ]
    page, next_cursor = _page(listed, args)
    return {"channels": page, "response_metadata": {"next_cursor": next_cursor}}


def files_get_upload_url_external(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    filename = _require(args, "filename")
    try:
        length = int(_require(args, "length"))
    except ValueError:
        raise SlackMethodError("invalid_arguments") from None
    if length < 1:
        raise SlackMethodError("invalid_length")
    upload = state.new_upload(filename, length)
    return {"upload_url": f"{state.base_url}/upload/{upload.id}", "file_id": upload.id}


def files_complete_upload_external(state: SlackState, args: dict[str, Any]) -> dict[str, Any]:
    listed = args.get("files")
    if isinstance(listed, str):
        try:
            listed = json.loads(listed)
        except ValueError:
            raise SlackMethodError("invalid_arguments") from None
    if (
        not isinstance(listed, list)
        or not listed
        or not all(isinstance(f, dict) and f.get("id") for f in listed)
    ):
        raise SlackMethodError("invalid_arguments", ["[ERROR] files: a list of {id, title}"])
    channel = _channel(state, {"channel": args["channel_id"]}) if args.get("channel_id") else None
    comment = str(args.get("initial_comment") or "")
    shared = [
        state.complete_upload(str(f["id"]), str(f.get("title") or ""), channel, comment) for f in listed
    ]
    return {
        "files": [
            {"id": f.id, "name": f.filename, "title": f.title or f.filename, "size": f.length} for f in shared
        ]
    }


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "users.conversations": users_conversations,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}

DEFAULT_PAGE = 100  # Slack's default `limit` for both paginated methods
MAX_PAGE = 1000


def _page(items: list[T], args: dict[str, Any]) -> tuple[list[T], str]:
    """One page of `items` from the opaque `cursor` (empty: the start), at most `limit` long, and
    the cursor of the next page ("" after the last), as Slack's cursor pagination does."""
    try:
        limit = int(args.get("limit") or DEFAULT_PAGE)
    except (TypeError, ValueError):
        raise SlackMethodError("invalid_limit") from None
    if limit < 1:
        raise SlackMethodError("invalid_limit")
    limit = min(limit, MAX_PAGE)
    start = 0
    cursor = _opt_str(args.get("cursor"))
    if cursor:
        try:
            kind, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
            start = int(offset)
        except (ValueError, UnicodeDecodeError):
            raise SlackMethodError("invalid_cursor") from None
        if kind != "offset" or not 0 < start <= len(items):
            raise SlackMethodError("invalid_cursor")
    end = start + limit
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], next_cursor


def _require(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if value is None or value == "":
        raise SlackMethodError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
    return str(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _channel(state: SlackState, args: dict[str, Any], *, post: bool = False) -> str:
    """The channel id `args` names; `post`: the bot must be in it (else `not_in_channel`)."""
    ref = args.get("channel")
    if not ref:
        raise SlackMethodError("channel_not_found")
    channel = state.resolve_channel(str(ref))
    if channel is None or (channel.is_private and not channel.bot_is_member):
        raise SlackMethodError("channel_not_found")
    if post and not channel.bot_is_member:
        raise SlackMethodError("not_in_channel")
    return channel.id


def _content(args: dict[str, Any], *, required: bool) -> tuple[str | None, list[dict[str, Any]] | None]:
    text = args.get("text")
    blocks = args.get("blocks")
    try:
        check_message_blocks(blocks)
    except BlockKitError as exc:
        raise SlackMethodError(exc.code, exc.messages) from None
    if required and not text and not blocks and not args.get("attachments"):
        raise SlackMethodError("no_text")
    return (None if text is None else str(text)), blocks


def _view(args: dict[str, Any]) -> dict[str, Any]:
    view = args.get("view")
    try:
        check_view(view)
    except BlockKitError as exc:
        raise SlackMethodError(exc.code, exc.messages) from None
    assert isinstance(view, dict)
    return view


def _unique_external_id(state: SlackState, view: dict[str, Any]) -> None:
    external_id = view.get("external_id")
    if external_id and state.view_by_external_id(str(external_id)) is not None:
        raise SlackMethodError("duplicate_external_id")
