"""`EmulatorConfig`: how one business API emulator is set up (database, credentials, faults, body style)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rosterbot.emulators.demo import EMULATOR_PARTNER_TOKEN, EMULATOR_SESSION_COOKIE, EMULATOR_USER_TOKEN

V1Style = Literal["seed", "live"]
V2Style = Literal["seed", "live"]


class EmulatorConfig(BaseModel):
    """Everything an emulator needs at start. Credentials are plain strings (they guard nothing real)
    but are kept out of repr so they never land in a log line."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # "sqlite://" keeps the state in memory; "sqlite:////path/file.db" keeps it across restarts.
    database_url: str = "sqlite://"
    company_id: int = Field(default=1, gt=0)
    chain_id: int = Field(default=1, gt=0)
    partner_token: str = Field(default=EMULATOR_PARTNER_TOKEN, repr=False, min_length=1)
    user_token: str = Field(default=EMULATOR_USER_TOKEN, repr=False, min_length=1)
    session_cookie: str = Field(default=EMULATOR_SESSION_COOKIE, repr=False, min_length=1)
    session_cookie_name: str = Field(default="session_token", min_length=1)
    seed_demo: bool = True

    # Faults (all can be changed at run time through EmulatorState.set_faults).
    latency: float = Field(default=0.0, ge=0)
    fault_status: int | None = Field(default=None, ge=100, le=599)
    fault_every: int = Field(default=1, ge=1)
    fault_retry_after: float | None = Field(default=1.0, ge=0)
    rate_limit_per_second: float | None = Field(default=None, gt=0)

    # "seed": the seed documents' bare v1 bodies. "live": the live implementation's wrapped bodies.
    v1_style: V1Style = "seed"
    # "seed": list with meta.pagination, meta {} on one position. "live": as the live OpenAPI file
    # says: a list is complete in one page with no pagination meta, and meta is [].
    v2_style: V2Style = "seed"
