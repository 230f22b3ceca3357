"""What the services tests share: the demo world behind the `world` fixture."""

from __future__ import annotations

from dataclasses import dataclass

from rosterbot.api.client import BusinessApi
from rosterbot.domain.roles import Actor
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.demo import DEMO_SLACK_TEAM_ID
from rosterbot.services.container import Services

TEAM = DEMO_SLACK_TEAM_ID
INACTIVE_SLACK_USER = "U0INACT01"
INACTIVE_EMAIL = "ines@demo-salon.example"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    emulator: EmulatorState
    api: BusinessApi
    services: Services
    clock: FakeClock
    emails: dict[str, str]  # Slack user id -> the e-mail Slack would report

    def actor(self, slack_user_id: str) -> Actor:
        return self.services.identity.resolve(TEAM, slack_user_id)

    def member_id(self, email: str) -> int:
        """The emulator's id of the member with `email` (other services tests use it)."""
        return next(m.id for m in self.emulator.members() if m.email == email)
