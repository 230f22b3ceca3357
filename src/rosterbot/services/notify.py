"""`Notifier`: what the time-off worker tells people, and where. The Slack half implements it (Block
Kit, chat.postMessage / chat.update / DMs); services only call it from the outbox worker, so a
Slack failure raises, the outbox item is retried, and nothing is lost.

Every method may raise any exception to mean "not delivered, try again later". A method that posts
returns the message's `ts` (None if the channel gave none); the worker stores it in
`PostedMessage` so a later change edits the message instead of posting anew.

`RecordingNotifier` is a fake for tests: it records every call and can be told to fail.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rosterbot.services.digest import Digest
from rosterbot.services.timeoff_views import TimeOffView


@dataclass(frozen=True)
class PostRef:
    """A message the bot posted: edit it with chat.update(channel, ts)."""

    channel: str
    ts: str


class ChannelUnavailable(Exception):
    """Slack refused a post in `channel` for a reason no retry fixes (the channel is gone or
    archived, the bot is not in it): `error` is Slack's code, e.g. "channel_not_found"."""

    def __init__(self, channel: str, error: str) -> None:
        super().__init__(f"the bot cannot post in {channel}: {error}")
        self.channel = channel
        self.error = error


class Notifier(Protocol):
    def approval_requested(
        self, request: TimeOffView, coverage_lines: Sequence[str], channel: str
    ) -> str | None:
        """Post the request to the approvals channel with Approve and Deny buttons (their value:
        the request id). Render `request.status`: by the time this runs the request may already be
        decided or cancelled, and then it needs no buttons. `coverage_lines`: sentences about the
        coverage it would leave short ("only 1 Stylist left on Fri 3 Apr (minimum 2)"). -> ts."""
        ...

    def approval_requested_dm(
        self, request: TimeOffView, coverage_lines: Sequence[str], slack_user_id: str
    ) -> PostRef | None:
        """The approvals channel's message, with its buttons, as a DM to one approver (when that
        channel cannot be used). -> where it went (the DM's channel id and ts), to edit it later."""
        ...

    def approval_unposted(self, request: TimeOffView, error: str, approvers: int | None) -> None:
        """Tell the requester (DM) that their request could not be posted in the approvals channel
        (Slack's `error`) and goes to `approvers` owners and admins by DM instead (None: not known
        yet; 0: nobody to send it to)."""
        ...

    def approval_changed(self, request: TimeOffView, message: PostRef) -> None:
        """Edit the approvals message to show the request's status now (approved by whom, denied
        with the reason, cancelled) and remove the buttons."""
        ...

    def decision_made(self, request: TimeOffView, decided_by_name: str) -> None:
        """Tell the member (DM `request.member_slack_user_id`, else the requester
        `request.requested_by_slack_user_id`): denied with `request.decision_note`, or approved —
        sent once the blocked time exists in the business calendar."""
        ...

    def block_created(self, request: TimeOffView, channel: str) -> str | None:
        """Tell the team channel that the member will be away (`request.period`). -> ts."""
        ...

    def request_cancelled(
        self, request: TimeOffView, team_post: PostRef | None, cancelled_by_slack_user_id: str | None
    ) -> None:
        """Edit the team channel's post about it (if there was one) to say it was cancelled; tell
        the member when someone else cancelled it."""
        ...

    def reminder(self, request: TimeOffView, channel: str, approval: PostRef | None) -> None:
        """Remind the approvals channel that the request is still waiting (reply in the thread of
        `approval` when there is one)."""
        ...

    def delivery_failed(self, request: TimeOffView | None, what: str, channel: str | None) -> None:
        """Something gave up after its retries (`what` says what, in a sentence): tell the requester
        (DM, first) and the approvals `channel`."""
        ...

    def slack_user_for_email(self, email: str) -> str | None:
        """The Slack user with this e-mail (an approver not linked yet), or None."""
        ...

    def channel_problem(self, channel: str) -> str | None:
        """Why the bot cannot post in `channel` (Slack's code: "channel_not_found", "is_archived",
        "not_in_channel"), or None when it can."""
        ...

    def digest(self, channel: str, digest: Digest) -> str | None:
        """Post the daily digest: who is available, who is off, and coverage shortfalls. -> ts."""
        ...


@dataclass
class NotifierCall:
    method: str
    args: dict[str, Any]


@dataclass
class RecordingNotifier:
    """A `Notifier` that records calls; `fail_methods` names methods that raise while listed, and
    `fail_times` limits how many times each fails (None: until removed)."""

    calls: list[NotifierCall] = field(default_factory=list)
    fail_methods: set[str] = field(default_factory=set)
    fail_times: int | None = None
    _failures: dict[str, int] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, method: str) -> list[NotifierCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def _record(self, method: str, **args: Any) -> str:
        with self._lock:
            if method in self.fail_methods:
                failed = self._failures.get(method, 0)
                if self.fail_times is None or failed < self.fail_times:
                    self._failures[method] = failed + 1
                    raise ConnectionError(f"{method}: Slack is not answering (test)")
            self.calls.append(NotifierCall(method, args))
            return f"1700000000.{next(self._ts):06d}"

    def approval_requested(
        self, request: TimeOffView, coverage_lines: Sequence[str], channel: str
    ) -> str | None:
        return self._record(
            "approval_requested", request=request, coverage_lines=list(coverage_lines), channel=channel
        )

    def approval_requested_dm(
        self, request: TimeOffView, coverage_lines: Sequence[str], slack_user_id: str
    ) -> PostRef | None:
        ts = self._record(
            "approval_requested_dm",
            request=request,
            coverage_lines=list(coverage_lines),
            slack_user_id=slack_user_id,
        )
        return PostRef("D" + slack_user_id[1:], ts)

    def approval_unposted(self, request: TimeOffView, error: str, approvers: int | None) -> None:
        self._record("approval_unposted", request=request, error=error, approvers=approvers)

    def approval_changed(self, request: TimeOffView, message: PostRef) -> None:
        self._record("approval_changed", request=request, message=message)

    def decision_made(self, request: TimeOffView, decided_by_name: str) -> None:
        self._record("decision_made", request=request, decided_by_name=decided_by_name)

    def block_created(self, request: TimeOffView, channel: str) -> str | None:
        return self._record("block_created", request=request, channel=channel)

    def request_cancelled(
        self, request: TimeOffView, team_post: PostRef | None, cancelled_by_slack_user_id: str | None
    ) -> None:
        self._record(
            "request_cancelled",
            request=request,
            team_post=team_post,
            cancelled_by_slack_user_id=cancelled_by_slack_user_id,
        )

    def reminder(self, request: TimeOffView, channel: str, approval: PostRef | None) -> None:
        self._record("reminder", request=request, channel=channel, approval=approval)

    def delivery_failed(self, request: TimeOffView | None, what: str, channel: str | None) -> None:
        self._record("delivery_failed", request=request, what=what, channel=channel)

    def digest(self, channel: str, digest: Digest) -> str | None:
        return self._record("digest", channel=channel, digest=digest)

    def slack_user_for_email(self, email: str) -> str | None:
        return None

    def channel_problem(self, channel: str) -> str | None:
        return None
