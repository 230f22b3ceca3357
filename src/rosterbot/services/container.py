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
from rosterbot.services.identity import CACHE_TTL, IdentityService, LookupEmail
from rosterbot.services.positions import PositionService
from rosterbot.services.team import TeamService
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


def build_services(
    settings: Settings,
    api: BusinessApi,
    session_factory: sessionmaker[Session],
    *,
    lookup_email: LookupEmail | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = utcnow,
    cache_ttl: float = CACHE_TTL,
) -> Services:
    """`lookup_email` may also be set later: `services.identity.lookup_email = ...`."""
    auditor = Auditor(session_factory, now)
    identity = IdentityService(
        api, session_factory, lookup_email, clock, auditor=auditor, cache_ttl=cache_ttl, now=now
    )
    return Services(
        settings=settings,
        api=api,
        session_factory=session_factory,
        auditor=auditor,
        identity=identity,
        team=TeamService(api, identity, session_factory, auditor),
        positions=PositionService(
            api, identity, session_factory, auditor, default_salon_ids=[settings.company_id]
        ),
    )
