"""The workspace's settings as owners and admins set them from Slack: the team and approvals
channels, the time zone, the digest time and the minimum number of available members per position.

What is stored wins over the environment's defaults (`ROSTERBOT_TEAM_CHANNEL`, ...), as
`services.workspace_config.workspace_config` reads them. Anyone linked may see the settings; a change
re-reads the actor's role, needs `Operation.CONFIGURE` (admin or owner), is checked field by field
(`InvalidRequest` keyed by the form's input ids) and is audited.

Settings name things that exist: a channel is asked of Slack (`channel_lookup`, set by the Slack
layer: conversations.info) before it is saved, and must be one the bot is in; a time zone is an
IANA Area/Location name; a minimum goes with its position (deleting the position through rosterbot
drops it; one whose position went another way shows as removed, and can only be cleared).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.models import Position
from rosterbot.config import Settings
from rosterbot.domain.permissions import Operation
from rosterbot.domain.roles import Actor
from rosterbot.services.audit import Auditor
from rosterbot.services.errors import InvalidRequest
from rosterbot.services.identity import IdentityService
from rosterbot.services.positions import PositionService
from rosterbot.services.workspace_config import WorkspaceZones, workspace_config
from rosterbot.store import workspace as workspace_store
from rosterbot.store.db import session_scope

MINIMUM_MAX = 50
# A public (C…) or private (G…) channel id, as conversations_select gives them.
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,30}$")
TARGET = "workspace settings"

# Field names: also the settings form's input block ids (InvalidRequest.field_errors keys).
TEAM_CHANNEL = "team_channel"
APPROVALS_CHANNEL = "approvals_channel"
TIMEZONE = "timezone"
DIGEST_TIME = "digest_time"
MINIMUM_PREFIX = "minimum_"  # + the position id: "minimum_3"

REMOVED_POSITION = "(removed position)"
REMOVED_MINIMUM_ERROR = "That position was removed: leave it empty to clear its minimum."
# The areas of IANA's Area/Location names (tzdata's own regions); "UTC" is allowed besides, as the
# default. Everything else the zone database holds is refused: the server's own zone (`localtime`),
# `Factory` (shown as "-00"), `posixrules`, `posix/…`, `Etc/…`, and old aliases like `US/Eastern`.
ZONE_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic"}
    | {"Australia", "Europe", "Indian", "Pacific"}
)


def minimum_field(position_id: int | str) -> str:
    return f"{MINIMUM_PREFIX}{position_id}"


@dataclass(frozen=True)
class PositionMinimum:
    position_id: int
    title: str
    minimum: int | None  # None: no minimum
    removed: bool = False  # the position is gone (title: REMOVED_POSITION): the minimum can only go


@dataclass(frozen=True)
class ChannelStatus:
    """What Slack says of a channel the bot can see (conversations.info)."""

    name: str
    is_member: bool  # the bot is in it, so it can post there
    is_archived: bool = False


# channel id -> its status; None: Slack knows no such channel (or a private one the bot is not in)
ChannelLookup = Callable[[str], "ChannelStatus | None"]


@dataclass(frozen=True)
class Change:
    """One setting changed: `field` (a field name above), a `label` for people, the values before
    and after as stored (a channel id, a zone name, "08:30", a number; None: not set)."""

    field: str
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class WorkspaceView:
    """The effective settings: stored over the environment's defaults. `defaults`: the fields that
    come from the environment (nothing stored). `minimums`: one per position, by title."""

    slack_team_id: str
    team_channel: str | None
    approvals_channel: str | None
    timezone: str
    digest_time: time
    minimums: list[PositionMinimum]
    defaults: frozenset[str] = frozenset()
    changes: tuple[Change, ...] = ()  # what an update changed (empty for `show`)
    # channel id -> Slack's reason the bot's last post there failed (cleared by the next success)
    channel_problems: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkspaceChanges:
    """What to change; None leaves a setting as it is. `coverage_minimums`: position id -> minimum
    (None or 0: no minimum); positions not named keep theirs."""

    team_channel: str | None = None
    approvals_channel: str | None = None
    timezone: str | None = None
    digest_time: time | None = None
    coverage_minimums: Mapping[int, int | None] = field(default_factory=dict)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the zone database: once per process


def known_zone(name: str) -> bool:
    """An IANA Area/Location name the zone database holds (Europe/Berlin, America/Argentina/Salta),
    or UTC. Exact: Slack users see it as typed."""
    if name == "UTC":
        return True
    area, _, location = name.partition("/")
    return area in ZONE_AREAS and bool(location) and name in _zone_names()


def zone_error(name: str) -> str:
    shown = name if len(name) <= 64 else name[:63] + "…"
    return f"Unknown time zone '{shown}'. Use a name like Europe/Berlin."


def is_wall_minute(value: time) -> bool:
    """A digest time is HH:MM on the local clock: Slack's time picker sends no seconds and no
    offset, and one with seconds (23:59:59.999999) could fall where no worker pass sees it."""
    return value.second == 0 and value.microsecond == 0 and value.tzinfo is None


def channel_error(status: ChannelStatus | None) -> str | None:
    """Why the bot could not post in a channel Slack describes so; None when it can."""
    if status is None:
        return "I can't see that channel. If it is private, type /invite @rosterbot there, then save again."
    name = status.name if len(status.name) <= 80 else status.name[:79] + "…"
    if status.is_archived:
        return f"#{name} is archived: choose another channel."
    if not status.is_member:
        return f"I'm not in #{name} yet: type /invite @rosterbot there, then save again."
    return None


def validate(changes: WorkspaceChanges) -> dict[str, str]:
    """Sentences about what is wrong, keyed by field name; empty when all is well. Pure, so the
    form is answered before it is acked."""
    errors: dict[str, str] = {}
    for name, channel in (
        (TEAM_CHANNEL, changes.team_channel),
        (APPROVALS_CHANNEL, changes.approvals_channel),
    ):
        if channel is not None and not _CHANNEL.match(channel):
            errors[name] = "Choose a channel."
    if changes.timezone is not None and not known_zone(changes.timezone):
        errors[TIMEZONE] = zone_error(changes.timezone)
    if changes.digest_time is not None and not is_wall_minute(changes.digest_time):
        errors[DIGEST_TIME] = "Choose a time in hours and minutes, like 08:30."
    for position_id, minimum in changes.coverage_minimums.items():
        if minimum is None:
            continue
        if isinstance(minimum, bool) or not isinstance(minimum, int) or not 0 <= minimum <= MINIMUM_MAX:
            errors[minimum_field(position_id)] = (
                f"Enter a whole number from 0 to {MINIMUM_MAX}, or leave it empty."
            )
    return errors


class WorkspaceService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        identity: IdentityService,
        auditor: Auditor,
        positions: PositionService,
        settings: Settings,
        zones: WorkspaceZones | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._zones = zones
        self.identity = identity
        self.auditor = auditor
        self.positions = positions
        self.settings = settings
        # Set by the Slack layer (conversations.info); without it channels are saved unchecked.
        self.channel_lookup: ChannelLookup | None = None

    def show(self, actor: Actor, team_id: str) -> WorkspaceView:
        """The settings in effect for the actor's workspace `team_id` (anyone linked may see them)."""
        self.auditor.require(actor, Operation.VIEW, audit=False)
        self.auditor.require_own_workspace(actor, team_id, Operation.VIEW, audit=False)
        return self._view(team_id, self.positions.list(actor))

    def update(self, actor: Actor, team_id: str, changes: WorkspaceChanges) -> WorkspaceView:
        """Change the settings (admin or owner, by the role read just now); the view afterwards,
        with `changes` listing what changed (nothing changed: nothing is written)."""
        fresh = self.identity.actor_for_write(actor)
        self.auditor.require(fresh, Operation.CONFIGURE, target=TARGET)
        self.auditor.require_own_workspace(fresh, team_id, Operation.CONFIGURE)
        positions = self.positions.list(fresh)
        titles = {p.id: p.title for p in positions}
        before = self._view(team_id, positions)
        errors = self._errors(changes, before, positions)
        if errors:
            raise InvalidRequest(errors)
        found = _changes(before, changes, titles)
        if not found:
            return before

        def save() -> None:
            with session_scope(self._session_factory) as session:
                row = workspace_store.get(session, team_id)
                stored = {str(k): int(v) for k, v in ((row.coverage_minimums if row else None) or {}).items()}
                for position_id, minimum in changes.coverage_minimums.items():
                    if minimum:
                        stored[str(position_id)] = minimum
                    else:
                        stored.pop(str(position_id), None)
                workspace_store.save(
                    session,
                    team_id,
                    **_stored_fields(changes),
                    coverage_minimums=stored,
                )

        detail = "; ".join(f"{c.field}: {c.before or '-'} -> {c.after or '-'}" for c in found)
        self.auditor.perform(fresh, Operation.CONFIGURE, save, target=TARGET, detail=detail[:1000])
        if self._zones is not None:
            self._zones.forget(team_id)
        after = self._view(team_id, positions)
        return replace(after, changes=tuple(found))

    def _errors(
        self, changes: WorkspaceChanges, before: WorkspaceView, positions: list[Position]
    ) -> dict[str, str]:
        errors = validate(changes)
        titles = {p.id for p in positions}
        current = {m.position_id: m.minimum for m in before.minimums}
        for position_id, minimum in changes.coverage_minimums.items():
            # A removed position's minimum may be kept as it is, or cleared: nothing else.
            if position_id not in titles and minimum and minimum != current.get(position_id):
                errors.setdefault(minimum_field(position_id), REMOVED_MINIMUM_ERROR)
        for name, new, old in (
            (TEAM_CHANNEL, changes.team_channel, before.team_channel),
            (APPROVALS_CHANNEL, changes.approvals_channel, before.approvals_channel),
        ):
            if new is None or new == old or name in errors or self.channel_lookup is None:
                continue
            if problem := channel_error(self.channel_lookup(new)):
                errors[name] = problem
        return errors

    def _view(self, team_id: str, positions: list[Position]) -> WorkspaceView:
        with session_scope(self._session_factory) as session:
            config = workspace_config(session, self.settings, team_id)
            row = workspace_store.get(session, team_id)
            problems = workspace_store.channel_problems(
                session, team_id, (config.team_channel, config.approvals_channel)
            )
            stored = {
                TEAM_CHANNEL: row.team_channel if row else None,
                APPROVALS_CHANNEL: row.approvals_channel if row else None,
                TIMEZONE: row.timezone if row else None,
                DIGEST_TIME: row.digest_time if row else None,
            }
        minimums = [
            PositionMinimum(p.id, p.title, config.coverage_minimums.get(str(p.id)) or None) for p in positions
        ]
        known = {str(p.id) for p in positions}
        gone = [
            int(key)
            for key, minimum in config.coverage_minimums.items()
            if key not in known and key.isascii() and key.isdigit() and minimum > 0
        ]
        minimums.extend(
            PositionMinimum(key, REMOVED_POSITION, config.coverage_minimums[str(key)], removed=True)
            for key in sorted(gone)
        )
        return WorkspaceView(
            slack_team_id=team_id,
            team_channel=config.team_channel,
            approvals_channel=config.approvals_channel,
            timezone=config.zone.key,
            digest_time=config.digest_time,
            minimums=minimums,
            defaults=frozenset(name for name, value in stored.items() if value is None),
            channel_problems=problems,
        )


def _stored_fields(changes: WorkspaceChanges) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in (TEAM_CHANNEL, APPROVALS_CHANNEL, TIMEZONE, DIGEST_TIME):
        value = getattr(changes, name)
        if value is not None:
            fields[name] = value
    return fields


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _changes(before: WorkspaceView, changes: WorkspaceChanges, titles: Mapping[int, str]) -> list[Change]:
    found: list[Change] = []
    simple = (
        (TEAM_CHANNEL, "Team channel", before.team_channel, changes.team_channel),
        (APPROVALS_CHANNEL, "Approvals channel", before.approvals_channel, changes.approvals_channel),
        (TIMEZONE, "Time zone", before.timezone, changes.timezone),
    )
    for name, label, old, new in simple:
        if new is not None and new != old:
            found.append(Change(name, label, old, new))
    if changes.digest_time is not None and changes.digest_time.replace(second=0, microsecond=0) != (
        before.digest_time.replace(second=0, microsecond=0)
    ):
        found.append(
            Change(DIGEST_TIME, "Digest time", _clock(before.digest_time), _clock(changes.digest_time))
        )
    current = {m.position_id: m.minimum for m in before.minimums}
    for position_id, minimum in changes.coverage_minimums.items():
        old_minimum, new_minimum = current.get(position_id) or None, minimum or None
        if old_minimum != new_minimum:
            found.append(
                Change(
                    minimum_field(position_id),
                    f"Minimum {titles.get(position_id, REMOVED_POSITION)}",
                    None if old_minimum is None else str(old_minimum),
                    None if new_minimum is None else str(new_minimum),
                )
            )
    return found
