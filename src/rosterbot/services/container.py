"""All services, built once per process from the settings, the API client and the database.

To add a service: give `Services` a field and build it in `build_services` from what is there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.client import BusinessApi
from rosterbot.config import Settings
from rosterbot.services.audit import Auditor
from rosterbot.services.availability import AvailabilityService
from rosterbot.services.calendar_feed import CalendarFeed
from rosterbot.services.channel_posts import ChannelPosts
from rosterbot.services.deliveries import DeliveryClaims
from rosterbot.services.digest import DigestService
from rosterbot.services.identity import CACHE_TTL, IdentityService, LookupEmail
from rosterbot.services.jobs import JobQueue
from rosterbot.services.leave import LeaveService
from rosterbot.services.notify import Notifier
from rosterbot.services.outbox import OutboxDelivery
from rosterbot.services.positions import PositionService
from rosterbot.services.single_flight import SharedReads
from rosterbot.services.team import TeamService
from rosterbot.services.throttle import CommandThrottle
from rosterbot.services.timeoff import TimeOffService
from rosterbot.services.workspace import WorkspaceService
from rosterbot.services.workspace_config import WorkspaceZones
from rosterbot.store.db import utcnow


@dataclass
class Services:
    settings: Settings
    api: BusinessApi
    session_factory: sessionmaker[Session]
    auditor: Auditor
    identity: IdentityService
    team: TeamService
    positions: PositionService
    availability: AvailabilityService
    timeoff: TimeOffService
    digests: DigestService
    workspace: WorkspaceService
    leave: LeaveService  # leave types, allowances, closed days, balances
    calendar_feed: CalendarFeed  # the team's time off at a secret .ics address
    reads: SharedReads  # the team and availability reads, shared for a few seconds
    throttle: CommandThrottle  # each user's share of commands, taken before any API call
    channel_posts: ChannelPosts  # who may make the bot post where, and no repeats
    deliveries: DeliveryClaims  # a Slack delivery that comes again is handled once
    jobs: JobQueue  # a Slack listener's lazy work, stored before the ack
    # Only where something can tell people (the worker): delivering needs a notifier.
    outbox: OutboxDelivery | None = None


def build_services(
    settings: Settings,
    api: BusinessApi,
    session_factory: sessionmaker[Session],
    *,
    lookup_email: LookupEmail | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = utcnow,
    cache_ttl: float = CACHE_TTL,
    notifier: Notifier | None = None,
) -> Services:
    """`lookup_email` may also be set later: `services.identity.lookup_email = ...`.
    `notifier`: how the outbox tells people (the Slack half); without one there is no outbox delivery."""
    auditor = Auditor(session_factory, now)
    reads = SharedReads(api, ttl=settings.read_cache_seconds, clock=clock)
    identity = IdentityService(
        api, session_factory, lookup_email, clock, auditor=auditor, cache_ttl=cache_ttl, now=now, reads=reads
    )

    zones = WorkspaceZones(session_factory, settings)
    availability = AvailabilityService(reads, session_factory, zones, clock=clock)
    leave = LeaveService(api, session_factory, identity, auditor, settings, clock=now)
    availability.days_off = leave.days_off  # /availability marks holidays and closed days
    timeoff = TimeOffService(
        api,
        session_factory,
        identity,
        settings,
        availability=availability,
        clock=now,
        auditor=auditor,
        zones=zones,
        leave=leave,
    )
    digests = DigestService(session_factory, settings, availability, clock=now)
    outbox = (
        OutboxDelivery(
            api, session_factory, notifier, settings, timeoff, digests, clock=now, blocks_changed=reads.forget
        )
        if notifier is not None
        else None
    )
    positions = PositionService(
        api, identity, session_factory, auditor, default_salon_ids=[settings.company_id]
    )
    return Services(
        settings=settings,
        api=api,
        session_factory=session_factory,
        auditor=auditor,
        identity=identity,
        team=TeamService(api, identity, session_factory, auditor, reads=reads),
        positions=positions,
        availability=availability,
        timeoff=timeoff,
        digests=digests,
        workspace=WorkspaceService(session_factory, identity, auditor, positions, settings, zones),
        leave=leave,
        calendar_feed=CalendarFeed(api, session_factory, identity, auditor, settings, clock=now),
        reads=reads,
        throttle=CommandThrottle.from_settings(settings, clock),
        channel_posts=ChannelPosts(session_factory, now=now),
        deliveries=DeliveryClaims(session_factory),
        jobs=JobQueue(session_factory, clock=now),
        outbox=outbox,
    )
