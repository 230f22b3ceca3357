"""What goes out (paths, headers, cookie, bodies) and how every body shape comes back, over loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from rosterbot.api.client import BusinessApi
from rosterbot.api.errors import NotFound
from rosterbot.api.models import BlockedTimeInput, MemberInput, PositionInput
from rosterbot.config import load_settings
from rosterbot.domain.roles import Role

from .fault_server import COMPANY_ID, PARTNER_TOKEN, SESSION_COOKIE, USER_TOKEN, FaultServer, MakeApi, Reply

TEAM = "/api/v1/merchant/team"
CALENDAR_TEAM = "/api/v1/merchant/calendar/team"
BLOCKS = "/api/v1/merchant/blocked-times"
EVENTS = "/api/v1/bookings/calendar/events"
POSITIONS = f"/api/v2/companies/{COMPANY_ID}/positions"

SAM = {"id": 4, "role": "staff", "first_name": "Sam", "last_name": "Stone", "email": "sam@x.example"}
OLIVIA = {"id": 1, "role": "owner", "first_name": "Olivia", "last_name": "Owens", "is_active": True}
START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
END = datetime(2026, 4, 1, 17, 0, tzinfo=UTC)


def position(pid: int, title: str = "Stylist") -> dict[str, object]:
    attributes = {
        "chain_id": 5,
        "title": title,
        "description": f"{title} desc",
        "services_binding_type": 0,
        "rules_required_fields": [],
        "only_chain_appointment": False,
        "salon_ids": [1, 2],
    }
    return {"type": "position", "id": str(pid), "attributes": attributes}


def block(
    bid: int, employee_id: int, name: str = "Vacation", start: datetime = START, end: datetime = END
) -> dict:
    return {
        "id": bid,
        "employee_id": employee_id,
        "name": name,
        "from_date": start.isoformat(),
        "to_date": end.isoformat(),
        "all_day": False,
    }


# headers and cookie


def test_v2_calls_send_the_exact_accept_and_authorization_headers(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("GET", f"{POSITIONS}/42", Reply(body={"data": position(42), "meta": {}}))
    api.get_position(42)
    (seen,) = fault.seen()
    assert seen.headers["Accept"] == "application/vnd.api.v2+json"
    assert seen.headers["Authorization"] == f"Bearer {PARTNER_TOKEN}, User {USER_TOKEN}"


def test_v1_calls_send_the_session_cookie_under_its_configured_name(
    fault: FaultServer, make_api: MakeApi
) -> None:
    fault.script("GET", TEAM, Reply(body=[SAM]))
    api = make_api(session_cookie_name="jwt-access")
    api.list_team()
    (seen,) = fault.seen()
    assert seen.headers["Cookie"] == f"jwt-access={SESSION_COOKIE}"


def test_a_set_cookie_from_the_server_never_replaces_the_configured_session(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("GET", TEAM, Reply(body=[SAM], headers={"Set-Cookie": "session_token=intruder; Path=/"}))
    api.list_team()
    api.list_team()
    assert [s.headers["Cookie"] for s in fault.seen()] == [f"session_token={SESSION_COOKIE}"] * 2


# bare and wrapped bodies, data: null


@pytest.mark.parametrize("body", [[SAM, OLIVIA], {"data": [SAM, OLIVIA]}])
def test_team_list_reads_bare_and_wrapped_bodies(fault: FaultServer, api: BusinessApi, body: object) -> None:
    fault.script("GET", TEAM, Reply(body=body))
    team = api.list_team()
    assert [(m.id, m.role, m.name) for m in team] == [
        (4, Role.STAFF, "Sam Stone"),
        (1, Role.OWNER, "Olivia Owens"),
    ]
    assert team[0].email == "sam@x.example"


@pytest.mark.parametrize("body", [SAM, {"data": SAM}])
def test_member_get_reads_bare_and_wrapped_bodies(fault: FaultServer, api: BusinessApi, body: object) -> None:
    fault.script("GET", f"{TEAM}/4", Reply(body=body))
    assert api.get_member(4).first_name == "Sam"


@pytest.mark.parametrize("body", [{"data": None}, None, []])
def test_an_empty_team_may_come_as_data_null_or_no_body(
    fault: FaultServer, api: BusinessApi, body: object
) -> None:
    fault.script("GET", TEAM, Reply(body=body))
    assert api.list_team() == []


def test_a_member_read_with_data_null_is_not_found(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("GET", f"{TEAM}/9", Reply(body={"data": None}))
    with pytest.raises(NotFound):
        api.get_member(9)


def test_calendar_team_reads_the_minimal_list(fault: FaultServer, api: BusinessApi) -> None:
    fault.script(
        "GET", CALENDAR_TEAM, Reply(body={"data": [{"id": 1, "first_name": "John", "last_name": "Doe"}]})
    )
    assert [(m.id, m.name) for m in api.calendar_team()] == [(1, "John Doe")]


# team writes


def test_create_member_with_a_body_returns_it_and_sends_no_nulls(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("POST", TEAM, Reply(status=201, body={"data": {**SAM, "id": 12}}))
    created = api.create_member(MemberInput(role=Role.STAFF, first_name="Sam", last_name="Stone"))
    assert created.id == 12
    (post,) = fault.seen("POST", TEAM)
    assert post.body == {"role": "staff", "first_name": "Sam", "last_name": "Stone", "is_active": True}


def test_create_member_with_an_empty_201_finds_the_new_member_by_email(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("POST", TEAM, Reply(status=201))
    older_nia = {"id": 3, "role": "staff", "first_name": "Nia", "last_name": "Noor", "email": "old@x.example"}
    new_nia = {"id": 15, "role": "staff", "first_name": "Nia", "last_name": "Noor", "email": "NIA@x.example"}
    fault.script("GET", TEAM, Reply(body={"data": [SAM, older_nia, new_nia]}))
    created = api.create_member(
        MemberInput(
            role=Role.STAFF, first_name="Nia", last_name="Noor", email="nia@x.example", phone_number="+1"
        )
    )
    assert created.id == 15
    (post,) = fault.seen("POST", TEAM)
    assert post.body["email"] == "nia@x.example" and post.body["phone_number"] == "+1"
    assert [s.method for s in fault.seen()] == ["POST", "GET"]


def test_create_member_with_an_empty_201_and_no_email_takes_the_highest_id_by_name(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("POST", TEAM, Reply(status=201, body=""))
    twins = [{"id": i, "role": "staff", "first_name": "Ray", "last_name": "Reed"} for i in (21, 30, 25)]
    fault.script("GET", TEAM, Reply(body=[SAM, *twins]))
    assert api.create_member(MemberInput(role=Role.STAFF, first_name="Ray", last_name="Reed")).id == 30


def test_update_member_puts_the_full_body_and_accepts_an_empty_200(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("PUT", f"{TEAM}/4", Reply(status=200))
    api.update_member(4, MemberInput(role=Role.ADMIN, first_name="Sam", last_name="Stone", is_active=False))
    (put,) = fault.seen("PUT", f"{TEAM}/4")
    assert put.body == {"role": "admin", "first_name": "Sam", "last_name": "Stone", "is_active": False}


def test_delete_member_sends_delete(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("DELETE", f"{TEAM}/4", Reply(status=204))
    api.delete_member(4)
    assert len(fault.seen("DELETE", f"{TEAM}/4")) == 1


# blocked times


def test_create_blocked_time_sends_employee_ids_and_rfc3339_times(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("POST", BLOCKS, Reply(status=201, body={"data": block(77, 4)}))
    created = api.create_blocked_time(
        BlockedTimeInput(name="Vacation", from_date=START, to_date=END, employee_ids=[4], blocked_type_id=2)
    )
    assert (created.id, created.employee_id, created.from_date) == (77, 4, START)
    (post,) = fault.seen("POST", BLOCKS)
    assert post.body == {
        "name": "Vacation",
        "from_date": "2026-04-01T09:00:00Z",
        "to_date": "2026-04-01T17:00:00Z",
        "all_day": False,
        "employee_ids": [4],
        "blocked_type_id": 2,
    }


def test_create_blocked_time_with_an_empty_201_finds_it_through_the_calendar(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("POST", BLOCKS, Reply(status=201))
    events = {
        "bookings": [{"id": 1}],
        "blocked_times": [
            block(50, 4),  # an older block just like it
            block(61, 5),  # someone else's
            block(62, 4, name="Dentist"),
            block(60, 4),  # the new one
            block(63, 4, start=START + timedelta(hours=1)),
        ],
    }
    fault.script("GET", EVENTS, Reply(body={"data": events}))
    created = api.create_blocked_time(
        BlockedTimeInput(name="Vacation", from_date=START, to_date=END, employee_ids=[4])
    )
    assert created.id == 60
    (get,) = fault.seen("GET", EVENTS)
    assert get.query == {"start": "2026-04-01T09:00:00Z", "end": "2026-04-01T17:00:00Z"}


def test_update_blocked_time_body_id_equals_the_path_id(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("PUT", f"{BLOCKS}/60", Reply(status=200))
    api.update_blocked_time(60, BlockedTimeInput(name="Sick", from_date=START, to_date=END, employee_ids=[4]))
    (put,) = fault.seen("PUT", f"{BLOCKS}/60")
    assert put.body["id"] == 60 and put.body["name"] == "Sick" and put.body["employee_ids"] == [4]


def test_delete_blocked_time_sends_delete(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("DELETE", f"{BLOCKS}/60", Reply(status=200))
    api.delete_blocked_time(60)
    assert len(fault.seen("DELETE", f"{BLOCKS}/60")) == 1


def test_list_blocked_times_sends_the_range_and_keeps_only_overlapping_blocks(
    fault: FaultServer, api: BusinessApi
) -> None:
    plus2 = timezone(timedelta(hours=2))
    naive_block = {**block(3, 4), "from_date": "2026-04-01T10:00:00", "to_date": "2026-04-01T11:00:00"}
    events = {
        "bookings": [],
        "blocked_times": [block(1, 4), block(2, 5, start=END, end=END + timedelta(hours=1)), naive_block],
    }
    fault.script("GET", EVENTS, Reply(body={"data": events}))
    blocks = api.list_blocked_times(START.astimezone(plus2), END)
    assert [b.id for b in blocks] == [1, 3]
    assert blocks[1].from_date == datetime(2026, 4, 1, 10, tzinfo=UTC)
    (get,) = fault.seen("GET", EVENTS)
    assert get.query == {"start": "2026-04-01T11:00:00+02:00", "end": "2026-04-01T17:00:00Z"}


@pytest.mark.parametrize("body", [{"data": None}, {"data": {"bookings": [], "blocked_times": None}}, None])
def test_no_blocked_times_may_come_as_null(fault: FaultServer, api: BusinessApi, body: object) -> None:
    fault.script("GET", EVENTS, Reply(body=body))
    assert api.list_blocked_times(START, END) == []


# v2 positions


def test_positions_are_read_from_every_page(fault: FaultServer, api: BusinessApi) -> None:
    pages = [
        Reply(body={"data": [position(i) for i in range(1, 101)], "meta": {"pagination": {"page": 1}}}),
        Reply(body={"data": [position(i) for i in range(101, 201)], "meta": {"pagination": {"page": 2}}}),
        Reply(body={"data": [position(i) for i in range(201, 231)], "meta": {"pagination": {"page": 3}}}),
    ]
    fault.script("GET", POSITIONS, *pages)
    positions = api.list_positions()
    assert [p.id for p in positions] == list(range(1, 231))
    assert [s.query for s in fault.seen()] == [
        {"limit": "100", "offset": "0"},
        {"limit": "100", "offset": "100"},
        {"limit": "100", "offset": "200"},
    ]


def test_positions_without_pagination_meta_are_complete_in_one_page(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("GET", POSITIONS, Reply(body={"data": [position(i) for i in range(1, 101)]}))
    assert len(api.list_positions()) == 100
    assert len(fault.seen()) == 1


def test_a_server_that_ignores_offset_does_not_page_forever(fault: FaultServer, api: BusinessApi) -> None:
    same = {"data": [position(i) for i in range(1, 101)], "meta": {"pagination": {"page": 1}}}
    fault.script("GET", POSITIONS, Reply(body=same))
    assert len(api.list_positions()) == 100
    assert len(fault.seen()) == 2


def test_a_position_is_read_from_json_api_with_string_ids(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("GET", f"{POSITIONS}/42", Reply(body={"data": position(42, "Senior Stylist"), "meta": []}))
    got = api.get_position(42)
    assert (got.id, got.title, got.chain_id, got.salon_ids) == (42, "Senior Stylist", 5, [1, 2])


def test_create_position_posts_its_fields_and_reads_the_201(fault: FaultServer, api: BusinessApi) -> None:
    fault.script(
        "POST",
        POSITIONS,
        Reply(status=201, body={"data": position(43, "Colorist"), "meta": {}}, content_type=None),
    )
    created = api.create_position(PositionInput(title="Colorist", description="Color", salon_ids=[1]))
    assert created.id == 43 and created.title == "Colorist"
    (post,) = fault.seen("POST", POSITIONS)
    assert post.body == {"title": "Colorist", "description": "Color", "salon_ids": [1]}
    assert post.headers["Content-Type"] == "application/json"


def test_create_position_with_an_empty_201_finds_it_by_title(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("POST", POSITIONS, Reply(status=201))
    fault.script("GET", POSITIONS, Reply(body={"data": [position(3, "Colorist"), position(9, "Colorist")]}))
    assert api.create_position(PositionInput(title="Colorist")).id == 9


def test_update_position_puts_and_accepts_204(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("PUT", f"{POSITIONS}/42", Reply(status=204))
    api.update_position(42, PositionInput(title="Lead Stylist"))
    (put,) = fault.seen("PUT", f"{POSITIONS}/42")
    assert put.body == {"title": "Lead Stylist"}
    assert put.headers["Accept"] == "application/vnd.api.v2+json"


def test_delete_position_accepts_204(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("DELETE", f"{POSITIONS}/42", Reply(status=204))
    api.delete_position(42)
    assert len(fault.seen("DELETE", f"{POSITIONS}/42")) == 1


def test_a_vendor_json_content_type_is_json(fault: FaultServer, api: BusinessApi) -> None:
    body = '{"data": []}'
    fault.script(
        "GET", POSITIONS, Reply(body=body, content_type="application/vnd.api.v2+json; charset=utf-8")
    )
    assert api.list_positions() == []


# counting and construction


def test_request_count_counts_every_request_sent_including_retries(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script("GET", TEAM, Reply(status=500), Reply(body=[SAM]))
    fault.script("GET", CALENDAR_TEAM, Reply(body=[]))
    api.list_team()
    api.calendar_team()
    assert api.request_count == 3 == len(fault.seen())


def test_from_settings_uses_the_configured_credentials_and_the_url_override(fault: FaultServer) -> None:
    settings = load_settings(
        api_url="http://127.0.0.1:9/never-used",
        company_id=COMPANY_ID,
        partner_token=SecretStr("p-tok"),
        user_token=SecretStr("u-tok"),
        session_cookie=SecretStr("c-val"),
        session_cookie_name="jwt-access",
    )
    fault.script("DELETE", f"{POSITIONS}/1", Reply(status=204))
    with BusinessApi.from_settings(settings, base_url=fault.url) as api:
        api.delete_position(1)
    (seen,) = fault.seen()
    assert seen.headers["Authorization"] == "Bearer p-tok, User u-tok"
    assert seen.headers["Cookie"] == "jwt-access=c-val"


def test_from_settings_without_any_url_says_so() -> None:
    with pytest.raises(ValueError, match="ROSTERBOT_API_URL"):
        BusinessApi.from_settings(load_settings(api_url=None))
