"""The business API answering with bodies that are not what it promises (an HTML page from a proxy,
truncated JSON, the wrong shape, wrong types): the user is told the business system is not
answering properly, in plain words, at once; nothing is written; no traceback is logged.

The emulator only answers well-formed bodies, so the fault proxy (tests/faults/fault_proxy.py)
answers these in its place.
"""

from __future__ import annotations

import pytest

from rosterbot.sandbox import Sandbox

from .conftest import STAFF, UNAVAILABLE, ErrorLog, assert_nothing_leaked, assert_plain, command, wait_said
from .fault_proxy import FaultProxy

TEAM_LIST = r"^/api/v1/merchant/team$"
POSITIONS = r"^/api/v2/companies/\d+/positions$"

# name -> (status, body, content type)
BAD_TEAM_BODIES: dict[str, tuple[int, str, str]] = {
    "an HTML page": (200, "<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html"),
    "truncated JSON": (200, '[{"id": 1, "role": "own', "application/json"),
    "data that is a string": (200, '{"data": "nope"}', "application/json"),
    "a bare number": (200, "42", "application/json"),
    "members missing fields": (200, '[{"id": "x"}, {"role": 7}]', "application/json"),
    "members with wrong types": (
        200,
        '[{"id": {"a": 1}, "role": ["owner"], "first_name": 1, "last_name": null, "is_active": "maybe"}]',
        "application/json",
    ),
    "XML": (200, "<team><member id='1'/></team>", "application/xml"),
    "a 500 with an HTML body": (500, "<html>Internal Server Error</html>", "text/html"),
    "a 502 with invalid UTF-8": (502, "\udcff\udcfe", "application/json"),
}

BAD_POSITION_BODIES: dict[str, tuple[int, str, str]] = {
    "ids that are not numbers": (
        200,
        '{"data": [{"type": "position", "id": "abc", "attributes": {"title": "X"}}], "meta": {}}',
        "application/vnd.api.v2+json",
    ),
    "data of numbers": (200, '{"data": [1, 2, 3]}', "application/vnd.api.v2+json"),
    "attributes missing": (200, '{"data": [{"type": "position", "id": "1"}]}', "application/vnd.api.v2+json"),
    "truncated JSON": (200, '{"data": [{"type": "posi', "application/vnd.api.v2+json"),
    "an HTML page": (200, "<!doctype html><title>Login</title>", "text/html; charset=utf-8"),
}


def _bytes(body: str) -> bytes:
    return body.encode("utf-8", "surrogateescape")


@pytest.mark.parametrize("bad", BAD_TEAM_BODIES)
def test_a_team_list_that_cannot_be_read_is_reported_plainly(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog, bad: str
) -> None:
    status, body, content_type = BAD_TEAM_BODIES[bad]
    proxy.answer("GET", TEAM_LIST, status, _bytes(body), content_type=content_type)

    command(box, STAFF, "/team", "list")

    assert_plain(box, wait_said(box, STAFF, UNAVAILABLE))
    assert_nothing_leaked(box, STAFF)
    assert box.api_state.writes() == []
    assert error_log.tracebacks() == []


@pytest.mark.parametrize("bad", BAD_POSITION_BODIES)
def test_a_position_list_that_cannot_be_read_is_reported_plainly(
    box: Sandbox, proxy: FaultProxy, error_log: ErrorLog, bad: str
) -> None:
    status, body, content_type = BAD_POSITION_BODIES[bad]
    proxy.answer("GET", POSITIONS, status, _bytes(body), content_type=content_type)

    command(box, STAFF, "/position", "list")

    assert_plain(box, wait_said(box, STAFF, UNAVAILABLE))
    assert_nothing_leaked(box, STAFF)
    assert box.api_state.writes() == []
    assert error_log.tracebacks() == []
