"""The business API emulator: v1 team/calendar/blocked times and v2 positions on one loopback host,
following the seed documents, with switchable live-style bodies and fault injection."""

from rosterbot.emulators.business_api.app import create_app, emulator_state
from rosterbot.emulators.business_api.config import EmulatorConfig
from rosterbot.emulators.business_api.faults import FaultSettings
from rosterbot.emulators.business_api.records import (
    BlockedTimeRecord,
    Member,
    PositionRecord,
    RecordedRequest,
)
from rosterbot.emulators.business_api.server import make_emulator_server, serve, start_emulator
from rosterbot.emulators.business_api.state import EmulatorState

__all__ = [
    "BlockedTimeRecord",
    "EmulatorConfig",
    "EmulatorState",
    "FaultSettings",
    "Member",
    "PositionRecord",
    "RecordedRequest",
    "create_app",
    "emulator_state",
    "make_emulator_server",
    "serve",
    "start_emulator",
]
