"""The demo business at first start: DEMO_TEAM, DEMO_POSITIONS and a few blocked times around today."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from rosterbot.emulators.demo import DEMO_POSITIONS, DEMO_SALON_IDS, DEMO_TEAM

if TYPE_CHECKING:
    from rosterbot.emulators.business_api.state import EmulatorState


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=UTC)


def seed(state: EmulatorState, today: date) -> None:
    """Members in DEMO_TEAM order (ids 1.. on an empty database), the positions, and three blocks:
    a training this morning (so this week always has one, even on a Sunday), a 2-hour appointment
    tomorrow, and an all-day vacation Monday to Wednesday next week."""
    ids: dict[str, int] = {}
    for person in DEMO_TEAM:
        member = state.add_member(
            role=person.role,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            phone_number=person.phone_number,
            is_active=True,
        )
        ids[person.slack_user_id] = member.id
    for title, description in DEMO_POSITIONS:
        state.add_position(title, description, list(DEMO_SALON_IDS))

    tomorrow = today + timedelta(days=1)
    next_monday = today + timedelta(days=7 - today.weekday())
    state.add_blocked_times("Team training", _at(today, 9), _at(today, 10, 30), False, [ids["U0STAFF06"]])
    state.add_blocked_times("Dentist", _at(tomorrow, 14), _at(tomorrow, 16), False, [ids["U0STAFF03"]])
    state.add_blocked_times(
        "Vacation",
        _at(next_monday, 0),
        _at(next_monday + timedelta(days=2), 23, 59, 59),
        True,
        [ids["U0STAFF01"]],
    )
