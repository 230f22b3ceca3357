"""Posting to a channel for someone (`/availability ... #channel`): only where they could post
themselves, and the same message to the same channel once a minute.

The bot is in channels its users are not (#approvals, private ones): without the first rule a staff
member could make it post the team's blocked hours there. Without the second, 100 identical
commands made 100 identical posts. Which channels a user is in is Slack's to say: the Slack layer
sets `user_channels` (users.conversations); without it nobody may post. The claim of a post is a
row in `slack_deliveries`, so it holds across processes; a post that failed gives it back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.domain.permissions import Operation, check
from rosterbot.domain.roles import Actor
from rosterbot.services.errors import NotInChannel, NotLinked, PermissionDenied
from rosterbot.store import deliveries
from rosterbot.store.db import session_scope, utcnow

NOT_IN_CHANNEL = "You can only post availability to a channel you are in."
REPEAT_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Channel:
    id: str
    name: str


# (Slack team id, Slack user id) -> the channels the user is in (that the bot can see)
UserChannels = Callable[[str, str], list[Channel]]


class ChannelPosts:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        user_channels: UserChannels | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
        window: timedelta = REPEAT_WINDOW,
    ) -> None:
        self.user_channels = user_channels
        self._session_factory = session_factory
        self._now = now
        self._window = window

    def channel_for(self, actor: Actor, ref: str) -> Channel:
        """The channel `ref` names (an id, or "#name") when the actor may post there: a linked
        member who is in it. `NotInChannel` otherwise: a channel that does not exist, or a private
        one the bot is not in, is not among the user's channels either."""
        if not actor.is_linked:
            raise NotLinked()
        decision = check(actor.role, Operation.VIEW)
        if not decision.allowed:
            raise PermissionDenied(decision.required_role, decision.reason)
        if self.user_channels is None:
            raise NotInChannel(NOT_IN_CHANNEL)
        name = ref.removeprefix("#") if ref.startswith("#") else None
        for channel in self.user_channels(actor.slack_team_id, actor.slack_user_id):
            if channel.id == ref or (name is not None and channel.name == name):
                return channel
        raise NotInChannel(NOT_IN_CHANNEL)

    def claim(self, actor: Actor, channel: Channel, content: Any) -> bool:
        """True: post `content` (JSON-able) to `channel` now. False: the same was posted there
        (by anyone) less than a minute ago, or is being posted."""
        since = self._now() - self._window
        with session_scope(self._session_factory) as session:
            return deliveries.claim_since(session, _key(actor, channel, content), since, at=self._now())

    def release(self, actor: Actor, channel: Channel, content: Any) -> None:
        """The post failed: the same may be tried again at once."""
        with session_scope(self._session_factory) as session:
            deliveries.release(session, _key(actor, channel, content))


def _key(actor: Actor, channel: Channel, content: Any) -> str:
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return f"post:{actor.slack_team_id}:{channel.id}:{digest[:40]}"
