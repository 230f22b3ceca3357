"""Settings: defaults, Heroku's DATABASE_URL, and one line naming a bad setting (never its secret)."""

from __future__ import annotations

import pytest

from rosterbot.cli import main
from rosterbot.config import SettingsError, load_settings

SETTING_NAMES = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "ROSTERBOT_DATABASE_URL",
    "DATABASE_URL", "ROSTERBOT_API_URL", "ROSTERBOT_TIMEZONE", "PORT", "ROSTERBOT_DIGEST_TIME",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_embedded_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///rosterbot.db"
    assert settings.uses_emulator
    assert settings.timezone == "UTC"
    assert settings.port == 3000


def test_heroku_database_url_gets_a_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/roster")
    assert load_settings().database_url == "postgresql+psycopg://u:p@db.example:5432/roster"


def test_malformed_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTERBOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError, match="ROSTERBOT_TIMEZONE"):
        load_settings()


def test_empty_value_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    with pytest.raises(SettingsError, match="missing setting SLACK_BOT_TOKEN"):
        load_settings().require("slack_bot_token")


def test_cli_stops_with_one_line_and_no_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t-signing-value")
    monkeypatch.setenv("PORT", "not-a-port")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [err.strip()]
    assert "PORT" in err
    assert "s3cr3t" not in err


def test_secrets_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    settings = load_settings()
    assert "xoxb-very-secret" not in repr(settings)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"
