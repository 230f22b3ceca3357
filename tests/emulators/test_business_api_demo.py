"""Demo data at first start, a database that outlives the server, and the foreground server."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from rosterbot.config import EMULATOR_SESSION_COOKIE
from rosterbot.emulators.business_api import (
    EmulatorConfig,
    EmulatorState,
    make_emulator_server,
    start_emulator,
)
from rosterbot.emulators.business_api.demo_data import seed
from rosterbot.emulators.demo import DEMO_POSITIONS, DEMO_SALON_IDS, DEMO_TEAM

TEAM = "/api/v1/merchant/team"
EVENTS = "/api/v1/bookings/calendar/events"
POSITIONS = "/api/v2/companies/1/positions"
COOKIES = {"session_token": EMULATOR_SESSION_COOKIE}


def _monday(day: date) -> datetime:
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def _blocks(client: httpx.Client, start: datetime, end: datetime) -> list[dict[str, Any]]:
    response = client.get(EVENTS, params={"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200
    blocks: list[dict[str, Any]] = response.json()["data"]["blocked_times"]
    return blocks


def test_the_demo_team_and_positions(emulator: Any) -> None:
    members = emulator.v1().get(TEAM).json()
    positions = emulator.v2().get(POSITIONS).json()["data"]

    assert Counter(m["role"] for m in members) == {"owner": 1, "admin": 2, "staff": 6}
    assert [m["email"] for m in members] == [p.email for p in DEMO_TEAM]
    assert all(m["phone_number"] and m["is_active"] for m in members)
    assert [p["attributes"]["title"] for p in positions] == [title for title, _ in DEMO_POSITIONS]
    assert len(positions) == 4
    assert all(p["attributes"]["salon_ids"] == DEMO_SALON_IDS for p in positions)


def test_demo_blocks_fall_in_this_week_and_next(emulator: Any) -> None:
    client = emulator.v1()
    today = emulator.state.today()  # the day it was seeded around
    this_week = _monday(today)
    next_week = this_week + timedelta(days=7)
    members = {m["id"]: m for m in client.get(TEAM).json()}

    this = _blocks(client, this_week, next_week)
    following = _blocks(client, next_week, next_week + timedelta(days=7))

    assert this and following
    vacation = next(b for b in following if b["all_day"])
    assert members[vacation["employee_id"]]["role"] == "staff"
    assert vacation["from_date"] == next_week.strftime("%Y-%m-%dT00:00:00Z")
    tomorrow = today + timedelta(days=1)
    partial = [
        b
        for b in _blocks(client, _monday(tomorrow), _monday(tomorrow) + timedelta(days=7))
        if not b["all_day"] and b["from_date"].startswith(tomorrow.isoformat())
    ]
    assert len(partial) == 1
    start = datetime.fromisoformat(partial[0]["from_date"])
    end = datetime.fromisoformat(partial[0]["to_date"])
    assert end - start == timedelta(hours=2)


def test_on_a_sunday_this_week_still_has_a_block() -> None:
    state = EmulatorState(EmulatorConfig(seed_demo=False))
    sunday = date(2031, 6, 8)
    assert sunday.weekday() == 6

    seed(state, today=sunday)

    blocks = state.blocked_times()
    assert [b.from_date.date() for b in blocks] == [sunday, date(2031, 6, 9), date(2031, 6, 9)]
    assert [(b.name, b.all_day) for b in blocks] == [
        ("Team training", False),
        ("Dentist", False),
        ("Vacation", True),
    ]
    assert blocks[2].to_date == datetime(2031, 6, 11, 23, 59, 59)
    state.close()


def test_without_demo_data_it_starts_empty(start_emulator_with: Any) -> None:
    emulator = start_emulator_with(seed_demo=False)

    assert emulator.v1().get(TEAM).json() == []
    assert emulator.v2().get(POSITIONS).json()["data"] == []
    assert emulator.state.blocked_times() == []


def test_state_helpers(emulator: Any) -> None:
    state = emulator.state
    added = state.add_member("staff", "Nina", "North", email="nina@demo-salon.example")

    state.set_member_role(added.id, "admin")

    assert emulator.v1().get(f"{TEAM}/{added.id}").json()["role"] == "admin"
    with pytest.raises(ValueError):
        state.set_member_role(added.id, "boss")
    with pytest.raises(KeyError):
        state.set_member_role(999, "staff")
    assert state.account_member() is not None and state.account_member().id == 1


def test_a_file_database_outlives_the_server_and_is_seeded_once(tmp_path: Path) -> None:
    config = EmulatorConfig(database_url=f"sqlite:///{tmp_path / 'emulator.db'}")
    body = {"role": "staff", "first_name": "Pat", "last_name": "Lee", "is_active": True}

    server, state = start_emulator(config)
    try:
        with httpx.Client(base_url=server.url, cookies=COOKIES) as client:
            assert client.post(TEAM, json=body).status_code == 201
    finally:
        server.stop()
        state.close()

    again = EmulatorState(config)
    try:
        members = again.members()
        assert len(members) == 10
        assert members[-1].first_name == "Pat"
        assert len(again.positions()) == 4
    finally:
        again.close()


@pytest.mark.skipif(
    not os.environ.get("ROSTERBOT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="PostgreSQL only when ROSTERBOT_TEST_DATABASE_URL is set",
)
def test_state_on_postgresql() -> None:
    state = EmulatorState(EmulatorConfig(database_url=os.environ["ROSTERBOT_TEST_DATABASE_URL"]))
    try:
        state.reset()
        assert Counter(m.role for m in state.members()) == {"owner": 1, "admin": 2, "staff": 6}
        block = state.add_blocked_times(
            "x", datetime(2031, 1, 1, 9, tzinfo=UTC), datetime(2031, 1, 1, 10, tzinfo=UTC), False, [4]
        )[0]
        assert state.blocked_times_overlapping(
            datetime(2031, 1, 1, tzinfo=UTC), datetime(2031, 1, 2, tzinfo=UTC)
        ) == [block]
        state.reset()
        assert [m.id for m in state.members()] == list(range(1, 10))
    finally:
        state.drop_tables()
        state.close()


def test_the_foreground_server_answers(tmp_path: Path) -> None:
    server, state = make_emulator_server(EmulatorConfig(), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        response = httpx.get(f"{url}{TEAM}", cookies=COOKIES, timeout=5)
        assert response.status_code == 200
        assert len(response.json()) == 9
        assert state.requests[0].path == TEAM
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        state.close()


def test_concurrent_writes_each_get_their_own_row(emulator: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients = [emulator.v2() for _ in range(6)]

    def create(number: int) -> int:
        response = clients[number % 6].post(POSITIONS, json={"title": f"P{number}", "salon_ids": [1]})
        assert response.status_code == 201
        return int(response.json()["data"]["id"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(create, range(30)))

    assert sorted(ids) == list(range(5, 35))
    titles = {p.title for p in emulator.state.positions()}
    assert {f"P{n}" for n in range(30)} <= titles
    assert len(emulator.state.writes()) == 30
