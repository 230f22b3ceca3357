"""What the Slack Web API stand-in holds: the workspace (users, channels), everything the app sent
(calls, messages, ephemeral messages, response_url posts, views), and the faults to inject.

All access goes through `SlackState.lock`; readers get copies, so a test can inspect the state while
the app keeps calling the stand-in from other threads.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rosterbot.emulators.demo import (
    APPROVALS_CHANNEL_ID,
    DEMO_SLACK_TEAM_ID,
    DEMO_TEAM,
    TEAM_CHANNEL_ID,
    UNLINKED_SLACK_USER,
)

BOT_USER_ID = "U0ROSTERBOT"
BOT_ID = "B0ROSTERBOT"
APP_ID = "A0ROSTERBOT"
TEAM_NAME = "Demo Salon"
TEAM_DOMAIN = "demo-salon"
TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_MAX_USES = 5
MAX_VIEW_STACK = 3


@dataclass(frozen=True)
class SlackCall:
    """One Web API call as the stand-in received it: `args` merged from query, form and JSON body
    (JSON-encoded `blocks`/`view` decoded); `response` is what it answered."""

    method: str
    args: dict[str, Any]
    response: dict[str, Any] = field(default_factory=dict)
    status: int = 200

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass
class SlackUser:
    id: str
    first_name: str
    last_name: str
    email: str
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False

    @property
    def name(self) -> str:
        return self.first_name.lower() if not self.is_bot else "rosterbot"

    @property
    def real_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_api(self, team_id: str) -> dict[str, Any]:
        zone = ZoneInfo(self.tz)
        now = datetime.now(zone)
        offset = now.utcoffset()
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.first_name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": now.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_bot": self.is_bot,
            "is_admin": False,
            "profile": profile,
        }


@dataclass
class SlackChannel:
    id: str
    name: str
    is_im: bool = False
    is_private: bool = False
    user: str | None = None  # the other party of an IM
    members: set[str] = field(default_factory=set)  # user ids, the bot's included when it is in

    @property
    def bot_is_member(self) -> bool:
        """When the bot is not in it, posts answer `not_in_channel`, and a private channel is
        invisible to it (`channel_not_found`), as Slack answers a bot without chat:write.public."""
        return self.is_im or BOT_USER_ID in self.members  # an IM is the bot's own

    def to_api(self, *, for_user: str = BOT_USER_ID) -> dict[str, Any]:
        """As conversations.info and users.conversations show it; `is_member`: whether `for_user`
        (the caller: the bot) is in it."""
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.user, "is_open": True, "created": 0}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_mpim": False,
            "is_general": False,
            "name_normalized": self.name,
            "is_member": for_user in self.members,
            "num_members": len(self.members),
            "created": 0,
        }


@dataclass
class StoredMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    user: str
    bot_id: str | None = BOT_ID
    thread_ts: str | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)  # earlier versions, oldest first
    deleted: bool = False

    def to_api(self, team_id: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "ts": self.ts,
            "text": self.text,
            "user": self.user,
            "team": team_id,
        }
        if self.bot_id:
            message["bot_id"] = self.bot_id
            message["app_id"] = APP_ID
        if self.blocks is not None:
            message["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if self.edits:
            message["edited"] = {"user": self.user, "ts": self.edits[-1]["edited_ts"]}
        return message


@dataclass(frozen=True)
class EphemeralPost:
    channel: str
    user: str
    message_ts: str
    text: str
    blocks: list[dict[str, Any]] | None


@dataclass(frozen=True)
class ResponsePost:
    """A POST to a response_url: `payload` is the JSON as sent."""

    response_url_id: str
    channel: str | None
    user: str | None
    payload: dict[str, Any]

    @property
    def response_type(self) -> str:
        return str(self.payload.get("response_type") or "ephemeral")

    @property
    def replace_original(self) -> bool:
        return _truthy(self.payload.get("replace_original"))

    @property
    def delete_original(self) -> bool:
        return _truthy(self.payload.get("delete_original"))

    @property
    def text(self) -> str:
        return str(self.payload.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]] | None:
        blocks = self.payload.get("blocks")
        return blocks if isinstance(blocks, list) else None


@dataclass
class ResponseUrl:
    id: str
    channel: str | None
    user: str | None
    message_ts: str | None
    issued_at: float
    uses: int = 0


@dataclass
class Trigger:
    id: str
    user: str | None
    view_id: str | None
    issued_at: float
    used: bool = False


@dataclass
class Fault:
    method: str | None  # None: any method
    times: int
    status: int = 200
    error: str = ""
    retry_after: int = 0

    def matches(self, method: str) -> bool:
        return self.times > 0 and (self.method is None or self.method == method)


@dataclass
class UploadedFile:
    """A file uploaded the current way: a URL asked for (files.getUploadURLExternal), the bytes
    posted to it, then shared (files.completeUploadExternal) in `channel` (None: not shared)."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str = ""
    channel: str | None = None
    initial_comment: str = ""
    completed: bool = False

    @property
    def text(self) -> str:
        return (self.content or b"").decode("utf-8")


class SlackState:
    """The stand-in's workspace and recordings. Everything is guarded by `lock` (re-entrant)."""

    def __init__(
        self,
        *,
        team_id: str = DEMO_SLACK_TEAM_ID,
        accepted_tokens: set[str] | None = None,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        demo: bool = True,
    ) -> None:
        """`accepted_tokens`: the bearer tokens that authenticate (None: any non-empty token).
        `demo`: start with the demo business's people and channels."""
        self.lock = threading.RLock()
        self.team_id = team_id
        self.accepted_tokens = accepted_tokens
        self.trigger_ttl = trigger_ttl
        self.clock: Callable[[], float] = time.monotonic  # how old a trigger is; a test may move it
        self.base_url = ""  # set once served: response_urls point here
        self.users: dict[str, SlackUser] = {}
        self.channels: dict[str, SlackChannel] = {}
        self.calls: list[SlackCall] = []
        self._messages: dict[str, list[StoredMessage]] = {}
        self._ephemerals: list[EphemeralPost] = []
        self._responses: list[ResponsePost] = []
        self._response_urls: dict[str, ResponseUrl] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._view_users: dict[str, str | None] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, Trigger] = {}
        self._faults: list[Fault] = []
        self._files: dict[str, UploadedFile] = {}
        self._last_ts_us = 0
        self._ids = itertools.count(1)
        self.add_user(BOT_USER_ID, "rosterbot", "", "", is_bot=True)
        if demo:
            for person in DEMO_TEAM:
                self.add_user(person.slack_user_id, person.first_name, person.last_name, person.email)
            user_id, first, last, email = UNLINKED_SLACK_USER
            self.add_user(user_id, first, last, email)
            # Everyone on the team is in #team; only owners and admins in #approvals.
            self.add_channel(TEAM_CHANNEL_ID, "team", members=[p.slack_user_id for p in DEMO_TEAM])
            self.add_channel(
                APPROVALS_CHANNEL_ID,
                "approvals",
                members=[p.slack_user_id for p in DEMO_TEAM if p.role in ("owner", "admin")],
            )

    # -- the workspace -------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        first_name: str,
        last_name: str,
        email: str,
        *,
        tz: str = "UTC",
        is_bot: bool = False,
    ) -> SlackUser:
        ZoneInfo(tz)  # fail here, not in users.info, on a bad zone
        with self.lock:
            user = SlackUser(user_id, first_name, last_name, email, tz=tz, is_bot=is_bot)
            self.users[user_id] = user
            return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        bot_is_member: bool = True,
    ) -> SlackChannel:
        """A channel with `members` in it, and the bot unless `bot_is_member=False` (a channel it
        was not invited to; `join(channel, BOT_USER_ID)` invites it)."""
        with self.lock:
            bot = {BOT_USER_ID} if bot_is_member else set()
            channel = SlackChannel(channel_id, name, is_private=is_private, members={*bot, *members})
            self.channels[channel_id] = channel
            return channel

    def remove_channel(self, channel_id: str) -> SlackChannel | None:
        """The channel no longer exists (deleted, or never shared with the bot): posts in it and
        conversations.info answer `channel_not_found`. Returns it, to add back with `add_channel`."""
        with self.lock:
            return self.channels.pop(channel_id, None)

    def join(self, channel_id: str, user_id: str) -> None:
        with self.lock:
            self.channels[channel_id].members.add(user_id)

    def leave(self, channel_id: str, user_id: str) -> None:
        with self.lock:
            self.channels[channel_id].members.discard(user_id)

    def user_by_email(self, email: str) -> SlackUser | None:
        wanted = email.strip().lower()
        with self.lock:
            return next((u for u in self.users.values() if u.email and u.email.lower() == wanted), None)

    def im_channel(self, user_id: str) -> SlackChannel:
        """The bot's IM with `user_id` (opened on first use): id "D" + the user id without its "U"."""
        with self.lock:
            channel_id = "D" + user_id[1:]
            channel = self.channels.get(channel_id)
            if channel is None:
                channel = SlackChannel(channel_id, "", is_im=True, user=user_id)
                self.channels[channel_id] = channel
            return channel

    def resolve_channel(self, ref: str) -> SlackChannel | None:
        """A channel by id, by name (with or without "#"), or a user id (their IM)."""
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            if ref in self.users and ref.startswith(("U", "W")):
                return self.im_channel(ref)
            name = ref.removeprefix("#")
            return next((c for c in self.channels.values() if not c.is_im and c.name == name), None)

    # -- recordings ----------------------------------------------------------------------------

    def record(self, call: SlackCall) -> None:
        with self.lock:
            self.calls.append(call)

    def calls_to(self, method: str) -> list[SlackCall]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The channel's messages as they are now (after updates; deleted ones left out), oldest first."""
        with self.lock:
            return [m.to_api(self.team_id) for m in self._messages.get(channel, []) if not m.deleted]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self.lock:
            stored = self._find_message(channel, ts)
            return stored.to_api(self.team_id) if stored and not stored.deleted else None

    def message_history(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Every version of one message, oldest first, the current one last."""
        with self.lock:
            stored = self._find_message(channel, ts)
            if stored is None:
                return []
            return [copy.deepcopy(e) for e in stored.edits] + [stored.to_api(self.team_id)]

    def find_message(self, ts: str) -> tuple[str, dict[str, Any]] | None:
        """(channel, message) for a ts in any channel."""
        with self.lock:
            for channel, stored_list in self._messages.items():
                for stored in stored_list:
                    if stored.ts == ts and not stored.deleted:
                        return channel, stored.to_api(self.team_id)
            return None

    def ephemerals(self, *, channel: str | None = None, user: str | None = None) -> list[EphemeralPost]:
        with self.lock:
            return [
                e
                for e in self._ephemerals
                if (channel is None or e.channel == channel) and (user is None or e.user == user)
            ]

    @property
    def responses(self) -> list[ResponsePost]:
        """Every POST to a response_url, in order."""
        with self.lock:
            return list(self._responses)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view opened, pushed or published, by view id, as it is now."""
        with self.lock:
            return copy.deepcopy(self._views)

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found else None

    def is_open(self, view_id: str) -> bool:
        """Whether the modal `view_id` is open for someone (Slack forgets a closed one)."""
        with self.lock:
            return any(view_id in stack for stack in self._stacks.values())

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The modals open for `user_id`, bottom of the stack first."""
        with self.lock:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]

    def home(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab published for `user_id`, or None."""
        with self.lock:
            view_id = self._homes.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def wait_for(
        self, predicate: Callable[[SlackState], bool], timeout: float = 5.0, interval: float = 0.005
    ) -> bool:
        """Poll `predicate(self)` until true or `timeout` seconds pass; return its last answer.
        The app works after it acks, so what it sends arrives after its HTTP response."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def clear(self) -> None:
        """Forget everything recorded and every fault; keep users and channels."""
        with self.lock:
            self.calls.clear()
            self._messages.clear()
            self._ephemerals.clear()
            self._responses.clear()
            self._response_urls.clear()
            self._views.clear()
            self._view_users.clear()
            self._stacks.clear()
            self._homes.clear()
            self._triggers.clear()
            self._faults.clear()
            self._files.clear()

    # -- files ---------------------------------------------------------------------------------

    def new_upload(self, filename: str, length: int) -> UploadedFile:
        with self.lock:
            upload = UploadedFile(self.new_id("F"), filename, length)
            self._files[upload.id] = upload
            return upload

    def receive_upload(self, file_id: str, content: bytes) -> None:
        """The bytes posted to a file's upload URL: refused unless the URL was given out and the
        length is the one announced, as Slack's upload endpoint does."""
        with self.lock:
            upload = self._files.get(file_id)
            if upload is None or upload.completed:
                raise SlackMethodError("file_not_found")
            if len(content) != upload.length:
                raise SlackMethodError("invalid_length")
            upload.content = content

    def complete_upload(
        self, file_id: str, title: str, channel: str | None, initial_comment: str
    ) -> UploadedFile:
        with self.lock:
            upload = self._files.get(file_id)
            if upload is None or upload.content is None or upload.completed:
                raise SlackMethodError("file_not_found")
            upload.title, upload.channel, upload.initial_comment = title, channel, initial_comment
            upload.completed = True
            return upload

    def files(self, *, channel: str | None = None) -> list[UploadedFile]:
        """Files shared (completed), in upload order; `channel`: only those shared there."""
        with self.lock:
            return [
                f for f in self._files.values() if f.completed and (channel is None or f.channel == channel)
            ]

    # -- faults --------------------------------------------------------------------------------

    def inject_429(self, method: str | None = None, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls to `method` (None: any) answer HTTP 429 with Retry-After."""
        with self.lock:
            self._faults.append(
                Fault(method, times, status=429, error="ratelimited", retry_after=retry_after)
            )

    def fail(self, method: str | None, error: str, times: int = 1) -> None:
        """The next `times` calls to `method` (None: any) answer 200 `{"ok": false, "error": error}`."""
        with self.lock:
            self._faults.append(Fault(method, times, error=error))

    def take_fault(self, method: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.matches(method):
                    fault.times -= 1
                    return fault
            return None

    # -- ids, triggers and response URLs -------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}0{next(self._ids):08X}"

    def next_ts(self) -> str:
        """A unique, increasing message ts like "1764115200.000100", following the clock."""
        with self.lock:
            now_us = time.time_ns() // 1000
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def issue_trigger_id(self, user_id: str | None = None, *, view_id: str | None = None) -> str:
        """A trigger id as Slack sends with an interaction: good for one views.open/push within
        `trigger_ttl` seconds. `view_id`: the modal it came from (a push goes on its stack)."""
        with self.lock:
            trigger_id = f"{next(self._ids)}.{secrets.token_hex(6)}.{secrets.token_hex(8)}"
            self._triggers[trigger_id] = Trigger(trigger_id, user_id, view_id, self.clock())
            return trigger_id

    def use_trigger(self, trigger_id: str) -> Trigger:
        """Exchange a trigger id, or raise `SlackMethodError` with Slack's code."""
        with self.lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise SlackMethodError("invalid_trigger_id")
            if trigger.used:
                raise SlackMethodError("exchanged_trigger_id")
            if self.clock() - trigger.issued_at >= self.trigger_ttl:
                raise SlackMethodError("expired_trigger_id")
            trigger.used = True
            return trigger

    def issue_response_url(
        self, channel: str | None, user: str | None, *, message_ts: str | None = None
    ) -> str:
        """A response_url on this stand-in; `message_ts`: the message `replace_original` replaces."""
        with self.lock:
            url_id = secrets.token_urlsafe(12)
            self._response_urls[url_id] = ResponseUrl(url_id, channel, user, message_ts, self.clock())
            return f"{self.base_url}/response/{url_id}"

    # -- used by the method handlers ----------------------------------------------------------

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        thread_ts: str | None = None,
        user: str = BOT_USER_ID,
        bot_id: str | None = BOT_ID,
    ) -> dict[str, Any]:
        with self.lock:
            stored = StoredMessage(channel, self.next_ts(), text, blocks, user, bot_id, thread_ts)
            self._messages.setdefault(channel, []).append(stored)
            return stored.to_api(self.team_id)

    def update_message(
        self, channel: str, ts: str, text: str | None, blocks: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        with self.lock:
            stored = self._find_message(channel, ts)
            if stored is None or stored.deleted:
                raise SlackMethodError("message_not_found")
            previous = stored.to_api(self.team_id)
            previous["edited_ts"] = self.next_ts()
            stored.edits.append(previous)
            if text is not None:
                stored.text = text
            if blocks is not None:
                stored.blocks = blocks
            return stored.to_api(self.team_id)

    def delete_message(self, channel: str, ts: str) -> None:
        with self.lock:
            stored = self._find_message(channel, ts)
            if stored is None or stored.deleted:
                raise SlackMethodError("message_not_found")
            stored.deleted = True

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None) -> str:
        with self.lock:
            ts = self.next_ts()
            self._ephemerals.append(EphemeralPost(channel, user, ts, text, blocks))
            return ts

    def post_response(self, url_id: str, payload: dict[str, Any]) -> None:
        """Record a response_url POST and do what it asks: an in_channel reply becomes a channel
        message; replace_original/delete_original act on the message the URL came from."""
        with self.lock:
            hook = self._response_urls.get(url_id)
            if hook is None:
                raise SlackMethodError("expired_url")
            if hook.uses >= RESPONSE_URL_MAX_USES:
                raise SlackMethodError("used_url")
            hook.uses += 1
            self._responses.append(ResponsePost(url_id, hook.channel, hook.user, copy.deepcopy(payload)))
            text = str(payload.get("text") or "")
            blocks = payload.get("blocks") if isinstance(payload.get("blocks"), list) else None
            original = (
                self._find_message(hook.channel, hook.message_ts)
                if hook.channel and hook.message_ts
                else None
            )
            if original is not None and _truthy(payload.get("delete_original")):
                original.deleted = True
            elif original is not None and _truthy(payload.get("replace_original")):
                self.update_message(original.channel, original.ts, text, blocks)
            elif payload.get("response_type") == "in_channel" and hook.channel:
                self.post_message(hook.channel, text, blocks, thread_ts=payload.get("thread_ts"))

    def store_view(
        self,
        view: dict[str, Any],
        *,
        user: str | None,
        view_id: str | None = None,
        previous_view_id: str | None = None,
        root_view_id: str | None = None,
    ) -> dict[str, Any]:
        """Store `view` (new, or replacing `view_id`) with Slack's fields; return a copy."""
        with self.lock:
            old = self._views.get(view_id) if view_id else None
            new_id = view_id or self.new_id("V")
            stored: dict[str, Any] = {
                "id": new_id,
                "team_id": self.team_id,
                "type": view.get("type", "modal"),
                "blocks": copy.deepcopy(view.get("blocks") or []),
                "private_metadata": str(view.get("private_metadata") or ""),
                "callback_id": str(view.get("callback_id") or ""),
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
                "title": copy.deepcopy(view.get("title")),
                "clear_on_close": bool(view.get("clear_on_close", False)),
                "notify_on_close": bool(view.get("notify_on_close", False)),
                "close": copy.deepcopy(view.get("close")),
                "submit": copy.deepcopy(view.get("submit")),
                "previous_view_id": old["previous_view_id"] if old else previous_view_id,
                "root_view_id": old["root_view_id"] if old else (root_view_id or new_id),
                "app_id": APP_ID,
                "external_id": str(view.get("external_id") or (old or {}).get("external_id") or ""),
                "app_installed_team_id": self.team_id,
                "bot_id": BOT_ID,
            }
            self._views[new_id] = stored
            if not old:
                self._view_users[new_id] = user
            return copy.deepcopy(stored)

    def view_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = next((v for v in self._views.values() if v["external_id"] == external_id), None)
            return copy.deepcopy(found) if found else None

    def view_user(self, view_id: str) -> str | None:
        with self.lock:
            return self._view_users.get(view_id)

    def open_modal(self, user: str | None, view_id: str, *, push: bool) -> None:
        with self.lock:
            if user is None:
                return
            stack = self._stacks.setdefault(user, [])
            if not push:
                stack.clear()
            elif len(stack) >= MAX_VIEW_STACK:
                raise SlackMethodError("push_limit_reached")
            stack.append(view_id)

    def can_push(self, user: str | None) -> bool:
        with self.lock:
            return user is None or len(self._stacks.get(user, [])) < MAX_VIEW_STACK

    def set_home(self, user: str, view_id: str) -> None:
        with self.lock:
            self._homes[user] = view_id

    def home_id(self, user: str) -> str | None:
        with self.lock:
            return self._homes.get(user)

    def apply_view_response(
        self, user_id: str, view_id: str, body: dict[str, Any] | None, *, submitted_hash: str | None = None
    ) -> None:
        """Do what Slack does with the app's answer to a view_submission: no response_action closes
        the modal; "errors" keeps it; "update" replaces it; "push" stacks a new one; "clear" closes all.

        Slack applies the answer as it arrives, before the app's later views.update calls. Here the
        app may call views.update before the simulator applies the answer; then (the view's hash no
        longer `submitted_hash`) the "update" answer is the older of the two and is not applied."""
        with self.lock:
            current = self._views.get(view_id)
            changed = submitted_hash and current is not None and current["hash"] != submitted_hash
            if changed and (body or {}).get("response_action") == "update":
                return
            stack = self._stacks.setdefault(user_id, [])
            answer = body or {}
            action = answer.get("response_action")
            new_view = answer.get("view") if isinstance(answer.get("view"), dict) else None
            if action == "errors":
                return
            if action == "clear":
                stack.clear()
            elif action == "update" and new_view is not None:
                self.store_view(new_view, user=user_id, view_id=view_id)
            elif action == "push" and new_view is not None:
                current = self._views.get(view_id)
                pushed = self.store_view(
                    new_view,
                    user=user_id,
                    previous_view_id=view_id,
                    root_view_id=current["root_view_id"] if current else None,
                )
                stack.append(pushed["id"])
            elif view_id in stack:
                stack.remove(view_id)

    def _find_message(self, channel: str | None, ts: str | None) -> StoredMessage | None:
        for stored in self._messages.get(channel or "", []):
            if stored.ts == ts:
                return stored
        return None


class SlackMethodError(Exception):
    """A Web API method answers `{"ok": false, "error": code}`."""

    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.messages = messages or []


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)
