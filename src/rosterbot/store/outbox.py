"""The job queue (`outbox`) and the messages it posted (`posted_messages`).

Everything done after a Slack request is acknowledged is an item here: a listener's lazy work
(`RUN_LISTENER`, stored before the ack goes out), a blocked time to create, a message to post,
a reminder, the daily digest. An item is written in the same transaction as the change that calls
for it, so the work it stands for is never lost. Delivering it takes three short transactions:
claim, (work outside any transaction), record the outcome.

Claiming moves `next_attempt_at` to the end of a lease and counts the attempt; the item stays
`pending`. Two workers never hold the same item: on PostgreSQL the candidates are read with
`SELECT ... FOR UPDATE SKIP LOCKED`, on SQLite the claim is a conditional UPDATE (writes there are
serialised, and the loser's WHERE no longer matches). A worker that dies mid-delivery leaves the
item pending: it is claimed again when the lease runs out. `attempts` doubles as a fencing token:
the outcome is recorded only if nobody has claimed the item since.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Executable, Table, Update, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from rosterbot.store.db import insert_or_ignore
from rosterbot.store.models import OutboxItem, PostedMessage
from rosterbot.store.timeoff import as_utc

PENDING = "pending"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"  # superseded before it was delivered (a create for a request cancelled since)

# Kinds. Each Slack message is its own kind, so a Slack failure is retried without redoing API work.
POST_APPROVAL = "post_approval"  # the request, with Approve/Deny, to the approvals channel
UPDATE_APPROVAL = "update_approval"  # edit that message after a decision or cancellation
CREATE_BLOCKED_TIME = "create_blocked_time"  # the approved time off into the business API
DELETE_BLOCKED_TIME = "delete_blocked_time"  # a cancelled one out of it
NOTIFY_DECISION = "notify_decision"  # DM the requester: approved (once the block exists) or denied
ANNOUNCE_BLOCK = "announce_block"  # tell the team channel, once the block exists
NOTIFY_CANCELLED = "notify_cancelled"  # edit the team channel post, tell the member
SEND_REMINDER = "send_reminder"  # a request waiting too long for a decision
POST_DIGEST = "post_digest"  # the daily availability digest
NOTIFY_FAILED = "notify_failed"  # an item gave up: tell the requester and the approvers
RUN_LISTENER = "run_listener"  # a Slack listener's lazy work: the verified request, run again lazy-only

KINDS = (
    POST_APPROVAL,
    UPDATE_APPROVAL,
    CREATE_BLOCKED_TIME,
    DELETE_BLOCKED_TIME,
    NOTIFY_DECISION,
    ANNOUNCE_BLOCK,
    NOTIFY_CANCELLED,
    SEND_REMINDER,
    POST_DIGEST,
    NOTIFY_FAILED,
    RUN_LISTENER,
)

# The table as Core sees it: the statements the worker runs for every job are built once from it.
_TABLE = cast(Table, OutboxItem.__table__)

# PostgreSQL's NOTIFY channel: a worker waiting in LISTEN wakes when an item is written.
WAKE_CHANNEL = "rosterbot_jobs"


@dataclass(frozen=True)
class Claim:
    """An item this worker holds until `lease_until`; `attempt` is its attempt number (from 1)."""

    id: int
    kind: str
    request_id: int | None
    payload: dict[str, Any]
    attempt: int
    lease_until: datetime


def enqueue(
    session: Session,
    kind: str,
    *,
    at: datetime,
    request_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Write an item due at `at`; its id. (One INSERT: a listener's work is stored on the ack path.)"""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    at = as_utc(at)
    params = {"new_kind": kind, "for_request": request_id, "new_payload": dict(payload or {}), "due_at": at}
    return int(session.execute(_enqueue_statement(session.get_bind().dialect.name), params).scalar_one())


@functools.cache
def _enqueue_statement(dialect: str) -> Executable:
    """INSERT an item RETURNING its id; built once (it runs on every ack path). On PostgreSQL
    with a NOTIFY in the same statement, sent when the transaction commits (and only then): a
    listening worker claims the item at once."""
    table = _TABLE
    stored = (
        insert(table)
        .values(
            kind=bindparam("new_kind"),
            request_id=bindparam("for_request"),
            payload=bindparam("new_payload", type_=table.c.payload.type),
            status=PENDING,
            attempts=0,
            next_attempt_at=bindparam("due_at"),
            created_at=bindparam("due_at"),
        )
        .returning(table.c.id)
    )
    if dialect != "postgresql":
        return stored
    job = stored.cte("job")
    return select(job.c.id, func.pg_notify(WAKE_CHANNEL, "")).select_from(job)


def claim_due(
    session: Session,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    kinds: Iterable[str] | None = None,
    item_id: int | None = None,
) -> list[Claim]:
    """Claim up to `limit` due items (of `kinds`, or only item `item_id`), the longest waiting
    first: one statement. Commit right after."""
    params = {"now": as_utc(now), "lease_until": as_utc(lease_until), "limit": limit}
    if kinds is not None:
        params["kinds"] = list(kinds)
    if item_id is not None:
        params["item_id"] = item_id
    statement = _claim_statement(session.get_bind().dialect.name, kinds is not None, item_id is not None)
    rows = session.execute(statement, params).all()
    return [
        Claim(row.id, row.kind, row.request_id, dict(row.payload or {}), row.attempts, as_utc(lease_until))
        for row in sorted(rows, key=lambda row: row.id)
    ]


@functools.cache
def _claim_statement(dialect: str, by_kind: bool, by_id: bool) -> Update:
    """UPDATE the due items' lease and attempt, RETURNING them. Built once per shape, so that the
    worker's hot path does not build and hash a statement per claim.

    On PostgreSQL the candidates are locked with `FOR UPDATE SKIP LOCKED` in a materialized CTE
    (read once), and the UPDATE checks again that each is pending and due: an item another worker
    claimed and committed meanwhile is re-read by PostgreSQL before it is updated, and then no
    longer matches. On SQLite writes are serialised, so the statement is alone."""
    table = _TABLE
    due = table.c.status == PENDING, table.c.next_attempt_at <= bindparam("now")
    candidates = select(table.c.id).where(*due)
    if by_kind:
        candidates = candidates.where(table.c.kind.in_(bindparam("kinds", expanding=True)))
    if by_id:
        candidates = candidates.where(table.c.id == bindparam("item_id"))
    candidates = candidates.order_by(table.c.next_attempt_at, table.c.id).limit(bindparam("limit"))
    claimed = update(table).values(attempts=table.c.attempts + 1, next_attempt_at=bindparam("lease_until"))
    if dialect == "postgresql":
        locked = candidates.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        claimed = claimed.where(table.c.id == locked.c.id, *due)
    else:
        claimed = claimed.where(table.c.id.in_(candidates.scalar_subquery()), *due)
    columns = table.c
    return claimed.returning(columns.id, columns.kind, columns.request_id, columns.payload, columns.attempts)


def extend_leases(session: Session, claims: Iterable[Claim], *, until: datetime) -> int:
    """Keep holding `claims` (work still running) until `until`; returns how many are still ours."""
    held = 0
    for claim in claims:
        result = session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id == claim.id,
                OutboxItem.status == PENDING,
                OutboxItem.attempts == claim.attempt,
            )
            .values(next_attempt_at=as_utc(until))
            .execution_options(synchronize_session=False)
        )
        held += int(result.rowcount)  # type: ignore[attr-defined]
    return held


def record_step(session: Session, claim: Claim, key: str, value: Any) -> bool:
    """Remember in the item that a step of its work is done (`payload["steps"][key]`), so that a
    later attempt does not do it again; False when another worker has claimed the item since."""
    row = session.get(OutboxItem, claim.id)
    if row is None or row.status != PENDING or row.attempts != claim.attempt:
        return False
    payload = dict(row.payload or {})
    payload["steps"] = {**(payload.get("steps") or {}), key: value}
    row.payload = payload
    session.flush()
    return True


def next_due(session: Session, kinds: Iterable[str]) -> datetime | None:
    """When the earliest pending item of `kinds` is due (None: nothing pending)."""
    found = session.scalar(
        select(OutboxItem.next_attempt_at)
        .where(OutboxItem.status == PENDING, OutboxItem.kind.in_(list(kinds)))
        .order_by(OutboxItem.next_attempt_at)
        .limit(1)
    )
    return as_utc(found) if found is not None else None


def complete(session: Session, claim: Claim, *, at: datetime) -> bool:
    """Mark the item done; False when another worker has claimed it since (or it was cancelled)."""
    params = {"item_id": claim.id, "attempt": claim.attempt, "finished_at": as_utc(at)}
    return bool(session.execute(_COMPLETE, params).rowcount)  # type: ignore[attr-defined]


def retry_later(session: Session, claim: Claim, *, at: datetime, error: str) -> bool:
    """Leave the item pending until `at`, noting why this attempt failed."""
    return _finish(session, claim, status=PENDING, next_attempt_at=as_utc(at), last_error=error[:2000])


def fail(session: Session, claim: Claim, *, at: datetime, error: str) -> bool:
    """Give up on the item (too many attempts, or an error no retry can fix)."""
    return _finish(session, claim, status=FAILED, done_at=as_utc(at), last_error=error[:2000])


def cancel_for_request(session: Session, request_id: int, kinds: Iterable[str], *, at: datetime) -> int:
    """Cancel a request's pending items of `kinds`. One being delivered right now is cancelled too:
    its outcome is then not recorded (see `complete`), and its delivery must cope (outbox service)."""
    result = session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.request_id == request_id,
            OutboxItem.kind.in_(list(kinds)),
            OutboxItem.status == PENDING,
        )
        .values(status=CANCELLED, done_at=as_utc(at))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def items(
    session: Session,
    *,
    request_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[OutboxItem]:
    """Items in the order they were written (for inspection and tests)."""
    query = select(OutboxItem)
    if request_id is not None:
        query = query.where(OutboxItem.request_id == request_id)
    if kind is not None:
        query = query.where(OutboxItem.kind == kind)
    if status is not None:
        query = query.where(OutboxItem.status == status)
    return list(session.scalars(query.order_by(OutboxItem.id).execution_options(populate_existing=True)))


# Built once: every job ends with it (see `_claim_statement`).
_COMPLETE = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("item_id"),
        _TABLE.c.status == PENDING,
        _TABLE.c.attempts == bindparam("attempt"),
    )
    .values(status=DONE, done_at=bindparam("finished_at"), last_error=None)
)


def _finish(session: Session, claim: Claim, **values: Any) -> bool:
    result = session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == claim.id, OutboxItem.status == PENDING, OutboxItem.attempts == claim.attempt)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -- posted messages --------------------------------------------------------------------------------


def claim_message(
    session: Session, slack_team_id: str, kind: str, ref: str, channel: str, *, at: datetime
) -> bool:
    """Insert the workspace's (kind, ref, channel) row with no ts yet; False when it exists already.
    The unique constraint decides between racing workers: this is how one digest a day is claimed."""
    values = {"slack_team_id": slack_team_id, "kind": kind, "ref": ref, "channel": channel}
    return insert_or_ignore(
        session, PostedMessage, {**values, "ts": None, "summary": "", "posted_at": as_utc(at)}
    )


def message(
    session: Session, slack_team_id: str, kind: str, ref: str, channel: str | None = None
) -> PostedMessage | None:
    """The message the workspace posted for (kind, ref) — in `channel`, or in any channel."""
    query = select(PostedMessage).where(
        PostedMessage.slack_team_id == slack_team_id, PostedMessage.kind == kind, PostedMessage.ref == ref
    )
    if channel is not None:
        query = query.where(PostedMessage.channel == channel)
    return session.scalars(query.order_by(PostedMessage.id).limit(1)).first()


def messages(
    session: Session, slack_team_id: str, kind: str, ref: str, *, prefix: bool = False
) -> list[PostedMessage]:
    """Every message the workspace posted for (kind, ref), or for every ref starting with `ref`
    (`prefix`)."""
    match = PostedMessage.ref.startswith(ref, autoescape=True) if prefix else PostedMessage.ref == ref
    query = select(PostedMessage).where(
        PostedMessage.slack_team_id == slack_team_id, PostedMessage.kind == kind, match
    )
    return list(session.scalars(query.order_by(PostedMessage.id)))


def save_message(
    session: Session,
    slack_team_id: str,
    kind: str,
    ref: str,
    channel: str,
    ts: str | None,
    *,
    at: datetime,
    summary: str = "",
) -> None:
    """Remember where the workspace's message went (its ts), so later changes edit it."""
    row = message(session, slack_team_id, kind, ref, channel)
    if row is None:
        session.add(
            PostedMessage(
                slack_team_id=slack_team_id,
                kind=kind,
                ref=ref,
                channel=channel,
                ts=ts,
                summary=summary,
                posted_at=as_utc(at),
            )
        )
    else:
        row.ts = ts
        row.summary = summary or row.summary
        row.posted_at = as_utc(at)
    session.flush()
