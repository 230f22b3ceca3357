"""`SlackNotifier`: the outbox worker's `Notifier` (services/notify.py) over the Slack Web API.

Each method does its Slack calls and raises on any failure (`SlackApiError`, a dropped connection):
the worker then retries the outbox item later, so a message is delayed, never lost. A method that
posts returns the message's `ts`, which the worker stores so a later change edits the message.
DMs go to the user id as channel (chat.postMessage opens the conversation with the bot).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from rosterbot.domain.dates import format_day
from rosterbot.services.digest import Digest
from rosterbot.services.notify import ChannelUnavailable, PostRef
from rosterbot.services.timeoff_views import TimeOffView
from rosterbot.slack.blocks import MAX_MESSAGE_BLOCKS
from rosterbot.slack.blocks.availability import digest_blocks, digest_text
from rosterbot.slack.blocks.timeoff import (
    BlockDicts,
    approval_message,
    cancelled_message,
    context,
    decision_message,
    failure_message,
    reminder_message,
    team_post_cancelled,
    unposted_message,
)
from rosterbot.slack.blocks.timeoff import (
    team_post as team_post_message,
)

log = logging.getLogger(__name__)

# Slack's answers to a post that no retry fixes: the channel is gone, archived, closed to the bot.
CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "team_access_not_granted",
    }
)


class SlackNotifier:
    """Implements `rosterbot.services.notify.Notifier`."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    # -- the approvals channel ------------------------------------------------------------------

    def approval_requested(
        self, request: TimeOffView, coverage_lines: Sequence[str], channel: str
    ) -> str | None:
        text, blocks = approval_message(request, coverage_lines)
        return self._post(channel, text, blocks)

    def approval_requested_dm(
        self, request: TimeOffView, coverage_lines: Sequence[str], slack_user_id: str
    ) -> PostRef | None:
        text, blocks = approval_message(request, coverage_lines)
        response = self._call(
            slack_user_id,
            lambda: self._client.chat_postMessage(
                channel=slack_user_id, text=text, blocks=blocks, unfurl_links=False
            ),
        )
        channel, ts = response.get("channel"), response.get("ts")
        return PostRef(str(channel), str(ts)) if channel and ts else None

    def approval_unposted(self, request: TimeOffView, error: str, approvers: int | None) -> None:
        text, blocks = unposted_message(request, error, approvers)
        self._post(request.requested_by_slack_user_id, text, blocks)

    def approval_changed(self, request: TimeOffView, message: PostRef) -> None:
        text, blocks = approval_message(request)
        self._update(message, text, blocks)

    def reminder(self, request: TimeOffView, channel: str, approval: PostRef | None) -> None:
        text, blocks = reminder_message(request)
        thread = approval.ts if approval is not None and approval.channel == channel else None
        self._post(channel, text, blocks, thread_ts=thread)

    def delivery_failed(self, request: TimeOffView | None, what: str, channel: str | None) -> None:
        text, blocks = failure_message(what)
        # The requester first: a broken approvals channel must not keep them from hearing of it.
        if request is not None:
            self._post(request.requested_by_slack_user_id, text, blocks)
        if channel:
            self._post(channel, text, blocks)
        if not channel and request is None:
            log.error("nobody to tell that a delivery failed: %s", what)

    # -- the requester and the team -------------------------------------------------------------

    def decision_made(self, request: TimeOffView, decided_by_name: str) -> None:
        recipient = request.member_slack_user_id or request.requested_by_slack_user_id
        text, blocks = decision_message(
            request, decided_by_name, to_member=recipient == request.member_slack_user_id
        )
        self._post(recipient, text, blocks)

    def block_created(self, request: TimeOffView, channel: str) -> str | None:
        text, blocks = team_post_message(request)
        return self._post(channel, text, blocks)

    def request_cancelled(
        self, request: TimeOffView, team_post: PostRef | None, cancelled_by_slack_user_id: str | None
    ) -> None:
        if team_post is not None:
            text, blocks = team_post_cancelled(request)
            self._update(team_post, text, blocks)
        recipient = request.member_slack_user_id or request.requested_by_slack_user_id
        if cancelled_by_slack_user_id and cancelled_by_slack_user_id != recipient:
            text, blocks = cancelled_message(
                request, cancelled_by_slack_user_id, to_member=recipient == request.member_slack_user_id
            )
            self._post(recipient, text, blocks)

    def digest(self, channel: str, digest: Digest) -> str | None:
        # No shortfalls: leave the coverage part out (the digest cannot tell "none set" from "all met").
        # Room for the waiting line and, on a late digest, the line saying so.
        room = MAX_MESSAGE_BLOCKS - 1 - digest.late
        blocks = digest_blocks(digest.availability, digest.day, digest.shortfalls or None, max_blocks=room)
        late = f"Sent late: the digest of {format_day(digest.day)}, when the day was over."
        if digest.late:
            blocks.insert(1, context(f":clock3: {late}").to_dict())
        if digest.pending_requests:
            waiting = digest.pending_requests
            noun = "request is" if waiting == 1 else "requests are"
            blocks.append(
                context(
                    f":hourglass_flowing_sand: {waiting} time-off {noun} waiting for a decision."
                ).to_dict()
            )
        text = digest_text(digest.availability, digest.day, digest.shortfalls)
        return self._post(channel, f"{late} {text}" if digest.late else text, blocks)

    # -- people and channels ----------------------------------------------------------------------

    def slack_user_for_email(self, email: str) -> str | None:
        try:
            user = self._client.users_lookupByEmail(email=email).get("user") or {}
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                return None
            raise
        found = user.get("id")
        return str(found) if found and not user.get("deleted") else None

    def channel_problem(self, channel: str) -> str | None:
        try:
            found = self._client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in CHANNEL_ERRORS:
                return code
            raise
        if found.get("is_archived"):
            return "is_archived"
        if found.get("is_member") is False:
            return "not_in_channel"
        return None

    # -- helpers ----------------------------------------------------------------------------------

    def _post(
        self, channel: str, text: str, blocks: BlockDicts, *, thread_ts: str | None = None
    ) -> str | None:
        response = self._call(
            channel,
            lambda: self._client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False
            ),
        )
        ts = response.get("ts")
        return str(ts) if ts else None

    def _update(self, message: PostRef, text: str, blocks: BlockDicts) -> None:
        channel, ts = message.channel, message.ts
        update = self._client.chat_update
        self._call(channel, lambda: update(channel=channel, ts=ts, text=text, blocks=blocks))

    @staticmethod
    def _call(channel: str, call: Callable[[], SlackResponse]) -> SlackResponse:
        """`call()`; a refusal no retry fixes becomes `ChannelUnavailable` (the worker stops
        retrying, says so, and finds another way)."""
        try:
            return call()
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in CHANNEL_ERRORS:
                raise ChannelUnavailable(channel, code) from error
            raise
