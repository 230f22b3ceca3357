"""The team's time off as an iCalendar feed at a secret address (`/calendar/<token>.ics`): approved
time off of the leave year (all day on the business's local dates; part days with their times and
zone), and its public holidays and closed days. Generated with `icalendar`.

The token is the only key: it is long and random (`secrets.token_urlsafe`), compared with every
workspace's in constant time, and replaced on request (the old address is refused at once). A
reason reaches the feed only when its leave type shows reasons to the team.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.api.errors import ApiError
from rosterbot.config import Settings
from rosterbot.domain.dates import local_instant
from rosterbot.domain.permissions import Operation
from rosterbot.domain.roles import Actor
from rosterbot.services.audit import Auditor
from rosterbot.services.leave import days_off_in, policy_of
from rosterbot.services.member_names import TeamApi
from rosterbot.services.timeoff import Clock, FreshRoles, utc_clock
from rosterbot.services.workspace_config import workspace_config
from rosterbot.store import leave as leave_store
from rosterbot.store import timeoff as requests
from rosterbot.store.db import session_scope
from rosterbot.store.models import LeaveSettings, TimeOffRequest

if TYPE_CHECKING:
    from icalendar import Calendar, Event

TOKEN_BYTES = 32  # 43 URL-safe characters
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
PATH = "/calendar/{token}.ics"
TARGET = "calendar feed"


def feed_path(token: str) -> str:
    return PATH.format(token=token)


class CalendarFeed:
    def __init__(
        self,
        api: TeamApi,
        session_factory: sessionmaker[Session],
        identity: FreshRoles,
        auditor: Auditor,
        settings: Settings,
        *,
        clock: Clock = utc_clock,
    ) -> None:
        self._api = api
        self._sessions = session_factory
        self._identity = identity
        self._auditor = auditor
        self._settings = settings
        self._clock = clock

    # -- the address (owners and admins) --------------------------------------------------------

    def address(self, actor: Actor, *, replace: bool = False) -> str:
        """The feed's URL for the actor's workspace (made the first time it is asked for);
        `replace`: a new token, the old URL refused from now on."""
        fresh = self._identity.actor_for_write(actor)
        self._auditor.require(fresh, Operation.CALENDAR_FEED_MANAGE, target=TARGET)
        team = fresh.slack_team_id
        with session_scope(self._sessions) as session:
            row = leave_store.settings(session, team)
            token = row.calendar_token if row is not None else None
        if token is None or replace:

            def new_token() -> str:
                made = secrets.token_urlsafe(TOKEN_BYTES)
                with session_scope(self._sessions) as session:
                    leave_store.save_settings(session, team, at=self._clock(), calendar_token=made)
                return made

            detail = "replaced" if token is not None else "created"
            token = self._auditor.perform(
                fresh, Operation.CALENDAR_FEED_MANAGE, new_token, target=TARGET, detail=detail
            )
        return self.url(token)

    def url(self, token: str) -> str:
        base = (self._settings.public_url or "").rstrip("/")
        return f"{base}{feed_path(token)}"

    # -- the feed (anyone with the address) -----------------------------------------------------

    def workspace_of(self, token: str) -> str | None:
        """The workspace whose token `token` is; None for any other text. Every stored token is
        compared, each in constant time: how long it takes tells nothing of how close a guess was."""
        if not _TOKEN.match(token):
            return None
        with session_scope(self._sessions) as session:
            rows = session.execute(
                select(LeaveSettings.slack_team_id, LeaveSettings.calendar_token).where(
                    LeaveSettings.calendar_token.is_not(None)
                )
            ).all()
        found = None
        for team, stored in rows:
            if hmac.compare_digest(str(stored).encode(), token.encode()):
                found = team
        return found

    def ics(self, token: str) -> bytes | None:
        """The feed for `token`, or None (the caller answers 404)."""
        team = self.workspace_of(token)
        if team is None:
            return None
        try:
            names = {m.id: m.name for m in self._api.list_team()}
        except ApiError:
            names = {}  # the feed still shows who, by number, rather than failing
        with session_scope(self._sessions) as session:
            zone = workspace_config(session, self._settings, team).zone
            policy = policy_of(leave_store.settings(session, team))
            year = policy.year.of(self._clock().astimezone(zone).date())
            first, last = policy.year.first_day(year), policy.year.last_day(year)
            types = {t.id: t for t in leave_store.leave_types(session, team)}
            default = next(iter(types.values()))
            rows = requests.touching(session, team, first, last, statuses=[requests.APPROVED])
            off = days_off_in(session, team, first, last)
            calendar = _calendar(zone, policy.year.name(year))
            for row in rows:
                leave_type = types.get(row.leave_type_id or 0, default)
                reason = "" if leave_type.reason_private else row.reason
                name = names.get(row.member_id, f"member #{row.member_id}")
                calendar.add_component(_time_off(row, f"{name}: {leave_type.name}", reason))
            for day, why in off.items():
                calendar.add_component(_day_off(day, why, team))
        calendar.add_missing_timezones()
        return calendar.to_ical()


def _calendar(zone: ZoneInfo, year_name: str) -> Calendar:
    from icalendar import Calendar  # here: 9 MiB, only for a process that serves the feed

    calendar = Calendar()
    calendar.add("prodid", "-//rosterbot//Team time off//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Team time off {year_name}")
    calendar.add("x-wr-timezone", zone.key)
    return calendar


def _time_off(row: TimeOffRequest, summary: str, reason: str) -> Event:
    from icalendar import Event  # as in _calendar

    event = Event()
    event.add("uid", f"timeoff-{row.id}@rosterbot")
    event.add("dtstamp", requests.as_utc(row.decided_at or row.updated_at))
    event.add("summary", summary)
    if row.all_day or row.start_time is None or row.end_time is None:
        event.add("dtstart", row.starts_on)  # a DATE: all day, on the business's local dates
        event.add("dtend", row.ends_on + timedelta(days=1))  # exclusive
    else:
        zone = ZoneInfo(row.timezone)
        event.add("dtstart", local_instant(row.starts_on, row.start_time, zone))
        event.add("dtend", local_instant(row.ends_on, row.end_time, zone))
    if reason:
        event.add("description", reason)
    event.add("transp", "OPAQUE")
    return event


def _day_off(day: date, why: str, team: str) -> Event:
    from icalendar import Event  # as in _calendar

    event = Event()
    event.add("uid", f"dayoff-{day.isoformat()}-{team}@rosterbot")
    event.add("dtstamp", datetime.combine(day, datetime.min.time()).replace(tzinfo=ZoneInfo("UTC")))
    event.add("summary", why)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event
