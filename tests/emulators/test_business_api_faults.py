"""Fault injection and the /_emulator control endpoints, over loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from rosterbot.emulators.business_api.faults import FaultGate, FaultSettings

POSITIONS = "/api/v2/companies/1/positions"
TEAM = "/api/v1/merchant/team"


def test_every_nth_request_answers_the_fault_status(emulator: Any) -> None:
    emulator.state.set_faults(fault_status=500, fault_every=3)
    v1, v2 = emulator.v1(), emulator.v2()

    statuses = [v1.get(TEAM).status_code, v2.get(POSITIONS).status_code, v1.get(TEAM).status_code]
    statuses += [v2.get(POSITIONS).status_code, v1.get(TEAM).status_code]
    sixth = v2.get(POSITIONS)

    assert statuses == [200, 200, 500, 200, 200]
    assert sixth.status_code == 500
    assert sixth.json() == {"success": False, "data": None, "meta": {"message": "Internal Server Error"}}
    assert [r.status for r in emulator.state.requests] == [200, 200, 500, 200, 200, 500]


def test_a_faulted_write_changes_nothing(emulator: Any) -> None:
    emulator.state.set_faults(fault_status=502)
    response = emulator.v1().post(
        TEAM, json={"role": "staff", "first_name": "A", "last_name": "B", "is_active": True}
    )

    assert response.status_code == 502
    assert response.json() == {"error": {"message": "Bad Gateway"}}
    assert len(emulator.state.members()) == 9
    assert emulator.state.writes()[0].status == 502


def test_an_injected_429_carries_retry_after_and_the_wait_in_the_message(emulator: Any) -> None:
    emulator.state.set_faults(fault_status=429, fault_retry_after=2)

    v2 = emulator.v2().get(POSITIONS)
    v1 = emulator.v1().get(TEAM)

    assert v2.status_code == v1.status_code == 429
    assert v2.headers["Retry-After"] == v1.headers["Retry-After"] == "2"
    assert v2.json()["meta"]["message"] == "Too many requests. Retry in 2 seconds"
    assert v1.json() == {"error": {"message": "Too many requests. Retry in 2 seconds"}}


def test_a_429_without_retry_after_still_names_the_wait(emulator: Any) -> None:
    emulator.state.set_faults(fault_status=429, fault_retry_after=None)

    response = emulator.v2().get(POSITIONS)

    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert response.json()["meta"]["message"] == "Too many requests. Retry in 1 seconds"


class StoppedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_latency_delays_every_answer(emulator: Any) -> None:
    emulator.state.set_faults(latency=0.15)
    client = emulator.v1()

    started = time.monotonic()
    response = client.get(TEAM)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed >= 0.15
    emulator.state.set_faults()
    assert emulator.state.gate.admit() == (0.0, None)  # no delay any more


def test_latency_trips_a_client_timeout(emulator: Any) -> None:
    emulator.state.set_faults(latency=0.3)

    client = emulator.client(cookies={"session_token": emulator.state.config.session_cookie}, timeout=0.05)

    with pytest.raises(httpx.ReadTimeout):
        client.get(TEAM)
    # The server still answers (late); wait for it so that the next test starts from a quiet server.
    assert emulator.state.wait_for(lambda answered: len(answered) == 1)
    assert [r.status for r in emulator.state.requests] == [200]


def test_down_answers_503_to_everything_until_up_again(emulator: Any) -> None:
    emulator.state.set_faults(fault_status=500, fault_every=1000)
    emulator.state.down(True)
    v1, v2 = emulator.v1(), emulator.v2()

    team = v1.get(TEAM)
    positions = v2.post(POSITIONS, json={"title": "X", "salon_ids": [1]})
    no_credentials = emulator.client().get(TEAM)

    assert (team.status_code, positions.status_code, no_credentials.status_code) == (503, 503, 503)
    assert team.json() == {"error": {"message": "Service unavailable"}}
    assert positions.json()["meta"]["message"] == "Service unavailable"
    assert len(emulator.state.positions()) == 4
    # The control endpoints still answer during an outage.
    assert emulator.client().get("/_emulator/faults").json()["down"] is True

    emulator.state.down(False)
    assert v1.get(TEAM).status_code == 200


def test_the_rate_limit_answers_429_like_the_live_service(
    start_emulator_with: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = start_emulator_with(rate_limit_per_second=10)
    clock = StoppedClock()  # the bucket refills only when the test moves the clock
    monkeypatch.setattr(emulator.state.gate, "clock", clock)
    emulator.state.gate.configure(emulator.state.gate.settings)
    client = emulator.v2()

    statuses = [client.get(POSITIONS).status_code for _ in range(10)]
    over = client.get(POSITIONS)

    assert statuses == [200] * 10
    assert over.status_code == 429
    assert over.headers["Retry-After"] == "1"
    assert over.json() == {
        "success": False,
        "data": None,
        "meta": {"message": "Too many requests. Retry in 1 seconds"},
    }
    # A token comes back every 0.1 s.
    clock.now += 0.09
    assert client.get(POSITIONS).status_code == 429
    clock.now += 0.02
    assert client.get(POSITIONS).status_code == 200


def test_set_faults_replaces_the_rate_limit(start_emulator_with: Callable[..., Any]) -> None:
    emulator = start_emulator_with(rate_limit_per_second=1)
    client = emulator.v1()

    assert [client.get(TEAM).status_code for _ in range(2)] == [200, 429]
    emulator.state.set_faults(rate_limit_per_second=1, fault_retry_after=None)
    assert client.get(TEAM).status_code == 200
    limited = client.get(TEAM)
    assert limited.status_code == 429 and "Retry-After" not in limited.headers
    emulator.state.set_faults()
    assert [client.get(TEAM).status_code for _ in range(5)] == [200] * 5


def test_token_bucket_refills_at_the_rate() -> None:
    now = [100.0]
    gate = FaultGate(FaultSettings(rate_limit_per_second=2), clock=lambda: now[0])

    assert [gate.admit()[1] is None for _ in range(3)] == [True, True, False]
    now[0] += 0.25
    answer = gate.admit()[1]
    assert answer is not None and answer.status == 429 and answer.retry_after == "1"
    now[0] += 0.3
    assert gate.admit()[1] is None
    assert gate.admit()[1] is not None


def test_fault_settings_reject_nonsense() -> None:
    for bad in ({"latency": -1}, {"fault_status": 42}, {"fault_every": 0}, {"rate_limit_per_second": 0}):
        with pytest.raises(ValueError):
            FaultSettings(**bad)


# -- /_emulator ------------------------------------------------------------------------------------


def test_requests_are_recorded_without_credentials(emulator: Any) -> None:
    emulator.v1().put(
        f"{TEAM}/4", json={"role": "admin", "first_name": "Sam", "last_name": "Stone", "is_active": True}
    )
    emulator.v2().get(POSITIONS, params={"limit": 2})

    recorded = emulator.client().get("/_emulator/requests").json()["requests"]

    assert recorded == [
        {
            "method": "PUT",
            "path": "/api/v1/merchant/team/4",
            "query": "",
            "json": {"role": "admin", "first_name": "Sam", "last_name": "Stone", "is_active": True},
            "status": 200,
        },
        {"method": "GET", "path": POSITIONS, "query": "limit=2", "json": None, "status": 200},
    ]
    assert [w.method for w in emulator.state.writes()] == ["PUT"]
    assert emulator.state.config.session_cookie not in str(recorded)


def test_clearing_requests(emulator: Any) -> None:
    emulator.v1().get(TEAM)
    control = emulator.client()

    assert control.delete("/_emulator/requests").status_code == 204
    assert emulator.state.requests == []
    emulator.v1().get(TEAM)
    emulator.state.clear_requests()
    assert control.get("/_emulator/requests").json() == {"requests": []}


def test_faults_over_http(emulator: Any) -> None:
    control = emulator.client()

    answer = control.post("/_emulator/faults", json={"fault_status": 503, "fault_every": 2})
    statuses = [emulator.v1().get(TEAM).status_code for _ in range(4)]

    assert answer.status_code == 200
    assert answer.json() == {
        "latency": 0.0,
        "fault_status": 503,
        "fault_every": 2,
        "fault_retry_after": 1.0,
        "rate_limit_per_second": None,
        "down": False,
    }
    assert statuses == [200, 503, 200, 503]

    assert control.post("/_emulator/faults", json={"down": True}).json()["down"] is True
    assert emulator.v1().get(TEAM).status_code == 503
    assert control.post("/_emulator/faults", json={}).json()["fault_status"] is None
    assert emulator.v1().get(TEAM).status_code == 200


@pytest.mark.parametrize(
    "body", [[1], {"fault_status": "500"}, {"fault_every": 0}, {"latency": -1}, {"speed": 1}, {"down": 1}]
)
def test_bad_fault_settings_are_400_and_change_nothing(emulator: Any, body: Any) -> None:
    response = emulator.client().post("/_emulator/faults", json=body)

    assert response.status_code == 400
    assert emulator.state.faults == FaultSettings()
    assert not emulator.state.is_down


def test_reset_restores_the_start_state(emulator: Any) -> None:
    emulator.v1().delete(f"{TEAM}/9")
    emulator.v2().post(POSITIONS, json={"title": "X", "salon_ids": [1]})
    emulator.state.set_faults(latency=0.01)
    emulator.state.down(True)

    response = emulator.client().post("/_emulator/reset")

    assert response.status_code == 204
    assert len(emulator.state.members()) == 9
    assert [p.id for p in emulator.state.positions()] == [1, 2, 3, 4]
    assert emulator.state.requests == []
    assert emulator.state.faults == FaultSettings()
    assert emulator.v1().get(TEAM).status_code == 200


def test_state_snapshot_over_http(emulator: Any) -> None:
    emulator.state.set_member_role(4, "admin")

    snapshot = emulator.client().get("/_emulator/state").json()

    assert len(snapshot["members"]) == 9
    assert snapshot["members"][3]["role"] == "admin"
    assert snapshot["positions"][0]["attributes"]["title"] == "Senior Stylist"
    assert len(snapshot["blocked_times"]) == 3
