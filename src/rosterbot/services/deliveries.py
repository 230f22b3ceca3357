"""Slack deliveries handled once (a retried event, a form submitted twice): the first claim of a
delivery's key wins, across processes, because the claim is a row in `slack_deliveries`.

The Slack layer says what makes two deliveries the same (`slack.middleware.delivery_key`); keeping
the claim here keeps it out of the database.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.store import deliveries
from rosterbot.store.db import session_scope


class DeliveryClaims:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def claim(self, key: str) -> bool:
        """True for the first claim of `key` (committed before this returns); False for a repeat."""
        with session_scope(self._session_factory) as session:
            return deliveries.claim(session, key)
