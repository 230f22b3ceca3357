"""Slack's side of the conversation: requests as Slack builds and signs them, sent to the app.

`SlackWorkspace` posts slash commands, view submissions, button clicks and events to
`{app_url}/slack/events`, signed with the v0 scheme (HMAC-SHA256 of `v0:{timestamp}:{body}`), with
trigger ids and response_urls issued by the Web API stand-in it works with, so that what the app then
does (views.open with that trigger, a POST to that response_url) lands in the same `SlackState`.

    server, state = start_slack_standin()
    slack = SlackWorkspace(app_url, signing_secret, state, server.url)
    reply = slack.command("U0OWNER01", "/team", "list")
    assert reply.status_code == 200
    state.responses[-1].text  # what the app answered through the response_url

Each method returns the app's `httpx.Response`. Tests, the console and the benchmarks share it.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.state import APP_ID, BOT_USER_ID, TEAM_DOMAIN, SlackState
from rosterbot.emulators.slack_api.values import action_value, interactive_elements, state_values

# The deprecated verification token Slack still includes in payloads; Bolt ignores it.
VERIFICATION_TOKEN = "standin-verification-token"
EVENTS_PATH = "/slack/events"
EXTERNAL_SELECTS = ("external_select", "multi_external_select")
DEFAULT_MIN_QUERY_LENGTH = 3  # Slack's default for an external select
MAX_SUGGESTIONS = 100  # options (or option groups) Slack shows from a block_suggestion answer


class SlackWorkspace:
    """Sends signed requests to the app as Slack does. Thread-safe as far as httpx.Client is."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        state: SlackState,
        standin_url: str | None = None,
        *,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        """`app_url`: where the app serves (`{app_url}/slack/events`); `standin_url`: the Web API
        stand-in's base URL (default `state.base_url`), where response_urls point."""
        self.app_url = app_url.rstrip("/")
        self._secret = signing_secret.encode()
        self.state = state
        if standin_url:
            state.base_url = standin_url.rstrip("/")
        self.team_id = state.team_id
        self._http = http or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SlackWorkspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- signing and sending -------------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The two headers Slack signs a request with (`timestamp` default: now)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + ts.encode() + b":" + body
        digest = hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST `body` signed (at `timestamp`), with extra `headers`. `signature` overrides the
        computed one (tampering tests)."""
        sent = {"Content-Type": content_type, **self.sign(body, timestamp)}
        if signature is not None:
            sent["X-Slack-Signature"] = signature
        sent.update(headers or {})
        return self._http.post(self.app_url + EVENTS_PATH, content=body, headers=sent)

    def post_form(self, fields: Mapping[str, str], **kwargs: Any) -> httpx.Response:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def post_interaction(self, payload: Mapping[str, Any], **kwargs: Any) -> httpx.Response:
        """Interactivity comes form-encoded with the JSON in one `payload` field."""
        return self.post_form({"payload": json.dumps(payload)}, **kwargs)

    # -- what a user does ----------------------------------------------------------------------

    def command_fields(
        self, user_id: str, command: str, text: str = "", *, channel_id: str | None = None
    ) -> dict[str, str]:
        """The form fields of a slash command (with a fresh trigger id and response_url)."""
        channel = self._channel_for(channel_id)
        return {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel["id"],
            "channel_name": channel["name"],
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.state.issue_response_url(channel["id"], user_id),
            "trigger_id": self.state.issue_trigger_id(user_id),
        }

    def command(
        self, user_id: str, command: str, text: str = "", *, channel_id: str | None = None
    ) -> httpx.Response:
        """`user_id` types `/command text` in `channel_id` (default: the team channel)."""
        return self.post_form(self.command_fields(user_id, command, text, channel_id=channel_id))

    def submit_view(
        self,
        user_id: str,
        view: Mapping[str, Any] | str,
        values: Mapping[str, Mapping[str, Any]] | None = None,
        private_metadata: str | None = None,
    ) -> httpx.Response:
        """`user_id` presses Submit on a modal. `view`: a view id or a callback id (the current
        version from the stand-in: the user's topmost open modal with that callback id), or a view
        dict taken as is. `values[block_id][action_id]`: a plain value shaped by the element's type,
        or a value dict as Slack sends it; inputs not given are sent empty. Slack then does what the
        app answered (closes, keeps with errors, updates or pushes the modal) in the stand-in."""
        submitted = self._view(user_id, view)
        submitted["state"] = {"values": state_values(submitted.get("blocks") or [], values or {})}
        if private_metadata is not None:
            submitted["private_metadata"] = private_metadata
        payload = {
            "type": "view_submission",
            **self._envelope(user_id),
            "trigger_id": self.state.issue_trigger_id(user_id, view_id=submitted["id"]),
            "view": submitted,
            "response_urls": [],
        }
        reply = self.post_interaction(payload)
        if reply.status_code == 200:
            self.state.apply_view_response(
                user_id, submitted["id"], _json_or_none(reply), submitted_hash=submitted.get("hash")
            )
        return reply

    def close_view(self, user_id: str, view: Mapping[str, Any] | str) -> httpx.Response | None:
        """`user_id` closes a modal: Slack tells the app (view_closed) only if it asked to be told."""
        closed = self._view(user_id, view)
        self.state.apply_view_response(user_id, closed["id"], None)
        if not closed.get("notify_on_close"):
            return None
        return self.post_interaction(
            {"type": "view_closed", **self._envelope(user_id), "view": closed, "is_cleared": False}
        )

    def click(
        self,
        user_id: str,
        action_id: str,
        value: Any = None,
        *,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | str | None = None,
        channel: str | None = None,
        block_id: str | None = None,
    ) -> httpx.Response:
        """`user_id` acts on the element `action_id` (a button's value, or a select's choice) in a
        `message` (a message dict from the stand-in; its channel is found unless given), in a `view`
        (a view id, callback id or view dict: a modal or a Home tab), or, with only `channel`, in an
        ephemeral message there. `block_id` picks among elements sharing an action id."""
        payload: dict[str, Any] = {"type": "block_actions", **self._envelope(user_id)}
        blocks: list[dict[str, Any]] = []
        view_id: str | None = None
        if view is not None:
            shown = self._view(user_id, view)
            view_id = shown["id"]
            shown.setdefault("state", {"values": {}})
            payload.update(container={"type": "view", "view_id": view_id}, view=shown)
            blocks = shown.get("blocks") or []
        elif message is not None:
            ts = str(message["ts"])
            channel_id = channel or self._message_channel(ts)
            payload.update(
                container={
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": channel_id,
                    "is_ephemeral": False,
                },
                channel=self._channel_for(channel_id),
                message=dict(message),
                response_url=self.state.issue_response_url(channel_id, user_id, message_ts=ts),
                state={"values": {}},
            )
            blocks = list(message.get("blocks") or [])
        elif channel is not None:
            payload.update(
                container={
                    "type": "message",
                    "message_ts": self.state.next_ts(),
                    "channel_id": channel,
                    "is_ephemeral": True,
                },
                channel=self._channel_for(channel),
                response_url=self.state.issue_response_url(channel, user_id),
                state={"values": {}},
            )
        else:
            raise ValueError("click needs a message, a view or a channel")
        found_block, element = _find_element(blocks, action_id, block_id)
        payload["trigger_id"] = self.state.issue_trigger_id(user_id, view_id=view_id)
        payload["actions"] = [action_value(element, found_block, value, self.state.next_ts())]
        return self.post_interaction(payload)

    def suggest(
        self,
        user_id: str,
        view: Mapping[str, Any] | str,
        action_id: str,
        typed: str,
        *,
        block_id: str | None = None,
    ) -> httpx.Response:
        """`user_id` types `typed` into the external select `action_id` of a modal (`view`: a view
        id, callback id or view dict): Slack asks the app for the options (a `block_suggestion`
        request, JSON in the `payload` field) and shows what the app answers (`suggested_options`).
        As Slack, it asks only for an `external_select` (or `multi_external_select`), and only once
        at least `min_query_length` characters (default 3) are typed."""
        shown = self._view(user_id, view)
        found_block, element = _find_element(shown.get("blocks") or [], action_id, block_id)
        if element.get("type") not in EXTERNAL_SELECTS:
            raise ValueError(f"{action_id!r} is a {element.get('type')}, not an external select")
        if len(typed) < int(element.get("min_query_length", DEFAULT_MIN_QUERY_LENGTH)):
            raise ValueError(f"Slack sends no block_suggestion for {typed!r}: shorter than min_query_length")
        shown.setdefault("state", {"values": {}})
        payload = {
            "type": "block_suggestion",
            **self._envelope(user_id),
            "container": {"type": "view", "view_id": shown["id"]},
            "action_id": action_id,
            "block_id": found_block,
            "value": typed,
            "view": shown,
        }
        return self.post_interaction(payload)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """Deliver an Events API `event` (event_callback, JSON). `retry_num`: this is Slack's
        retry number N of the same `event_id` (headers X-Slack-Retry-Num and -Reason)."""
        inner = dict(event)
        inner.setdefault("event_ts", self.state.next_ts())
        body = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(json.dumps(body).encode(), "application/json", headers=headers)

    def home_opened(self, user_id: str) -> httpx.Response:
        """`user_id` opens the app's Home tab (app_home_opened, with the published view if any)."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.state.im_channel(user_id).id,
            "tab": "home",
        }
        home = self.state.home(user_id)
        if home is not None:
            event["view"] = home
        return self.event(event)

    # -- helpers -------------------------------------------------------------------------------

    def _envelope(self, user_id: str) -> dict[str, Any]:
        return {
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "user": {
                "id": user_id,
                "username": self._user_name(user_id),
                "name": self._user_name(user_id),
                "team_id": self.team_id,
            },
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _user_name(self, user_id: str) -> str:
        user = self.state.users.get(user_id)
        return user.name if user else user_id.lower()

    def _channel_for(self, channel_id: str | None) -> dict[str, str]:
        wanted = channel_id or TEAM_CHANNEL_ID
        channel = self.state.channels.get(wanted)
        if channel is None:
            return {"id": wanted, "name": "privategroup"}
        return {"id": channel.id, "name": channel.name if not channel.is_im else "directmessage"}

    def _message_channel(self, ts: str) -> str:
        found = self.state.find_message(ts)
        if found is None:
            raise LookupError(f"no message with ts {ts} in the stand-in")
        return found[0]

    def _view(self, user_id: str, view: Mapping[str, Any] | str) -> dict[str, Any]:
        if not isinstance(view, str):
            return copy.deepcopy(dict(view))
        found = self.state.view(view)
        if found is None:
            matching = [v for v in self.state.open_views(user_id) if v.get("callback_id") == view]
            found = matching[-1] if matching else None
        if found is None:
            raise LookupError(f"no view {view!r} open for {user_id} in the stand-in")
        return found


def _find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None
) -> tuple[str, dict[str, Any]]:
    for found_block, element in interactive_elements(blocks):
        if element.get("action_id") == action_id and (block_id is None or found_block == block_id):
            return found_block, element
    if blocks:
        raise LookupError(f"no element {action_id!r} in the blocks clicked")
    # No blocks to look in (an ephemeral message the stand-in never saw): a plain button.
    return block_id or secrets.token_hex(3), {"type": "button", "action_id": action_id}


def suggested_options(reply: httpx.Response) -> list[dict[str, Any]]:
    """The options a select shows from the app's answer to a `block_suggestion` request, checked as
    Slack checks them (`options`, or `option_groups` each with a label; at most 100 of each, an
    option's text at most 75 characters and its value at most 150); ValueError where Slack would
    show nothing."""
    if reply.status_code != 200:
        raise ValueError(f"the app answered {reply.status_code}")
    body = _json_or_none(reply) or {}
    groups = body.get("option_groups")
    if groups is not None:
        if not isinstance(groups, list) or len(groups) > MAX_SUGGESTIONS:
            raise ValueError("option_groups: a list of at most 100 groups")
        for group in groups:
            label = (group.get("label") or {}).get("text") if isinstance(group, dict) else None
            if not isinstance(label, str) or not 0 < len(label) <= 75:
                raise ValueError("an option group needs a label of at most 75 characters")
        listed = [_checked_options(group.get("options")) for group in groups]
        return [option for options in listed for option in options]
    return _checked_options(body.get("options"))


def _checked_options(options: Any) -> list[dict[str, Any]]:
    if not isinstance(options, list) or len(options) > MAX_SUGGESTIONS:
        raise ValueError("options: a list of at most 100 options")
    for option in options:
        text = (option.get("text") or {}).get("text") if isinstance(option, dict) else None
        value = option.get("value") if isinstance(option, dict) else None
        if not isinstance(text, str) or not 0 < len(text) <= 75:
            raise ValueError("an option's text: 1 to 75 characters")
        if not isinstance(value, str) or not 0 < len(value) <= 150:
            raise ValueError("an option's value: 1 to 150 characters")
    return list(options)


def _json_or_none(reply: httpx.Response) -> dict[str, Any] | None:
    if not reply.content:
        return None
    try:
        body = reply.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
