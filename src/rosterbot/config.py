"""Settings from the environment and `.env` (DESIGN.md, "Configuration").

Secrets are `SecretStr`, so they never appear in a repr, a log line or an error message.
A missing or malformed setting stops start-up with one line that names it (`SettingsError`).
"""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The credentials of the built-in emulator (started when no live API is configured) are the defaults;
# the emulator owns them, since it may import nothing of the bot.
from rosterbot.emulators.demo import EMULATOR_PARTNER_TOKEN, EMULATOR_SESSION_COOKIE, EMULATOR_USER_TOKEN

DEFAULT_DATABASE_URL = "sqlite:///rosterbot.db"
SLACK_API_URL = "https://slack.com/api/"


class SettingsError(Exception):
    """A setting is missing or malformed; str() is one line that names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(SLACK_API_URL, validation_alias="SLACK_API_URL")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("ROSTERBOT_DATABASE_URL", "DATABASE_URL"),
    )

    api_url: str | None = Field(None, validation_alias="ROSTERBOT_API_URL")
    # Where the built-in emulator keeps its state when ROSTERBOT_API_URL is unset.
    emulator_database_url: str = Field(
        "sqlite:///rosterbot-emulator.db", validation_alias="ROSTERBOT_EMULATOR_DATABASE_URL"
    )
    company_id: int = Field(1, validation_alias="ROSTERBOT_COMPANY_ID", gt=0)
    partner_token: SecretStr = Field(
        SecretStr(EMULATOR_PARTNER_TOKEN), validation_alias="ROSTERBOT_PARTNER_TOKEN"
    )
    user_token: SecretStr = Field(SecretStr(EMULATOR_USER_TOKEN), validation_alias="ROSTERBOT_USER_TOKEN")
    session_cookie: SecretStr = Field(
        SecretStr(EMULATOR_SESSION_COOKIE), validation_alias="ROSTERBOT_SESSION_COOKIE"
    )
    session_cookie_name: str = Field("session_token", validation_alias="ROSTERBOT_SESSION_COOKIE_NAME")
    api_timeout: float = Field(10.0, validation_alias="ROSTERBOT_API_TIMEOUT", gt=0)
    # The API's own limit, in requests a second, for the whole deployment: every process on the
    # database keeps to it together (store/rate_limit.py).
    api_rate_limit: float = Field(5.0, validation_alias="ROSTERBOT_API_RATE_LIMIT", gt=0)
    # Retries of a failed API call (BusinessApi's max_retries, backoff_base, max_wait).
    api_max_retries: int = Field(4, validation_alias="ROSTERBOT_API_MAX_RETRIES", ge=0)
    api_backoff_base: float = Field(0.5, validation_alias="ROSTERBOT_API_BACKOFF_BASE", ge=0)
    api_max_wait: float = Field(10.0, validation_alias="ROSTERBOT_API_MAX_WAIT", ge=0)

    # Fairness (services/throttle.py, services/single_flight.py): each Slack user may send
    # `command_burst` commands at once, then one per 1/`command_rate` seconds (0: no limit; the
    # benchmarks turn it off to send their own traffic); identical business API reads are shared
    # for `read_cache_seconds` (0: only while in flight).
    command_burst: int = Field(5, validation_alias="ROSTERBOT_COMMAND_BURST", ge=0)
    command_rate: float = Field(1.0, validation_alias="ROSTERBOT_COMMAND_RATE", gt=0)
    read_cache_seconds: float = Field(3.0, validation_alias="ROSTERBOT_READ_CACHE_SECONDS", ge=0)
    # How long a worker holds a job past its last renewal (renewed every third of it while the job
    # runs): after a worker dies, its jobs are taken again this long after.
    job_lease_seconds: float = Field(15.0, validation_alias="ROSTERBOT_JOB_LEASE_SECONDS", gt=0)

    team_channel: str | None = Field(None, validation_alias="ROSTERBOT_TEAM_CHANNEL")
    approvals_channel: str | None = Field(None, validation_alias="ROSTERBOT_APPROVALS_CHANNEL")
    timezone: str = Field("UTC", validation_alias="ROSTERBOT_TIMEZONE")
    digest_time: time = Field(time(8, 30), validation_alias="ROSTERBOT_DIGEST_TIME")
    reminder_after_hours: float = Field(24.0, validation_alias="ROSTERBOT_REMINDER_AFTER_HOURS", gt=0)

    port: int = Field(3000, validation_alias="PORT", gt=0, lt=65536)
    # Where `rosterbot serve` is reached from outside (https://rosterbot.example.com): the calendar
    # feed's URL shown in /team settings starts with it (unset: only the path is shown).
    public_url: str | None = Field(None, validation_alias="ROSTERBOT_PUBLIC_URL")
    # The built-in demo business, asked for on purpose (`--demo`): every reply then says so.
    demo: bool = Field(False, validation_alias="ROSTERBOT_DEMO")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        # Heroku's DATABASE_URL says postgres://; SQLAlchemy wants a dialect and a driver.
        return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def uses_emulator(self) -> bool:
        return self.api_url is None

    def require(self, *names: str) -> None:
        """Stop start-up naming the first of `names` that has no value."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"missing setting {_env_name(name)}")


    def require_business_api(self, command: str) -> None:
        """Stop `rosterbot <command>` that would serve a real workspace from the built-in demo
        business by accident: without ROSTERBOT_API_URL it runs only in demo mode, asked for."""
        if self.api_url is None and not self.demo:
            raise SettingsError(
                f"ROSTERBOT_API_URL is not set: rosterbot {command} needs the business API"
                " (or run with --demo for the built-in demo business)"
            )
        if self.api_url is not None and self.demo:
            # The demo note would call the live business's data fake.
            raise SettingsError(
                f"ROSTERBOT_API_URL is set: rosterbot {command} --demo (ROSTERBOT_DEMO) runs only"
                " on the built-in demo business; unset one of them"
            )


def _env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return str(alias or field.upper())


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise `SettingsError` with one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = _env_name(field) if field in Settings.model_fields else field
        raise SettingsError(f"invalid setting {name}: {error['msg']}") from None
