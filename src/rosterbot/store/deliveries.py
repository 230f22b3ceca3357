"""Slack deliveries already handled (`slack_deliveries`): a retry or a double click is done once.
Also a channel post already made (`services.channel_posts`): the same one is not repeated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from rosterbot.store.db import insert_or_ignore, utcnow
from rosterbot.store.models import SlackDelivery


def claim(session: Session, key: str, *, at: datetime | None = None) -> bool:
    """True for the first claim of `key`; False when it was already claimed.

    The primary key decides, so two processes racing on one key get one True between them. Commit
    the session right after a True: the claim holds from then on.
    """
    return insert_or_ignore(session, SlackDelivery, {"key": key[:200], "received_at": at or utcnow()})


def claim_since(session: Session, key: str, since: datetime, *, at: datetime | None = None) -> bool:
    """`claim`, where a claim of `key` made before `since` no longer counts (it is replaced)."""
    session.execute(
        delete(SlackDelivery).where(SlackDelivery.key == key[:200], SlackDelivery.received_at < since)
    )
    return claim(session, key, at=at)


def release(session: Session, key: str) -> None:
    """Give a claim back (the work failed and a retry should do it)."""
    session.execute(delete(SlackDelivery).where(SlackDelivery.key == key[:200]))


def prune(session: Session, older_than: datetime) -> int:
    """Forget claims received before `older_than` (Slack stops retrying after minutes)."""
    result = session.execute(delete(SlackDelivery).where(SlackDelivery.received_at < older_than))
    return int(result.rowcount)  # type: ignore[attr-defined]
