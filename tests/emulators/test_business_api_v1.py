"""v1 team, calendar and blocked times over loopback HTTP, in both body styles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rosterbot.config import EMULATOR_SESSION_COOKIE

TEAM = "/api/v1/merchant/team"
CALENDAR_TEAM = "/api/v1/merchant/calendar/team"
BLOCKS = "/api/v1/merchant/blocked-times"
EVENTS = "/api/v1/bookings/calendar/events"
NEW_MEMBER = {
    "role": "staff",
    "first_name": "Jane",
    "last_name": "Smith",
    "email": "jane@demo-salon.example",
    "phone_number": "+1234567890",
    "is_active": True,
}
STYLES = ["seed", "live"]


@pytest.fixture(params=STYLES)
def styled(request: pytest.FixtureRequest, start_emulator_with: Callable[..., Any]) -> Any:
    """The emulator in each v1 body style."""
    return start_emulator_with(v1_style=request.param)


def _style(emulator: Any) -> str:
    return str(emulator.state.config.v1_style)


def _data(emulator: Any, response: Any) -> Any:
    """The payload, bare (seed) or under "data" (live)."""
    body = response.json()
    if _style(emulator) == "live":
        assert set(body) == {"data"}
        return body["data"]
    return body


# -- team ------------------------------------------------------------------------------------------


def test_list_team(styled: Any) -> None:
    response = styled.v1().get(TEAM)

    assert response.status_code == 200
    members = _data(styled, response)
    assert len(members) == 9
    assert members[0] == {
        "id": 1,
        "role": "owner",
        "first_name": "Olivia",
        "last_name": "Owens",
        "email": "olivia@demo-salon.example",
        "phone_number": "+15550100001",
        "is_active": True,
    }


def test_an_empty_team_list(start_emulator_with: Callable[..., Any]) -> None:
    seed = start_emulator_with(seed_demo=False)
    live = start_emulator_with(seed_demo=False, v1_style="live")

    assert seed.v1().get(TEAM).json() == []
    assert live.v1().get(TEAM).json() == {"data": None}


def test_create_member_answers_201_and_stores_it(styled: Any) -> None:
    response = styled.v1().post(TEAM, json=NEW_MEMBER)

    assert response.status_code == 201
    if _style(styled) == "live":
        assert response.content == b""
    else:
        assert response.json() == {"id": 10, **NEW_MEMBER}
    stored = styled.state.member(10)
    assert stored is not None
    assert stored.as_json() == {"id": 10, **NEW_MEMBER}


def test_create_member_with_only_the_required_fields(styled: Any) -> None:
    body = {"role": "admin", "first_name": "Sarah", "last_name": "Johnson", "is_active": False}

    assert styled.v1().post(TEAM, json=body).status_code == 201
    stored = styled.state.member(10)
    assert (stored.role, stored.email, stored.phone_number, stored.is_active) == ("admin", None, None, False)


def test_get_member(styled: Any) -> None:
    response = styled.v1().get(f"{TEAM}/4")

    assert response.status_code == 200
    assert _data(styled, response)["first_name"] == "Sam"


def test_put_member_replaces_the_whole_member(styled: Any) -> None:
    body = {"role": "admin", "first_name": "Samuel", "last_name": "Stone", "is_active": False}
    response = styled.v1().put(f"{TEAM}/4", json=body)

    assert response.status_code == 200
    expected = {"id": 4, **body, "email": None, "phone_number": None}
    if _style(styled) == "live":
        assert response.content == b""
    else:
        assert response.json() == expected
    assert styled.state.member(4).as_json() == expected


def test_delete_member(styled: Any) -> None:
    client = styled.v1()
    response = client.delete(f"{TEAM}/5")

    assert response.status_code == 200
    assert response.content == b""
    assert styled.state.member(5) is None
    assert client.get(f"{TEAM}/5").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"), [("GET", f"{TEAM}/99"), ("PUT", f"{TEAM}/99"), ("DELETE", f"{TEAM}/99")]
)
def test_an_unknown_member_is_404_in_the_live_error_shape(styled: Any, method: str, path: str) -> None:
    response = styled.v1().request(method, path, json=NEW_MEMBER)

    assert response.status_code == 404
    assert response.json() == {"error": {"message": "Team member not found"}}
    assert len(styled.state.members()) == 9


def test_calendar_team_lists_active_members_only(styled: Any) -> None:
    styled.state.replace_member(6, {"is_active": False})
    response = styled.v1().get(CALENDAR_TEAM)

    assert response.status_code == 200
    members = _data(styled, response)
    assert members[0] == {"id": 1, "first_name": "Olivia", "last_name": "Owens"}
    assert [m["id"] for m in members] == [1, 2, 3, 4, 5, 7, 8, 9]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": "manager"}, "role must be one of owner, admin, staff"),
        ({"role": None}, "role is required"),
        ({"email": "not-an-email"}, "email is not a valid e-mail address"),
        ({"email": "jane@example"}, "email is not a valid e-mail address"),
        ({"first_name": None}, "first_name is required"),
        ({"first_name": "  "}, "first_name is required"),
        ({"last_name": None}, "last_name is required"),
        ({"is_active": None}, "is_active is required"),
        ({"is_active": "yes"}, "is_active must be a boolean"),
    ],
)
def test_member_validation_is_400_and_stores_nothing(
    styled: Any, change: dict[str, Any], message: str
) -> None:
    body = {k: v for k, v in {**NEW_MEMBER, **change}.items() if v is not None}
    client = styled.v1()

    created = client.post(TEAM, json=body)
    updated = client.put(f"{TEAM}/4", json=body)

    for response in (created, updated):
        assert response.status_code == 400
        assert response.json() == {"error": {"message": message}}
    assert len(styled.state.members()) == 9
    assert styled.state.member(4).first_name == "Sam"


def test_several_problems_are_named_in_one_message(emulator: Any) -> None:
    response = emulator.v1().post(TEAM, json={"role": "boss", "last_name": "X", "is_active": True})

    assert response.status_code == 400
    assert (
        response.json()["error"]["message"]
        == "role must be one of owner, admin, staff; first_name is required"
    )


@pytest.mark.parametrize("cookies", [{}, {"session_token": "wrong"}, {"jwt-access": EMULATOR_SESSION_COOKIE}])
def test_a_missing_or_wrong_cookie_is_401(emulator: Any, cookies: dict[str, str]) -> None:
    client = emulator.client(cookies=cookies)

    for method, path in (
        ("GET", TEAM),
        ("POST", TEAM),
        ("GET", CALENDAR_TEAM),
        ("POST", BLOCKS),
        ("GET", EVENTS),
    ):
        response = client.request(method, path, json=NEW_MEMBER)
        assert response.status_code == 401, path
        assert response.json() == {"error": {"message": "Unauthorized"}}
    assert len(emulator.state.members()) == 9


def test_the_cookie_name_is_configuration(start_emulator_with: Callable[..., Any]) -> None:
    emulator = start_emulator_with(session_cookie_name="jwt-access", session_cookie="abc")

    assert emulator.client(cookies={"jwt-access": "abc"}).get(TEAM).status_code == 200
    assert emulator.client(cookies={"session_token": "abc"}).get(TEAM).status_code == 401


# -- blocked times ---------------------------------------------------------------------------------


def _block(employee_ids: list[int] | None = None, **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Vacation",
        "from_date": "2031-04-01T00:00:00Z",
        "to_date": "2031-04-07T23:59:59Z",
        "all_day": True,
    }
    if employee_ids is not None:
        body["employee_ids"] = employee_ids
    body.update(change)
    return body


def test_create_blocked_time_for_an_employee(styled: Any) -> None:
    response = styled.v1().post(BLOCKS, json=_block([5]))

    assert response.status_code == 201
    expected = {
        "id": 4,
        "employee_id": 5,
        "name": "Vacation",
        "from_date": "2031-04-01T00:00:00Z",
        "to_date": "2031-04-07T23:59:59Z",
        "all_day": True,
    }
    if _style(styled) == "live":
        assert response.content == b""
    else:
        assert response.json() == expected
    assert styled.state.blocked_time(4).as_json() == expected


def test_a_block_without_employee_ids_belongs_to_the_owner(emulator: Any) -> None:
    response = emulator.v1().post(BLOCKS, json=_block(name="Owner's day off"))

    assert response.status_code == 201
    assert response.json()["employee_id"] == 1
    assert emulator.state.blocked_time(4).employee_id == 1


def test_a_block_for_several_employees_is_one_row_each(emulator: Any) -> None:
    response = emulator.v1().post(BLOCKS, json=_block([4, 6, 4], blocked_type_id=2))

    assert response.status_code == 201
    assert [(b["id"], b["employee_id"]) for b in response.json()] == [(4, 4), (5, 6)]
    rows = emulator.state.blocked_times()[3:]
    assert [(r.employee_id, r.name, r.blocked_type_id) for r in rows] == [
        (4, "Vacation", 2),
        (6, "Vacation", 2),
    ]


def test_offsets_are_stored_as_utc(emulator: Any) -> None:
    body = _block(
        [4], from_date="2031-04-01T09:00:00+02:00", to_date="2031-04-01T11:30:00+02:00", all_day=False
    )

    assert emulator.v1().post(BLOCKS, json=body).status_code == 201
    stored = emulator.state.blocked_time(4).as_json()
    assert (stored["from_date"], stored["to_date"]) == ("2031-04-01T07:00:00Z", "2031-04-01T09:30:00Z")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"to_date": "2031-03-31T00:00:00Z"}, "to_date must be after from_date"),
        ({"to_date": "2031-04-01T00:00:00Z"}, "to_date must be after from_date"),
        ({"from_date": "2031-04-01"}, "from_date must be an RFC 3339 date-time with an offset"),
        ({"to_date": "2031-04-07T23:59:59"}, "to_date must be an RFC 3339 date-time with an offset"),
        ({"name": ""}, "name is required"),
        ({"employee_ids": [4, "5"]}, "employee_ids must be an array of integers"),
        ({"employee_ids": [99]}, "employee 99 not found"),
    ],
)
def test_blocked_time_validation_is_400(styled: Any, change: dict[str, Any], message: str) -> None:
    response = styled.v1().post(BLOCKS, json={**_block([4]), **change})

    assert response.status_code == 400
    assert response.json() == {"error": {"message": message}}
    assert len(styled.state.blocked_times()) == 3


def test_put_blocked_time(styled: Any) -> None:
    body = _block([6], id=2, name="Doctor", from_date="2031-05-01T10:00:00Z", to_date="2031-05-01T12:00:00Z")
    response = styled.v1().put(f"{BLOCKS}/2", json={**body, "all_day": False})

    assert response.status_code == 200
    expected = {
        "id": 2,
        "employee_id": 6,
        "name": "Doctor",
        "from_date": "2031-05-01T10:00:00Z",
        "to_date": "2031-05-01T12:00:00Z",
        "all_day": False,
    }
    if _style(styled) == "live":
        assert response.content == b""
    else:
        assert response.json() == expected
    assert styled.state.blocked_time(2).as_json() == expected


@pytest.mark.parametrize("body_id", [3, "2", None])
def test_put_blocked_time_with_a_mismatched_id_is_400(styled: Any, body_id: Any) -> None:
    body = _block([6], name="Doctor")
    if body_id is not None:
        body["id"] = body_id
    before = styled.state.blocked_time(2)

    response = styled.v1().put(f"{BLOCKS}/2", json=body)

    assert response.status_code == 400
    assert response.json() == {"error": {"message": "id in the body must equal the id in the path"}}
    assert styled.state.blocked_time(2) == before


def test_put_blocked_time_validation_and_404(emulator: Any) -> None:
    client = emulator.v1()
    backwards = client.put(f"{BLOCKS}/2", json=_block([6], id=2, to_date="2031-03-01T00:00:00Z"))
    missing = client.put(f"{BLOCKS}/99", json=_block([6], id=99))

    assert backwards.status_code == 400
    assert backwards.json()["error"]["message"] == "to_date must be after from_date"
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "Blocked time not found"}}


def test_delete_blocked_time(styled: Any) -> None:
    client = styled.v1()
    response = client.delete(f"{BLOCKS}/1")
    again = client.delete(f"{BLOCKS}/1")

    assert response.status_code == 200
    assert response.content == b""
    assert [b.id for b in styled.state.blocked_times()] == [2, 3]
    assert again.status_code == 404


def test_events_list_the_blocks_overlapping_the_range(styled: Any) -> None:
    state = styled.state
    for name, start, end in (
        ("before", "2031-01-01T08:00:00Z", "2031-01-01T10:00:00Z"),
        ("ends at start", "2031-01-01T10:00:00Z", "2031-01-02T00:00:00Z"),
        ("straddles start", "2031-01-01T23:00:00Z", "2031-01-02T01:00:00Z"),
        ("inside", "2031-01-03T09:00:00Z", "2031-01-03T10:00:00Z"),
        ("covers all", "2030-12-01T00:00:00Z", "2031-02-01T00:00:00Z"),
        ("starts at end", "2031-01-05T00:00:00Z", "2031-01-06T00:00:00Z"),
    ):
        state.add_blocked_times(name, datetime.fromisoformat(start), datetime.fromisoformat(end), False, [4])

    response = styled.v1().get(
        EVENTS, params={"start": "2031-01-02T00:00:00Z", "end": "2031-01-05T00:00:00Z"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["data"]["bookings"] == []
    names = sorted(b["name"] for b in body["data"]["blocked_times"])
    assert names == ["covers all", "inside", "straddles start"]
    inside = next(b for b in body["data"]["blocked_times"] if b["name"] == "inside")
    assert inside == {
        "id": inside["id"],
        "employee_id": 4,
        "name": "inside",
        "from_date": "2031-01-03T09:00:00Z",
        "to_date": "2031-01-03T10:00:00Z",
        "all_day": False,
    }


def test_events_accept_offsets_and_dates(emulator: Any) -> None:
    client = emulator.v1()
    emulator.state.add_blocked_times(
        "late", datetime(2031, 1, 1, 23, 30, tzinfo=UTC), datetime(2031, 1, 1, 23, 45, tzinfo=UTC), False, [4]
    )

    # 2031-01-02T00:00+01:00 is 23:00Z the day before: the block is inside.
    by_offset = client.get(
        EVENTS, params={"start": "2031-01-02T00:00:00+01:00", "end": "2031-01-02T12:00:00+01:00"}
    )
    by_date = client.get(EVENTS, params={"start": "2031-01-02", "end": "2031-01-03"})

    assert [b["name"] for b in by_offset.json()["data"]["blocked_times"]] == ["late"]
    assert by_date.json()["data"]["blocked_times"] == []


def test_events_need_a_valid_range(emulator: Any) -> None:
    client = emulator.v1()

    for params in ({}, {"start": "2031-01-02T00:00:00Z"}, {"start": "soon", "end": "later"}):
        response = client.get(EVENTS, params=params)
        assert response.status_code == 400
        assert "start and end" in response.json()["error"]["message"]
    backwards = client.get(EVENTS, params={"start": "2031-01-02T00:00:00Z", "end": "2031-01-01T00:00:00Z"})
    assert backwards.status_code == 400


def test_a_created_block_shows_in_the_events(styled: Any) -> None:
    client = styled.v1()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=60)
    body = _block(
        [7], from_date=start.isoformat(), to_date=(start + timedelta(hours=3)).isoformat(), all_day=False
    )

    assert client.post(BLOCKS, json=body).status_code == 201
    events = client.get(
        EVENTS, params={"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}
    )

    assert [(b["employee_id"], b["name"]) for b in events.json()["data"]["blocked_times"]] == [
        (7, "Vacation")
    ]


def test_non_json_bodies_are_400(emulator: Any) -> None:
    client = emulator.v1()

    for method, path in (("POST", TEAM), ("PUT", f"{TEAM}/4"), ("POST", BLOCKS), ("PUT", f"{BLOCKS}/1")):
        response = client.request(
            method, path, content=b"not json", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, path
        assert response.json() == {"error": {"message": "The request body must be a JSON object"}}


def test_unknown_paths_answer_in_each_generations_error_shape(emulator: Any) -> None:
    assert emulator.v1().get("/api/v1/merchant/nothing").json() == {"error": {"message": "Not Found"}}
    assert emulator.v2().get("/api/v2/nothing").json() == {
        "success": False,
        "data": None,
        "meta": {"message": "Not Found"},
    }
