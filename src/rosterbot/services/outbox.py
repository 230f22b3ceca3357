"""Delivering the outbox: blocked times into the business API, messages through the `Notifier`.

`deliver_due(limit)` claims due items (see `store/outbox.py`: several workers never hold the same
item), does each one's work outside any transaction, then records the outcome together with what
the work produced (the blocked time's id, a message's ts, the follow-up items) in one transaction.
A failure is retried with exponential backoff and jitter; after `max_attempts`, or at once for an
error no retry can fix, the item is marked failed and the requester and approvers are told.

An approval request the approvals channel refuses (gone, archived, the bot not in it:
`ChannelUnavailable`) is not retried there: the requester is told first, then each active owner
and admin gets it by DM with its buttons. Any such refusal is stored per channel (`/team settings`
shows it) until a post there succeeds.

A blocked time is never made twice, even when a worker dies between the API call and the commit:
its name carries the request's marker ("Time off (rosterbot #17)"), and before creating one the
worker looks in the API for a block of that member with that marker and adopts it. A request
cancelled while its block was being made gets that block removed again, in whichever order the
two happen.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.errors import ApiError, InvalidInput, NotFound
from rosterbot.api.models import BlockedTime, BlockedTimeInput
from rosterbot.config import Settings
from rosterbot.services.digest import DIGEST, DigestService
from rosterbot.services.errors import NotFoundError
from rosterbot.services.notify import ChannelUnavailable, Notifier, PostRef
from rosterbot.services.timeoff import Clock, TimeOffService, utc_clock
from rosterbot.services.timeoff_rules import period_problem
from rosterbot.services.timeoff_views import TimeOffView, block_marker
from rosterbot.services.workspace_config import WorkspaceConfig, workspace_config
from rosterbot.store import outbox
from rosterbot.store import timeoff as requests
from rosterbot.store import workspace as workspace_store
from rosterbot.store.db import autocommit_session, session_scope
from rosterbot.store.outbox import Claim

log = logging.getLogger(__name__)

APPROVAL = "approval"  # PostedMessage.kind of the approvals channel's message about a request
TEAM_POST = "time_off"  # PostedMessage.kind of the team channel's message about a request
# The approvals message sent to one approver by DM (the channel refused it): ref "<request ref>@<user>".
APPROVAL_DM = "approval_dm"
UNPOSTED = "approval_unposted"  # the requester told that the approvals channel refused their request


class BlockApi(Protocol):
    """The slice of `BusinessApi` the delivery uses."""

    def create_blocked_time(self, block: BlockedTimeInput) -> BlockedTime: ...

    def delete_blocked_time(self, block_id: int) -> None: ...

    def list_blocked_times(self, start: datetime, end: datetime) -> list[BlockedTime]: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait before attempt n+1: base * 2^(n-1), at most `max_seconds`, of which the
    second half is random (jitter), so that workers that failed together do not retry together.
    `lease_seconds` must exceed the longest delivery (the API client's timeout times its retries):
    an item whose lease ran out is taken to be abandoned by a dead worker."""

    max_attempts: int = 8
    base_seconds: float = 30.0
    max_seconds: float = 3600.0
    lease_seconds: float = 300.0

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


class Permanent(Exception):
    """A delivery error that no retry can fix."""


class OutboxDelivery:
    def __init__(
        self,
        api: BlockApi,
        session_factory: sessionmaker[Session],
        notifier: Notifier,
        settings: Settings,
        timeoff: TimeOffService,
        digests: DigestService | None = None,
        *,
        clock: Clock = utc_clock,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        blocks_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self._api = api
        # Tells the shared availability reads (`SharedReads.forget`) that blocked times changed.
        self._blocks_changed = blocks_changed
        self._sessions = session_factory
        self.notifier = notifier
        self._settings = settings
        self._timeoff = timeoff
        self._digests = digests
        self._clock = clock
        self.policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self._handlers: dict[str, Callable[[Claim], None]] = {
            outbox.POST_APPROVAL: self._post_approval,
            outbox.UPDATE_APPROVAL: self._update_approval,
            outbox.CREATE_BLOCKED_TIME: self._create_blocked_time,
            outbox.DELETE_BLOCKED_TIME: self._delete_blocked_time,
            outbox.NOTIFY_DECISION: self._notify_decision,
            outbox.ANNOUNCE_BLOCK: self._announce_block,
            outbox.NOTIFY_CANCELLED: self._notify_cancelled,
            outbox.SEND_REMINDER: self._send_reminder,
            outbox.POST_DIGEST: self._post_digest,
            outbox.NOTIFY_FAILED: self._notify_failed,
        }

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds this delivery can do (a worker claims only these)."""
        return tuple(self._handlers)

    def handle(self, kind: str, work: Callable[[Claim], None]) -> None:
        """Do items of `kind` with `work` (the Slack layer's listener jobs): the item is done when
        `work` returns; what it raises is retried with backoff, as any item's failure."""

        def handler(claim: Claim) -> None:
            work(claim)
            self._complete(claim)

        self._handlers[kind] = handler

    def claim(self, limit: int, *, lease_seconds: float, item_id: int | None = None) -> list[Claim]:
        """Claim up to `limit` due items this delivery can do (or only item `item_id`)."""
        now = self._clock()
        with autocommit_session(self._sessions) as session:  # one statement
            return outbox.claim_due(
                session,
                now=now,
                lease_until=now + timedelta(seconds=lease_seconds),
                limit=limit,
                kinds=self.kinds,
                item_id=item_id,
            )

    def extend(self, claims: list[Claim], *, lease_seconds: float) -> None:
        """Keep holding `claims`, still being done, for `lease_seconds` more."""
        with session_scope(self._sessions) as session:
            outbox.extend_leases(session, claims, until=self._clock() + timedelta(seconds=lease_seconds))

    def deliver_due(self, limit: int = 20) -> int:
        """Claim and deliver up to `limit` due items; returns how many were claimed."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            claims = outbox.claim_due(
                session,
                now=now,
                lease_until=now + timedelta(seconds=self.policy.lease_seconds),
                limit=limit,
                kinds=self.kinds,
            )
        for claim in claims:
            self.deliver(claim)
        return len(claims)

    def deliver(self, claim: Claim) -> None:
        """Do one claimed item's work and record how it went. Exceptions that are not `Exception`
        (a worker being stopped) leave the item claimed: it is taken again when its lease ends."""
        handler = self._handlers.get(claim.kind)
        try:
            if handler is None:
                raise Permanent(f"unknown outbox kind {claim.kind!r}")
            handler(claim)
        except ChannelUnavailable as exc:
            self._channel_failed(self._workspace_of(claim), exc)
            self._attempt_failed(claim, exc, permanent=True)
        except (Permanent, InvalidInput, NotFoundError) as exc:
            self._attempt_failed(claim, exc, permanent=True)
        except Exception as exc:  # noqa: BLE001 - any failure means: not delivered, try again
            self._attempt_failed(claim, exc, permanent=False)

    # -- blocked times ----------------------------------------------------------------------------

    def _create_blocked_time(self, claim: Claim) -> None:
        view = self._request(claim)
        if view.status != requests.APPROVED:
            # Cancelled before the block was recorded: a worker may have made it and died.
            self._remove_marked_blocks(view)
            self._complete(claim)
            return
        if view.blocked_time_id is not None:
            self._complete(claim)
            return
        problem = period_problem(view.starts_on, view.ends_on, view.start_time, view.end_time, view.zone)
        if problem:  # approved before its times were checked: the API would refuse it every time
            raise Permanent(f"time off #{view.id} has no valid period: {problem}")
        try:
            block = self._find_marked_block(view) or self._api.create_blocked_time(
                BlockedTimeInput(
                    name=view.block_name,
                    from_date=view.starts_at,
                    to_date=view.ends_at,
                    all_day=view.all_day,
                    employee_ids=[view.member_id],
                )
            )
        finally:
            self._blocks_changed()
        now = self._clock()
        with session_scope(self._sessions) as session:
            if requests.set_blocked_time(session, view.id, block.id, at=now):
                for kind in (outbox.NOTIFY_DECISION, outbox.ANNOUNCE_BLOCK, outbox.UPDATE_APPROVAL):
                    outbox.enqueue(session, kind, request_id=view.id, at=now)
            else:
                row = requests.get(session, view.id, slack_team_id=view.slack_team_id)
                if row is None or row.status != requests.APPROVED or row.blocked_time_id != block.id:
                    # Cancelled meanwhile (or, after a lapsed lease, another worker kept another
                    # block): this one must go again.
                    outbox.enqueue(
                        session,
                        outbox.DELETE_BLOCKED_TIME,
                        request_id=view.id,
                        payload={"block_id": block.id, "only": True},
                        at=now,
                    )
            outbox.complete(session, claim, at=now)

    def _delete_blocked_time(self, claim: Claim) -> None:
        view = self._request(claim)
        given = claim.payload.get("block_id")
        targets: set[int] = {int(given)} if given is not None else set()
        if not claim.payload.get("only") and view.status == requests.CANCELLED:
            # Also any block of this request made but not recorded (a create that died, or that
            # is finishing right now and will find the request cancelled).
            if view.blocked_time_id is not None:
                targets.add(view.blocked_time_id)
            targets.update(block.id for block in self._marked_blocks(view))
        try:
            for block_id in sorted(targets):
                with contextlib.suppress(NotFound):  # gone already: what we wanted
                    self._api.delete_blocked_time(block_id)
        finally:
            self._blocks_changed()
        now = self._clock()
        with session_scope(self._sessions) as session:
            for block_id in targets:
                if view.status != requests.APPROVED:
                    requests.clear_blocked_time(session, view.id, block_id, at=now)
            outbox.complete(session, claim, at=now)

    def _marked_blocks(self, view: TimeOffView) -> list[BlockedTime]:
        marker = block_marker(view.id)
        found = self._api.list_blocked_times(view.starts_at, view.ends_at + timedelta(seconds=1))
        return sorted(
            (b for b in found if b.employee_id == view.member_id and marker in b.name), key=lambda b: b.id
        )

    def _find_marked_block(self, view: TimeOffView) -> BlockedTime | None:
        blocks = self._marked_blocks(view)
        if blocks:
            log.info(
                "time off #%s: adopting blocked time %s made by an earlier attempt", view.id, blocks[0].id
            )
        return blocks[0] if blocks else None

    def _remove_marked_blocks(self, view: TimeOffView) -> None:
        for block in self._marked_blocks(view):
            with contextlib.suppress(NotFound):
                self._api.delete_blocked_time(block.id)
            self._blocks_changed()

    # -- messages ---------------------------------------------------------------------------------

    def _post_approval(self, claim: Claim) -> None:
        view = self._request(claim)
        config = self._config(view.slack_team_id)
        channel = config.approvals_channel
        if channel is None:
            log.warning("time off #%s: no approvals channel is configured; nothing posted", view.id)
            self._complete(claim)
            return
        if self._message(view.slack_team_id, APPROVAL, view.ref, channel) is not None:
            self._complete(claim)  # posted by an earlier attempt that recorded its ts
            return
        lines = self._coverage_lines(view) if view.status == requests.PENDING else []
        try:
            ts = self.notifier.approval_requested(view, lines, channel)
        except ChannelUnavailable as exc:
            self._channel_failed(view.slack_team_id, exc)
            if view.status == requests.PENDING:
                self._ask_approvers_directly(view, lines, exc.error)
            self._complete(claim)
            return
        now = self._clock()
        with session_scope(self._sessions) as session:
            outbox.save_message(
                session, view.slack_team_id, APPROVAL, view.ref, channel, ts, at=now, summary=view.period
            )
            workspace_store.channel_worked(session, view.slack_team_id, channel)
            row = requests.get(session, view.id, slack_team_id=view.slack_team_id)
            if row is not None and row.status != view.status:
                # Decided while we were posting: the message must catch up.
                outbox.enqueue(session, outbox.UPDATE_APPROVAL, request_id=view.id, at=now)
            outbox.complete(session, claim, at=now)

    def _ask_approvers_directly(self, view: TimeOffView, lines: list[str], error: str) -> None:
        """The approvals channel refused `view`: tell the requester, then DM each approver the
        request with its buttons. Each message is recorded once sent, so a retry (an approver
        whose DM failed) sends nobody anything twice."""
        try:
            approvers: list[str] | None = self._approver_users(view)
        except ApiError as exc:
            log.warning("time off #%s: approvers unknown just now: %s", view.id, exc.message or exc)
            approvers = None
        requester = view.requested_by_slack_user_id
        if not self._sent(view.slack_team_id, UNPOSTED, view.ref, requester):
            try:
                self.notifier.approval_unposted(view, error, None if approvers is None else len(approvers))
            except ChannelUnavailable as exc:  # no DM to them either: the approvers are still asked
                log.warning("time off #%s: the requester cannot be told: %s", view.id, exc.error)
            self._mark_sent(view.slack_team_id, UNPOSTED, view.ref, requester, None)
        if approvers is None:
            raise RuntimeError(f"time off #{view.id}: the approvers could not be read; trying again")
        failed: list[str] = []
        for user_id in approvers:
            ref = f"{view.ref}@{user_id}"
            if self._sent(view.slack_team_id, APPROVAL_DM, ref):
                continue
            try:
                posted = self.notifier.approval_requested_dm(view, lines, user_id)
            except Exception as exc:  # noqa: BLE001 - the others still get theirs; this one is retried
                why = type(exc).__name__
                log.warning("time off #%s: DM to approver %s failed: %s", view.id, user_id, why)
                failed.append(user_id)
                continue
            where = posted or PostRef(user_id, "")
            self._mark_sent(view.slack_team_id, APPROVAL_DM, ref, where.channel, where.ts or None)
        if not approvers:
            log.error("time off #%s: the approvals channel refused it and no approver is on Slack", view.id)
        if failed:
            raise RuntimeError(f"time off #{view.id}: DMs to {len(failed)} approver(s) failed; trying again")

    def _approver_users(self, view: TimeOffView) -> list[str]:
        """The Slack users of the active owners and admins: their links, else found by e-mail."""
        users: list[str] = []
        for approver in self._timeoff.approvers(view.slack_team_id):
            found = list(approver.slack_user_ids)
            if not found and approver.email:
                try:
                    user = self.notifier.slack_user_for_email(approver.email)
                except Exception as exc:  # noqa: BLE001 - the others can still be asked
                    log.warning("approver #%s not found on Slack: %s", approver.member_id, type(exc).__name__)
                    user = None
                found = [user] if user else []
            users.extend(user for user in found if user not in users)
        return users

    def _update_approval(self, claim: Claim) -> None:
        view = self._request(claim)
        # Not posted yet: the approval post shows the status it finds, so nothing to edit.
        for posted in self._approval_messages(view):
            try:
                self.notifier.approval_changed(view, posted)
            except ChannelUnavailable as exc:  # gone since: the other copies are still edited
                self._channel_failed(view.slack_team_id, exc)
        self._complete(claim)

    def _notify_decision(self, claim: Claim) -> None:
        view = self._request(claim)
        self.notifier.decision_made(view, view.decided_by_name or "")
        self._complete(claim)

    def _announce_block(self, claim: Claim) -> None:
        view = self._request(claim)
        channel = self._config(view.slack_team_id).team_channel
        if (
            channel is None
            or view.status != requests.APPROVED
            or self._message(view.slack_team_id, TEAM_POST, view.ref, channel)
        ):
            self._complete(claim)
            return
        ts = self.notifier.block_created(view, channel)
        now = self._clock()
        with session_scope(self._sessions) as session:
            outbox.save_message(
                session, view.slack_team_id, TEAM_POST, view.ref, channel, ts, at=now, summary=view.period
            )
            workspace_store.channel_worked(session, view.slack_team_id, channel)
            outbox.complete(session, claim, at=now)

    def _notify_cancelled(self, claim: Claim) -> None:
        view = self._request(claim)
        by = claim.payload.get("cancelled_by_slack_user_id")
        self.notifier.request_cancelled(
            view, self._message(view.slack_team_id, TEAM_POST, view.ref), str(by) if by else None
        )
        self._complete(claim)

    def _send_reminder(self, claim: Claim) -> None:
        view = self._request(claim)
        channel = self._config(view.slack_team_id).approvals_channel
        if channel is not None and view.status == requests.PENDING:
            try:
                self.notifier.reminder(view, channel, self._message(view.slack_team_id, APPROVAL, view.ref))
            except ChannelUnavailable as exc:
                # Recorded for /team settings; the approvers had the request by DM.
                self._channel_failed(view.slack_team_id, exc)
        self._complete(claim)

    def _post_digest(self, claim: Claim) -> None:
        if self._digests is None:
            raise RuntimeError("this worker has no digest service")
        team_id = str(claim.payload.get("slack_team_id", ""))
        day = date.fromisoformat(str(claim.payload["day"]))
        channel = str(claim.payload["channel"])
        digest = self._digests.build(team_id, day)
        ts = self.notifier.digest(channel, digest)
        now = self._clock()
        with session_scope(self._sessions) as session:
            outbox.save_message(session, team_id, DIGEST, day.isoformat(), channel, ts, at=now)
            workspace_store.channel_worked(session, team_id, channel)
            outbox.complete(session, claim, at=now)

    def _notify_failed(self, claim: Claim) -> None:
        view = self._timeoff.view(claim.request_id) if claim.request_id is not None else None
        team_id = view.slack_team_id if view else str(claim.payload.get("slack_team_id", ""))
        channel = self._config(team_id).approvals_channel
        # The notifier tells the requester first; a refusing channel then ends this item
        # (ChannelUnavailable is permanent, and recorded), so nobody is told twice.
        self.notifier.delivery_failed(view, str(claim.payload.get("what", "")), channel)
        self._complete(claim)

    # -- outcomes ---------------------------------------------------------------------------------

    def _attempt_failed(self, claim: Claim, error: BaseException, *, permanent: bool) -> None:
        text = _describe(error)
        now = self._clock()
        give_up = permanent or claim.attempt >= self.policy.max_attempts
        with session_scope(self._sessions) as session:
            if not give_up:
                at = now + self.policy.delay(claim.attempt, self._rng)
                outbox.retry_later(session, claim, at=at, error=text)
                log.warning(
                    "outbox %s #%s attempt %s failed (%s); next at %s",
                    claim.kind,
                    claim.id,
                    claim.attempt,
                    text,
                    at.isoformat(),
                )
                return
            failed = outbox.fail(session, claim, at=now, error=text)
            log.error(
                "outbox %s #%s gave up after %s attempts: %s", claim.kind, claim.id, claim.attempt, text
            )
            # A listener's work tells its user itself (rosterbot.slack.jobs); the others tell the
            # requester and the approvers.
            if failed and claim.kind not in (outbox.NOTIFY_FAILED, outbox.RUN_LISTENER):
                outbox.enqueue(
                    session,
                    outbox.NOTIFY_FAILED,
                    request_id=claim.request_id,
                    payload={
                        "what": self._failure_sentence(claim, error),
                        "slack_team_id": claim.payload.get("slack_team_id", ""),
                    },
                    at=now,
                )

    def _failure_sentence(self, claim: Claim, error: BaseException) -> str:
        if isinstance(error, ApiError):
            why = error.user_message
        elif isinstance(error, ChannelUnavailable):
            why = f"the bot cannot post in that channel ({error.error})"
        else:
            why = "it kept failing"
        what = {
            outbox.CREATE_BLOCKED_TIME: "The approved time off could not be added to the calendar",
            outbox.DELETE_BLOCKED_TIME: "The cancelled time off could not be removed from the calendar",
            outbox.POST_DIGEST: "Today's availability digest could not be posted",
        }.get(claim.kind, f"A Slack message ({claim.kind.replace('_', ' ')}) could not be sent")
        ref = f" for request #{claim.request_id}" if claim.request_id is not None else ""
        return f"{what}{ref}: {why}"

    def _complete(self, claim: Claim) -> None:
        with autocommit_session(self._sessions) as session:  # one statement
            outbox.complete(session, claim, at=self._clock())

    # -- channels -------------------------------------------------------------------------------

    def check_channels(self) -> dict[str, str]:
        """Ask Slack about every configured channel (at start): one WARNING line for each the bot
        cannot post in, stored for `/team settings`. -> channel: Slack's reason."""
        with session_scope(self._sessions) as session:
            named = workspace_store.stored_channels(session)
        defaults = (self._settings.team_channel, self._settings.approvals_channel)
        named.update((workspace_store.DEFAULTS, channel) for channel in defaults if channel)
        workspaces: dict[str, set[str]] = {}  # channel -> the workspaces naming it: asked once
        for team, channel in named:
            workspaces.setdefault(channel, set()).add(team)
        problems: dict[str, str] = {}
        for channel in sorted(workspaces):
            try:
                problem = self.notifier.channel_problem(channel)
            except Exception as exc:  # noqa: BLE001 - a check that cannot run says nothing either way
                log.warning("channel %s could not be checked: %s", channel, type(exc).__name__)
                continue
            with session_scope(self._sessions) as session:
                for team in sorted(workspaces[channel]):
                    if problem is None:
                        workspace_store.channel_worked(session, team, channel)
                    else:
                        workspace_store.channel_failed(session, team, channel, problem, at=self._clock())
            if problem is None:
                continue
            problems[channel] = problem
            log.warning(
                "the bot cannot post in channel %s: %s — invite it or choose another channel",
                channel,
                problem,
            )
        return problems

    def _channel_failed(self, slack_team_id: str, error: ChannelUnavailable) -> None:
        log.warning("the bot cannot post in channel %s: %s", error.channel, error.error)
        with session_scope(self._sessions) as session:
            workspace_store.channel_failed(
                session, slack_team_id, error.channel, error.error, at=self._clock()
            )

    def _workspace_of(self, claim: Claim) -> str:
        """The workspace an item works for: its request's, else the one its payload names."""
        if claim.request_id is not None:
            with session_scope(self._sessions) as session:
                row = requests.get_for_worker(session, claim.request_id)
                if row is not None:
                    return row.slack_team_id
        return str(claim.payload.get("slack_team_id", ""))

    # -- reading ----------------------------------------------------------------------------------

    def _request(self, claim: Claim) -> TimeOffView:
        if claim.request_id is None:
            raise Permanent(f"outbox {claim.kind} #{claim.id} names no request")
        return self._timeoff.view(claim.request_id)

    def _config(self, slack_team_id: str) -> WorkspaceConfig:
        with session_scope(self._sessions) as session:
            return workspace_config(session, self._settings, slack_team_id)

    def _message(self, team: str, kind: str, ref: str, channel: str | None = None) -> PostRef | None:
        with session_scope(self._sessions) as session:
            row = outbox.message(session, team, kind, ref, channel)
            return PostRef(row.channel, row.ts) if row is not None and row.ts else None

    def _approval_messages(self, view: TimeOffView) -> list[PostRef]:
        """The approvals channel's message about `view` and the approvers' DMs of it."""
        with session_scope(self._sessions) as session:
            rows = outbox.messages(session, view.slack_team_id, APPROVAL, view.ref) + outbox.messages(
                session, view.slack_team_id, APPROVAL_DM, f"{view.ref}@", prefix=True
            )
            return [PostRef(row.channel, row.ts) for row in rows if row.ts]

    def _sent(self, team: str, kind: str, ref: str, channel: str | None = None) -> bool:
        with session_scope(self._sessions) as session:
            return outbox.message(session, team, kind, ref, channel) is not None

    def _mark_sent(self, team: str, kind: str, ref: str, channel: str, ts: str | None) -> None:
        with session_scope(self._sessions) as session:
            outbox.save_message(session, team, kind, ref, channel, ts, at=self._clock())

    def _coverage_lines(self, view: TimeOffView) -> list[str]:
        try:
            return self._timeoff.coverage_warning(view)
        except ApiError as exc:
            # The post matters more than the warning: approvers can still check availability.
            log.warning("time off #%s: coverage not checked: %s", view.id, exc.message or type(exc).__name__)
            return ["Coverage could not be checked just now; see /availability."]


def _describe(error: BaseException) -> str:
    if isinstance(error, ApiError):
        detail = error.message or error.user_message
        status = f" {error.status}" if error.status else ""
        return f"{type(error).__name__}{status}: {detail}"
    return f"{type(error).__name__}: {error}"
