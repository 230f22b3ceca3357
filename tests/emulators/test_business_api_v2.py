"""v2 positions over loopback HTTP: shapes, validation, auth, pagination, and what was stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rosterbot.config import EMULATOR_PARTNER_TOKEN, EMULATOR_USER_TOKEN

POSITIONS = "/api/v2/companies/1/positions"
MEDIA_TYPE = "application/vnd.api.v2+json"
AUTH = f"Bearer {EMULATOR_PARTNER_TOKEN}, User {EMULATOR_USER_TOKEN}"
BODY = {"title": "Barber", "description": "Beard trims and fades", "salon_ids": [1, 3]}


def _attributes(title: str, description: str, salon_ids: list[int]) -> dict[str, Any]:
    return {
        "chain_id": 1,
        "title": title,
        "description": description,
        "services_binding_type": 0,
        "rules_required_fields": [],
        "only_chain_appointment": False,
        "salon_ids": salon_ids,
    }


def test_list_returns_the_demo_positions_with_pagination_meta(emulator: Any) -> None:
    response = emulator.v2().get(POSITIONS)

    assert response.status_code == 200
    body = response.json()
    assert [p["attributes"]["title"] for p in body["data"]] == [
        "Senior Stylist",
        "Stylist",
        "Colorist",
        "Receptionist",
    ]
    assert body["data"][0] == {
        "type": "position",
        "id": "1",
        "attributes": _attributes("Senior Stylist", "Senior hair stylist with color specialization", [1, 2]),
    }
    assert body["meta"] == {"pagination": {"page": 1, "offset": 0, "limit": 100}}


def test_create_answers_201_with_the_resource_and_stores_it(emulator: Any) -> None:
    response = emulator.v2().post(POSITIONS, json=BODY)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "data": {
            "type": "position",
            "id": "5",
            "attributes": _attributes("Barber", "Beard trims and fades", [1, 3]),
        },
        "meta": {},
    }
    stored = emulator.state.position(5)
    assert (stored.title, stored.description, stored.salon_ids) == ("Barber", "Beard trims and fades", [1, 3])
    assert emulator.state.writes()[-1].json == BODY


def test_get_one_by_id_and_through_the_locations_alias(emulator: Any) -> None:
    client = emulator.v2()
    by_company = client.get(f"{POSITIONS}/3")
    by_location = client.get("/api/v2/locations/1/positions/3")

    assert by_company.status_code == by_location.status_code == 200
    assert by_company.json() == by_location.json()
    assert by_company.json()["data"]["attributes"]["title"] == "Colorist"
    assert by_company.json()["meta"] == {}


def test_create_through_the_locations_alias(emulator: Any) -> None:
    response = emulator.v2().post("/api/v2/locations/1/positions", json=BODY)

    assert response.status_code == 201
    assert [p.title for p in emulator.state.positions()][-1] == "Barber"


def test_put_replaces_title_and_description_and_answers_204_empty(emulator: Any) -> None:
    response = emulator.v2().put(f"{POSITIONS}/2", json={"title": "Junior Stylist", "salon_ids": [2]})

    assert response.status_code == 204
    assert response.content == b""
    stored = emulator.state.position(2)
    assert (stored.title, stored.description, stored.salon_ids) == ("Junior Stylist", "", [2])


def test_put_without_salon_ids_keeps_the_salons(emulator: Any) -> None:
    response = emulator.v2().put(f"{POSITIONS}/2", json={"title": "Stylist II", "description": "d"})

    assert response.status_code == 204
    assert emulator.state.position(2).salon_ids == [1, 2]


def test_delete_answers_204_and_the_position_is_gone(emulator: Any) -> None:
    client = emulator.v2()
    response = client.delete(f"{POSITIONS}/4")

    assert response.status_code == 204
    assert response.content == b""
    assert [p.id for p in emulator.state.positions()] == [1, 2, 3]
    assert client.get(f"{POSITIONS}/4").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{POSITIONS}/99"),
        ("PUT", f"{POSITIONS}/99"),
        ("DELETE", f"{POSITIONS}/99"),
        ("GET", f"{POSITIONS}/x"),
    ],
)
def test_an_unknown_position_is_404_in_the_error_shape(emulator: Any, method: str, path: str) -> None:
    response = emulator.v2().request(method, path, json={"title": "t", "salon_ids": [1]})

    assert response.status_code == 404
    assert response.json() == {"success": False, "data": None, "meta": {"message": "Position not found"}}
    assert len(emulator.state.positions()) == 4


def test_another_company_is_404(emulator: Any) -> None:
    response = emulator.v2().get("/api/v2/companies/2/positions")

    assert response.status_code == 404
    assert response.json()["meta"]["message"] == "Location not found"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"description": "d", "salon_ids": [1]}, "title", "The title field is required."),
        ({"title": "", "salon_ids": [1]}, "title", "The title field is required."),
        (
            {"title": "x" * 101, "salon_ids": [1]},
            "title",
            "The title may not be greater than 100 characters.",
        ),
        (
            {"title": "t", "description": "d" * 1001, "salon_ids": [1]},
            "description",
            "The description may not be greater than 1000 characters.",
        ),
        ({"title": "t", "salon_ids": []}, "salon_ids", "The salon_ids must have at least 1 items."),
        ({"title": "t"}, "salon_ids", "The salon_ids field is required."),
        ({"title": "t", "salon_ids": ["1"]}, "salon_ids", "The salon_ids must be an array of integers."),
        ({"title": "t", "salon_ids": [1], "chain_id": 9}, "chain_id", "The chain_id field is not allowed."),
    ],
)
def test_create_validation_is_422_with_field_errors_and_stores_nothing(
    emulator: Any, body: dict[str, Any], field: str, message: str
) -> None:
    response = emulator.v2().post(POSITIONS, json=body)

    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "data": None,
        "meta": {"message": "The given data was invalid.", "errors": {field: [message]}},
    }
    assert len(emulator.state.positions()) == 4


def test_limits_are_inclusive(emulator: Any) -> None:
    client = emulator.v2()
    response = client.post(POSITIONS, json={"title": "x" * 100, "description": "d" * 1000, "salon_ids": [1]})

    assert response.status_code == 201
    assert emulator.state.position(5).title == "x" * 100


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "d"}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"title": "t", "salon_ids": []}, "salon_ids"),
    ],
)
def test_put_validation_is_422_and_changes_nothing(emulator: Any, body: dict[str, Any], field: str) -> None:
    response = emulator.v2().put(f"{POSITIONS}/1", json=body)

    assert response.status_code == 422
    assert field in response.json()["meta"]["errors"]
    assert emulator.state.position(1).title == "Senior Stylist"


def test_a_body_that_is_not_a_json_object_is_400(emulator: Any) -> None:
    response = emulator.v2().post(POSITIONS, content=b"[1, 2", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["success"] is False


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
def test_without_the_v2_media_type_it_is_400(emulator: Any, accept: str | None) -> None:
    headers = {"Authorization": AUTH}
    if accept:
        headers["Accept"] = accept
    client = emulator.client(headers=headers)
    if accept is None:
        client.headers.pop("Accept")

    response = client.post(POSITIONS, json=BODY)

    assert response.status_code == 400
    assert MEDIA_TYPE in response.json()["meta"]["message"]
    assert len(emulator.state.positions()) == 4


def test_the_media_type_may_carry_a_charset(emulator: Any) -> None:
    client = emulator.client(headers={"Accept": f"{MEDIA_TYPE}; charset=utf-8", "Authorization": AUTH})

    assert client.get(POSITIONS).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        f"Bearer {EMULATOR_PARTNER_TOKEN}",
        f"Bearer wrong, User {EMULATOR_USER_TOKEN}",
        f"Bearer {EMULATOR_PARTNER_TOKEN}, User wrong",
        f"User {EMULATOR_USER_TOKEN}, Bearer {EMULATOR_PARTNER_TOKEN}",
    ],
)
def test_a_missing_or_wrong_token_is_401_and_never_echoed(emulator: Any, authorization: str | None) -> None:
    headers = {"Accept": MEDIA_TYPE}
    if authorization:
        headers["Authorization"] = authorization
    response = emulator.client(headers=headers).post(POSITIONS, json=BODY)

    assert response.status_code == 401
    body = response.json()
    assert body["success"] is False and body["data"] is None
    assert "wrong" not in body["meta"]["message"]
    assert EMULATOR_PARTNER_TOKEN not in response.text and EMULATOR_USER_TOKEN not in response.text
    assert len(emulator.state.positions()) == 4


def test_pagination_walks_the_list_in_pages(emulator: Any) -> None:
    for number in range(6):
        emulator.state.add_position(f"Extra {number}", "", [1])
    client = emulator.v2()

    first = client.get(POSITIONS, params={"limit": 4, "offset": 0}).json()
    second = client.get(POSITIONS, params={"limit": 4, "offset": 4}).json()
    third = client.get(POSITIONS, params={"limit": 4, "offset": 8}).json()
    beyond = client.get(POSITIONS, params={"limit": 4, "offset": 12}).json()

    ids = [p["id"] for page in (first, second, third) for p in page["data"]]
    assert ids == [str(i) for i in range(1, 11)]
    assert [len(first["data"]), len(second["data"]), len(third["data"]), len(beyond["data"])] == [4, 4, 2, 0]
    assert second["meta"]["pagination"] == {"page": 2, "offset": 4, "limit": 4}
    assert third["meta"]["pagination"] == {"page": 3, "offset": 8, "limit": 4}


def test_limit_250_holds_and_bad_paging_is_422(emulator: Any) -> None:
    client = emulator.v2()

    assert client.get(POSITIONS, params={"limit": 250}).status_code == 200
    for params in ({"limit": 0}, {"limit": 251}, {"limit": "ten"}, {"offset": -1}):
        response = client.get(POSITIONS, params=params)
        assert response.status_code == 422, params
        assert set(response.json()["meta"]["errors"]) == set(params)


def test_live_style_lists_everything_without_pagination_meta(start_emulator_with: Callable[..., Any]) -> None:
    emulator = start_emulator_with(v2_style="live")
    client = emulator.v2()

    listed = client.get(POSITIONS, params={"limit": 1})
    created = client.post(POSITIONS, json=BODY)

    assert listed.status_code == 200
    assert set(listed.json()) == {"data"}
    assert len(listed.json()["data"]) == 4
    assert created.status_code == 201
    assert created.json()["meta"] == []
    assert client.get(f"{POSITIONS}/5").json()["meta"] == []
