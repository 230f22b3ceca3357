"""Alembic migrations: from an empty database to head, a second run changing nothing, the schema
matching the models, and no dependence on the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from rosterbot.store import migrate
from rosterbot.store.db import make_engine
from rosterbot.store.models import Base

TABLES = {table.name for table in Base.metadata.sorted_tables}


@pytest.fixture
def empty_url(database_url: str, _migrated_engine: Engine, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or the PostgreSQL test database with every table
    dropped (the test upgrades it back to head, so later tests find it as they expect)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'empty.db'}"
    with _migrated_engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    return database_url


def test_upgrade_from_empty_then_again_is_a_no_op(
    empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the package finds its own migrations, wherever we stand
    assert migrate.current_revision(empty_url) is None

    migrate.upgrade(empty_url)

    engine = make_engine(empty_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert migrate.current_revision(empty_url) == migrate.head_revision() == "0006"
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO slack_deliveries (key, received_at) VALUES ('kept', CURRENT_TIMESTAMP)")
            )

        migrate.upgrade(empty_url)  # again: nothing to do, nothing lost
        migrate.ensure_schema(empty_url)

        assert migrate.current_revision(empty_url) == "0006"
        with engine.connect() as connection:
            assert connection.execute(text("SELECT key FROM slack_deliveries")).scalars().all() == ["kept"]
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == ["0006"]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(_migrated_engine: Engine) -> None:
    with _migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_ensure_schema_creates_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate.ensure_schema(url)
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
    assert migrate.current_revision(url) == migrate.head_revision()


def test_sqlite_engine_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_channel_problems_move_to_the_workspaces_that_name_their_channel(empty_url: str) -> None:
    """0003: a problem recorded per channel goes to each workspace whose settings name the channel;
    one no workspace names (an environment's default channel) stays under workspace ""."""
    migrate.upgrade(empty_url, "0002")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            for team, channel, approvals in (("TA", "C1", "C2"), ("TB", "C1", None)):
                connection.execute(
                    text(
                        "INSERT INTO workspace_settings (slack_team_id, team_channel, approvals_channel,"
                        " coverage_minimums, updated_at) VALUES (:team, :channel, :approvals, '{}',"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"team": team, "channel": channel, "approvals": approvals},
                )
            for channel, error in (
                ("C1", "is_archived"),
                ("C2", "not_in_channel"),
                ("C9", "channel_not_found"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO channel_problems (channel, error, failed_at)"
                        " VALUES (:channel, :error, CURRENT_TIMESTAMP)"
                    ),
                    {"channel": channel, "error": error},
                )

        migrate.upgrade(empty_url)

        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT slack_team_id, channel, error FROM channel_problems")
            ).all()
        assert sorted(tuple(row) for row in rows) == [
            ("", "C9", "channel_not_found"),
            ("TA", "C1", "is_archived"),
            ("TA", "C2", "not_in_channel"),
            ("TB", "C1", "is_archived"),
        ]
    finally:
        engine.dispose()


def test_posted_messages_take_their_requests_or_their_channels_workspace(empty_url: str) -> None:
    """0004: a request's messages (an approver's DM of it too) take the request's workspace; a
    digest the workspace whose team channel it went to, else "" (the environment's channel)."""
    migrate.upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workspace_settings (slack_team_id, team_channel, coverage_minimums,"
                    " updated_at) VALUES ('TA', 'C0TEAM', '{}', CURRENT_TIMESTAMP)"
                )
            )
            for request_id, team in ((1, "TA"), (17, "TB")):
                connection.execute(
                    text(
                        "INSERT INTO time_off_requests (id, slack_team_id, member_id, requested_by_member_id,"
                        " requested_by_slack_user_id, starts_on, ends_on, all_day, timezone, reason, status,"
                        " created_at, updated_at) VALUES (:id, :team, 4, 4, 'U1', '2026-12-24', '2026-12-24',"
                        " TRUE, 'UTC', '', 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": request_id, "team": team},
                )
            for kind, ref, channel in (
                ("approval", "request:1", "C0APPROVALS"),
                ("approval_dm", "request:1@U0ADMIN01", "D0ADMIN01"),
                ("approval", "request:17", "C0APPROVALS"),
                ("digest", "2026-12-01", "C0TEAM"),
                ("digest", "2026-12-01", "C0ELSEWHERE"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO posted_messages (kind, ref, channel, summary, posted_at)"
                        " VALUES (:kind, :ref, :channel, '', CURRENT_TIMESTAMP)"
                    ),
                    {"kind": kind, "ref": ref, "channel": channel},
                )

        migrate.upgrade(empty_url)

        with engine.connect() as connection:
            rows = connection.execute(text("SELECT slack_team_id, ref, channel FROM posted_messages")).all()
        assert sorted(tuple(row) for row in rows) == [
            ("", "2026-12-01", "C0ELSEWHERE"),
            ("TA", "2026-12-01", "C0TEAM"),
            ("TA", "request:1", "C0APPROVALS"),
            ("TA", "request:1@U0ADMIN01", "D0ADMIN01"),
            ("TB", "request:17", "C0APPROVALS"),
        ]
    finally:
        engine.dispose()


def test_existing_requests_become_vacation(empty_url: str) -> None:
    """0006: every workspace with requests gets the default leave types; its requests are Vacation."""
    migrate.upgrade(empty_url, "0004")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            for request_id, team in ((1, "TA"), (2, "TA"), (17, "TB")):
                connection.execute(
                    text(
                        "INSERT INTO time_off_requests (id, slack_team_id, member_id, requested_by_member_id,"
                        " requested_by_slack_user_id, starts_on, ends_on, all_day, timezone, reason, status,"
                        " created_at, updated_at) VALUES (:id, :team, 4, 4, 'U1', '2026-12-24', '2026-12-24',"
                        " TRUE, 'UTC', '', 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": request_id, "team": team},
                )

        migrate.upgrade(empty_url)

        with engine.connect() as connection:
            types = connection.execute(
                text("SELECT slack_team_id, name, counts, needs_approval, reason_private FROM leave_types")
            ).all()
            requests = connection.execute(
                text(
                    "SELECT request.id, request.slack_team_id, type.slack_team_id, type.name"
                    " FROM time_off_requests request JOIN leave_types type ON type.id = request.leave_type_id"
                )
            ).all()
        assert sorted((t[0], t[1], bool(t[2]), bool(t[3]), bool(t[4])) for t in types) == [
            ("TA", "Sick leave", False, False, True),
            ("TA", "Unpaid", False, True, False),
            ("TA", "Vacation", True, True, False),
            ("TB", "Sick leave", False, False, True),
            ("TB", "Unpaid", False, True, False),
            ("TB", "Vacation", True, True, False),
        ]
        assert sorted(tuple(r) for r in requests) == [
            (1, "TA", "TA", "Vacation"),
            (2, "TA", "TA", "Vacation"),
            (17, "TB", "TB", "Vacation"),
        ]
    finally:
        engine.dispose()
