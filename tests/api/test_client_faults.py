"""Every way a call can fail, and what the caller sees, over real loopback HTTP."""

from __future__ import annotations

import logging

import pytest

from rosterbot.api.client import BusinessApi
from rosterbot.api.errors import ApiError, InvalidInput, NotAuthorized, NotFound, RateLimited, Unavailable
from rosterbot.api.models import MemberInput, PositionInput
from rosterbot.domain.roles import Role

from .fault_server import (
    COMPANY_ID,
    PARTNER_TOKEN,
    SESSION_COOKIE,
    USER_TOKEN,
    FaultServer,
    MakeApi,
    Reply,
    closed_port_url,
)

TEAM = "/api/v1/merchant/team"
POSITIONS = f"/api/v2/companies/{COMPANY_ID}/positions"
SAM = {"id": 4, "role": "staff", "first_name": "Sam", "last_name": "Stone", "email": "sam@x.example"}
NEW_MEMBER = MemberInput(role=Role.STAFF, first_name="Nia", last_name="Noor", email="nia@x.example")


def assert_no_secret(text: str) -> None:
    for secret in (PARTNER_TOKEN, USER_TOKEN, SESSION_COOKIE):
        assert secret not in text


# timeouts and connections


def test_a_slow_get_times_out_is_retried_then_unavailable(fault: FaultServer, make_api: MakeApi) -> None:
    fault.script("GET", TEAM, Reply(body=[SAM], delay=1.0))
    api = make_api(timeout=0.2, max_retries=1)
    with pytest.raises(Unavailable) as caught:
        api.list_team()
    assert api.request_count == 2  # one try and one retry, each given up at the timeout
    assert caught.value.message == "the business API did not answer in time"
    assert len(fault.seen("GET", TEAM)) == 2


def test_a_slow_post_times_out_once_and_is_not_repeated(fault: FaultServer, make_api: MakeApi) -> None:
    fault.script("POST", TEAM, Reply(status=201, body=SAM, delay=1.0))
    api = make_api(timeout=0.2, max_retries=3)
    with pytest.raises(Unavailable):
        api.create_member(NEW_MEMBER)
    # The client's own count is final once it has given up: it sent the POST once.
    assert api.request_count == 1 and len(fault.seen("POST", TEAM)) == 1


def test_connection_refused_is_unavailable_after_every_try(make_api: MakeApi) -> None:
    api = make_api(closed_port_url(), max_retries=2)
    with pytest.raises(Unavailable) as caught:
        api.list_team()
    assert caught.value.message == "could not connect to the business API"
    assert api.request_count == 3


def test_a_post_is_retried_when_it_never_reached_the_server(make_api: MakeApi) -> None:
    api = make_api(closed_port_url(), max_retries=2)
    with pytest.raises(Unavailable):
        api.create_position(PositionInput(title="Stylist"))
    assert api.request_count == 3


# 5xx


def test_a_500_then_success_is_retried_and_the_caller_sees_the_data(
    fault: FaultServer, api: BusinessApi
) -> None:
    fault.script(
        "GET", TEAM, Reply(status=500, body={"error": {"message": "boom"}}), Reply(body={"data": [SAM]})
    )
    team = api.list_team()
    assert [m.id for m in team] == [4]
    assert len(fault.seen("GET", TEAM)) == 2


def test_a_500_always_is_unavailable_after_max_retries_plus_one_tries(
    fault: FaultServer, make_api: MakeApi
) -> None:
    fault.script(
        "DELETE", f"{TEAM}/4", Reply(status=503, body={"error": {"message": "down for maintenance"}})
    )
    api = make_api(max_retries=3)
    with pytest.raises(Unavailable) as caught:
        api.delete_member(4)
    assert caught.value.status == 503
    assert caught.value.message == "down for maintenance"
    assert len(fault.seen("DELETE", f"{TEAM}/4")) == 4


def test_a_502_html_page_from_a_proxy_is_unavailable(fault: FaultServer, api: BusinessApi) -> None:
    fault.script(
        "GET", f"{TEAM}/4", Reply(status=502, body="<html>Bad gateway</html>", content_type="text/html")
    )
    with pytest.raises(Unavailable) as caught:
        api.get_member(4)
    assert caught.value.message == "the business API answered HTTP 502"


def test_a_post_answered_500_is_not_retried(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("POST", TEAM, Reply(status=500, body={"error": {"message": "oops"}}))
    with pytest.raises(Unavailable):
        api.create_member(NEW_MEMBER)
    assert len(fault.seen("POST", TEAM)) == 1


def test_backoff_waits_are_capped_by_max_wait(fault: FaultServer, make_api: MakeApi) -> None:
    fault.script("GET", TEAM, Reply(status=500))
    waits: list[float] = []
    api = make_api(max_retries=10, backoff_base=0.2, max_wait=0.5, sleep=waits.append)
    with pytest.raises(Unavailable):
        api.list_team()
    # No more waiting in all than max_wait (the rate limiter, 1 ms a request here, sleeps through
    # the same function: allow it one slot).
    assert waits and sum(waits) <= 0.5 + 0.001
    assert 2 <= len(fault.seen("GET", TEAM)) < 11


# 429


def test_a_429_waits_for_retry_after_then_succeeds(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("GET", TEAM, Reply(status=429, headers={"Retry-After": "1"}), Reply(body=[SAM]))
    assert [m.id for m in api.list_team()] == [4]
    first, second = fault.seen("GET", TEAM)
    assert second.at - first.at >= 0.95


def test_a_429_waits_for_the_seconds_named_in_meta_message(fault: FaultServer, api: BusinessApi) -> None:
    too_many = {"success": False, "data": None, "meta": {"message": "Too many requests. Retry in 1 seconds"}}
    fault.script("GET", POSITIONS, Reply(status=429, body=too_many), Reply(body={"data": []}))
    assert api.list_positions() == []
    first, second = fault.seen("GET", POSITIONS)
    assert second.at - first.at >= 0.95


def test_a_429_with_no_wait_named_backs_off_and_gives_up_rate_limited(
    fault: FaultServer, make_api: MakeApi
) -> None:
    fault.script("GET", TEAM, Reply(status=429, body={"error": {"message": "slow down"}}))
    api = make_api(max_retries=2, backoff_base=0.05)
    with pytest.raises(RateLimited) as caught:
        api.list_team()
    assert caught.value.retry_after is None
    assert caught.value.message == "slow down"
    times = [r.at for r in fault.seen("GET", TEAM)]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.025 and times[2] - times[1] >= 0.05


def test_a_429_asking_longer_than_max_wait_fails_at_once(fault: FaultServer, make_api: MakeApi) -> None:
    fault.script("GET", TEAM, Reply(status=429, headers={"Retry-After": "30"}))
    waits: list[float] = []
    api = make_api(max_wait=2.0, sleep=waits.append)
    with pytest.raises(RateLimited) as caught:
        api.list_team()
    assert waits == []  # not a moment spent waiting
    assert caught.value.retry_after == 30.0
    assert "busy" in caught.value.user_message
    assert len(fault.seen("GET", TEAM)) == 1


def test_a_post_answered_429_is_sent_again_after_the_wait(fault: FaultServer, api: BusinessApi) -> None:
    # A 429 means the API did not process the request, so a create may be repeated.
    created = {"id": 12, "role": "staff", "first_name": "Nia", "last_name": "Noor", "email": "nia@x.example"}
    refused = Reply(status=429, headers={"Retry-After": "0"})
    fault.script("POST", TEAM, refused, Reply(status=201, body=created))
    assert api.create_member(NEW_MEMBER).id == 12
    assert len(fault.seen("POST", TEAM)) == 2


# bodies that are not what the API promises


def test_malformed_json_is_unavailable(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("GET", TEAM, Reply(body='{"data": [{"id": 4,'))
    with pytest.raises(Unavailable) as caught:
        api.list_team()
    assert caught.value.message == "the business API answered with malformed JSON"


def test_an_html_page_with_status_200_is_unavailable(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("GET", POSITIONS, Reply(body="<html><body>Sign in</body></html>", content_type="text/html"))
    with pytest.raises(Unavailable) as caught:
        api.list_positions()
    assert caught.value.message == "the business API answered with text/html, not JSON"


def test_json_of_the_wrong_shape_is_unavailable(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("GET", f"{TEAM}/4", Reply(body={"data": {"id": "four", "role": "boss"}}))
    with pytest.raises(Unavailable):
        api.get_member(4)


# 4xx: the API's message and field errors reach the caller; no retries


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_not_authorized_with_the_api_message(
    fault: FaultServer, api: BusinessApi, status: int
) -> None:
    fault.script("GET", TEAM, Reply(status=status, body={"error": {"message": "session expired"}}))
    with pytest.raises(NotAuthorized) as caught:
        api.list_team()
    assert caught.value.status == status
    assert caught.value.message == "session expired"
    assert "credentials" in caught.value.user_message
    assert len(fault.seen("GET", TEAM)) == 1


def test_404_is_not_found(fault: FaultServer, api: BusinessApi) -> None:
    fault.script(
        "GET",
        f"{POSITIONS}/9",
        Reply(status=404, body={"success": False, "data": None, "meta": {"message": "Position not found"}}),
    )
    with pytest.raises(NotFound) as caught:
        api.get_position(9)
    assert caught.value.message == "Position not found"
    assert len(fault.seen()) == 1


def test_422_v2_shape_carries_message_and_field_errors(fault: FaultServer, api: BusinessApi) -> None:
    invalid = {
        "success": False,
        "data": None,
        "meta": {"message": "Validation failed", "errors": {"title": ["The title field is required."]}},
    }
    fault.script("POST", POSITIONS, Reply(status=422, body=invalid))
    with pytest.raises(InvalidInput) as caught:
        api.create_position(PositionInput(title="x"))
    assert caught.value.status == 422
    assert caught.value.message == "Validation failed"
    assert caught.value.field_errors == {"title": ["The title field is required."]}
    assert "title: The title field is required." in caught.value.user_message


def test_400_v1_shape_carries_the_message(fault: FaultServer, api: BusinessApi) -> None:
    fault.script(
        "PUT", f"{TEAM}/4", Reply(status=400, body={"error": {"message": "only one owner is allowed"}})
    )
    with pytest.raises(InvalidInput) as caught:
        api.update_member(4, MemberInput(role=Role.OWNER, first_name="Sam", last_name="Stone"))
    assert caught.value.message == "only one owner is allowed"
    assert caught.value.field_errors == {}
    assert "only one owner is allowed" in caught.value.user_message
    assert len(fault.seen("PUT", f"{TEAM}/4")) == 1


def test_422_v1_shape_with_field_errors(fault: FaultServer, api: BusinessApi) -> None:
    body = {"error": {"message": "invalid member", "errors": {"email": "is not an e-mail"}}}
    fault.script("POST", TEAM, Reply(status=422, body=body))
    with pytest.raises(InvalidInput) as caught:
        api.create_member(NEW_MEMBER)
    assert caught.value.field_errors == {"email": ["is not an e-mail"]}


def test_an_unexpected_4xx_is_an_api_error(fault: FaultServer, api: BusinessApi) -> None:
    fault.script("DELETE", f"{TEAM}/4", Reply(status=405, body=None))
    with pytest.raises(ApiError) as caught:
        api.delete_member(4)
    assert type(caught.value) is ApiError
    assert caught.value.status == 405


# secrets stay out of errors and logs


def test_credentials_echoed_by_the_api_never_reach_an_exception(fault: FaultServer, api: BusinessApi) -> None:
    echo = f"bad token Bearer {PARTNER_TOKEN}, User {USER_TOKEN}; cookie {SESSION_COOKIE}"
    fault.script("GET", TEAM, Reply(status=401, body={"error": {"message": echo}}))
    with pytest.raises(NotAuthorized) as caught:
        api.list_team()
    for text in (str(caught.value), caught.value.message, caught.value.user_message, repr(caught.value)):
        assert_no_secret(text)
    assert "bad token Bearer ***" in caught.value.message


def test_debug_log_has_method_path_status_and_time_but_no_credentials(
    fault: FaultServer, api: BusinessApi, caplog: pytest.LogCaptureFixture
) -> None:
    fault.script("GET", TEAM, Reply(status=500), Reply(body=[SAM]))
    with caplog.at_level(logging.DEBUG, logger="rosterbot.api"):
        api.list_team()
    lines = [r.getMessage() for r in caplog.records if r.name == "rosterbot.api"]
    assert any(line.startswith(f"GET {TEAM} -> 500 in ") and line.endswith(" ms") for line in lines)
    assert any(line.startswith(f"GET {TEAM} -> 200 in ") for line in lines)
    for line in lines:
        assert_no_secret(line)
