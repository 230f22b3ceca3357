"""Verification first: a request that fails Slack's v0 signature check reaches nothing of the app
(no listener, no middleware, no error handler, no log of its body). It gets 401 with an empty body
(413 when too large to be Slack's), and neither Slack nor the business API hears of it.

Found against main: a timestamp that is not an integer made Bolt's check raise, and the error
handler then told "the user" named in the unsigned body: a POST to the body's response_url (any
URL the sender chose) or a DM with the bot token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from rosterbot.sandbox import Sandbox
from rosterbot.slack.request import bolt_request
from rosterbot.slack.verification import MAX_BODY_BYTES

ADMIN = "U0ADMIN01"
FORM = "application/x-www-form-urlencoded"
WINDOW = 5 * 60  # Slack's: a request signed longer ago (or ahead) than this is a replay

TIMESTAMP, SIGNATURE = "X-Slack-Request-Timestamp", "X-Slack-Signature"

Header = tuple[str, str]


@pytest.fixture(scope="module")
def box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox()


@pytest.fixture
def fresh(box: Sandbox, engine: Engine) -> Iterator[Sandbox]:
    """The sandbox with nothing recorded yet (and, through `engine`, an empty database)."""
    forget(box)
    yield box
    assert box.work_pool.wait_idle(10.0)  # what a test's served request began ends in that test


def forget(box: Sandbox) -> None:
    box.slack_state.clear()
    box.api_state.clear_requests()


def secret(box: Sandbox) -> bytes:
    assert box.settings.slack_signing_secret is not None
    return box.settings.slack_signing_secret.get_secret_value().encode()


def signature(box: Sandbox, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of `body` at `timestamp`, whatever text the timestamp is."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret(box), base, hashlib.sha256).hexdigest()


def signed(box: Sandbox, stamp: str, body: bytes) -> list[Header]:
    """Both headers, Slack's signature of `body` at `stamp`."""
    return [(TIMESTAMP, stamp), (SIGNATURE, signature(box, stamp, body))]


def post(box: Sandbox, body: bytes, headers: Sequence[Header], content_type: str = FORM) -> httpx.Response:
    return httpx.post(
        box.app_url + "/slack/events",
        content=body,
        headers=[("Content-Type", content_type), *headers],
        timeout=10,
    )


def command_body(box: Sandbox, *, response_url: bool = True, text: str = "whoami") -> bytes:
    fields = box.slack.command_fields(ADMIN, "/team", text)
    if not response_url:
        del fields["response_url"]
    return urlencode(fields).encode()


def assert_refused_unheard(box: Sandbox, reply: httpx.Response, status: int = 401) -> None:
    """Refused with an empty body, and nothing went out: no Slack call, no response_url post, no
    business API request, no work left running."""
    assert (reply.status_code, reply.content) == (status, b"")
    assert box.work_pool.wait_idle(5.0)
    assert box.slack_state.calls == []
    assert box.slack_state.responses == []
    assert box.api_state.requests == []


@pytest.mark.parametrize("with_response_url", [True, False], ids=["response_url", "no-response_url"])
def test_a_request_with_a_garbage_timestamp_is_refused_and_nobody_is_told(
    fresh: Sandbox, with_response_url: bool
) -> None:
    body = command_body(fresh, response_url=with_response_url)
    reply = post(fresh, body, [(TIMESTAMP, "nope"), (SIGNATURE, "v0=" + "0" * 64)])
    assert_refused_unheard(fresh, reply)
    # The refusal is about the signature: the same body signed by Slack is served.
    assert fresh.slack.post(body, FORM).status_code == 200


@pytest.mark.parametrize(
    "timestamp",
    [
        pytest.param(lambda now: "", id="empty"),
        pytest.param(lambda now: "-1", id="negative"),
        pytest.param(lambda now: str(-now), id="negative-now"),
        pytest.param(lambda now: str(now + WINDOW + 60), id="just-ahead"),
        pytest.param(lambda now: str(now + 86_400 * 365), id="a-year-ahead"),
        pytest.param(lambda now: str(now - WINDOW - 60), id="stale"),
        pytest.param(lambda now: f"+{now}", id="plus-sign"),
        pytest.param(lambda now: f"{now}.0", id="decimal"),
        pytest.param(lambda now: f"{now:_}", id="underscores"),
        pytest.param(lambda now: "9" * 40, id="huge"),
    ],
)
def test_a_timestamp_slack_never_sends_is_refused_even_when_signed(
    fresh: Sandbox, timestamp: Callable[[int], str]
) -> None:
    """Signed with the secret over exactly that timestamp text: only the text is wrong."""
    stamp = timestamp(int(time.time()))
    body = command_body(fresh)
    reply = post(fresh, body, signed(fresh, stamp, body))
    assert_refused_unheard(fresh, reply)


@pytest.mark.parametrize("duplicated", ["timestamp", "signature", "both"])
def test_duplicated_signature_headers_are_refused(fresh: Sandbox, duplicated: str) -> None:
    body = command_body(fresh)
    stamp = str(int(time.time()))
    good = signature(fresh, stamp, body)
    stamps = [stamp, stamp] if duplicated in ("timestamp", "both") else [stamp]
    signatures = [good, "v0=" + "0" * 64] if duplicated in ("signature", "both") else [good]
    headers = [(TIMESTAMP, s) for s in stamps] + [(SIGNATURE, s) for s in signatures]
    assert_refused_unheard(fresh, post(fresh, body, headers))


def test_an_oversized_body_gets_413_even_when_signed(fresh: Sandbox) -> None:
    body = command_body(fresh, text="whoami " + "x" * MAX_BODY_BYTES)
    stamp = str(int(time.time()))
    reply = post(fresh, body, signed(fresh, stamp, body))
    assert_refused_unheard(fresh, reply, status=413)


def test_a_signed_body_that_is_not_utf8_is_refused_before_bolt(fresh: Sandbox) -> None:
    """Bolt checks the signature on the body decoded as text: bytes that are not UTF-8 would fail
    its check and have the body logged; they are refused first."""
    body = command_body(fresh) + b"&text=%FF\xff\xfe"
    stamp = str(int(time.time()))
    reply = post(fresh, body, signed(fresh, stamp, body))
    assert_refused_unheard(fresh, reply, status=400)


def test_the_error_handler_tells_nobody_about_a_request_bolt_could_not_verify(fresh: Sandbox) -> None:
    """Past the web layer (a request handed to the app another way, as the work process gets its
    requests), Bolt's own check still runs, and what it raises on tells no user."""
    bolt = fresh.servers[0].server.app.extensions["bolt_app"]  # type: ignore[attr-defined]
    body = command_body(fresh).decode()
    headers = {"x-slack-request-timestamp": ["nope"], "x-slack-signature": ["v0=" + "0" * 64]}
    response = bolt.dispatch(bolt_request(body, headers))
    assert response.status in (401, 500)
    assert fresh.work_pool.wait_idle(5.0)
    assert fresh.slack_state.calls == [] and fresh.slack_state.responses == []
    assert fresh.api_state.requests == []


# -- random headers and bodies ------------------------------------------------------------------

PRINTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
HEADER_TEXT = PRINTABLE.map(str.strip)  # h11 sends no value with blanks around it
# Offsets from now that are clearly inside or clearly outside Slack's window (none at its edge).
INSIDE = st.integers(-WINDOW + 20, WINDOW - 20)
OUTSIDE = st.one_of(st.integers(WINDOW + 20, 10**9), st.integers(-(10**9), -WINDOW - 20))
OFFSETS = st.one_of(INSIDE, OUTSIDE)


BODIES = st.one_of(
    st.binary(max_size=300),
    PRINTABLE.map(str.encode),
    st.dictionaries(PRINTABLE, PRINTABLE, max_size=4).map(lambda d: json.dumps(d).encode()),
)
# What may happen to a request Slack signed on its way (or to one made to look like it).
TAMPERING = (
    "none",
    "body changed",
    "signature digit changed",
    "signature upper-cased",
    "signed out of the window",
    "timestamp with a plus sign",
    "timestamp twice",
    "second signature",
    "timestamp dropped",
    "signature dropped",
)


@st.composite
def messy_requests(draw: st.DrawFn, box: Sandbox) -> tuple[bytes, list[Header]]:
    """Any number of each header, any text in them, now and then the right signature of it."""
    body = draw(st.one_of(BODIES, st.just(command_body(box))), label="body")
    now = int(time.time())
    stamps = draw(
        st.lists(
            st.one_of(
                HEADER_TEXT,
                st.integers().map(str),
                OFFSETS.map(lambda offset: str(now + offset)),
                OFFSETS.map(lambda offset: f"+{now + offset}"),
            ),
            max_size=2,
        ),
        label="timestamps",
    )
    at = st.sampled_from(stamps) if stamps else OFFSETS.map(lambda offset: str(now + offset))
    signed_stamp = draw(at, label="signed at")
    right = signature(box, signed_stamp, body)
    signatures = draw(
        st.lists(
            st.one_of(
                HEADER_TEXT,
                st.just(right),
                st.just(right.upper()),
                st.just(right[:-1]),
                st.binary(min_size=32, max_size=32).map(lambda b: "v0=" + b.hex()),
            ),
            max_size=2,
        ),
        label="signatures",
    )
    headers = [(TIMESTAMP, s) for s in stamps] + [(SIGNATURE, s) for s in signatures]
    return body, draw(st.permutations(headers))


@st.composite
def tampered_requests(draw: st.DrawFn, box: Sandbox) -> tuple[bytes, list[Header]]:
    """A body Slack signed just now (any bytes: a command's would do work), then `TAMPERING`."""
    body = draw(BODIES, label="body")
    stamp = str(int(time.time()) + draw(INSIDE, label="clock skew"))
    (_, stamp_header), (_, signature_header) = signed(box, stamp, body)
    how = draw(st.sampled_from(TAMPERING), label="tampering")
    if how == "body changed":
        body = body + draw(st.binary(min_size=1, max_size=3), label="appended")
    elif how == "signature digit changed":
        at = draw(st.integers(3, len(signature_header) - 1), label="digit")
        digit = "0" if signature_header[at] != "0" else "1"
        signature_header = signature_header[:at] + digit + signature_header[at + 1 :]
    elif how == "signature upper-cased":
        signature_header = signature_header.upper()
    elif how == "signed out of the window":
        stamp_header = str(int(time.time()) + draw(OUTSIDE, label="offset"))
        signature_header = signature(box, stamp_header, body)
    elif how == "timestamp with a plus sign":
        stamp_header = "+" + stamp
        signature_header = signature(box, stamp_header, body)
    headers = [(TIMESTAMP, stamp_header), (SIGNATURE, signature_header)]
    if how == "timestamp twice":
        headers.append((TIMESTAMP, stamp_header))
    elif how == "second signature":
        headers.append((SIGNATURE, draw(st.one_of(HEADER_TEXT, st.just(signature_header)), label="second")))
    elif how == "timestamp dropped":
        headers = headers[1:]
    elif how == "signature dropped":
        headers = headers[:1]
    return body, draw(st.permutations(headers))


def validly_signed(box: Sandbox, body: bytes, headers: Sequence[Header]) -> bool:
    """The oracle, written apart from the app's: one of each header (as the server reads it,
    surrounding blanks stripped), a timestamp of ASCII digits (Slack's ten, give or take) within the
    window, and the signature Slack would compute."""
    stamps = [v.strip(" \t") for n, v in headers if n == TIMESTAMP]
    signatures = [v.strip(" \t") for n, v in headers if n == SIGNATURE]
    if len(stamps) != 1 or len(signatures) != 1:
        return False
    stamp = stamps[0]
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return False
    if abs(time.time() - int(stamp)) > WINDOW:
        return False
    return hmac.compare_digest(signatures[0], signature(box, stamp, body))


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_headers_and_bodies_get_401_unless_validly_signed(fresh: Sandbox, data: st.DataObject) -> None:
    forget(fresh)
    body, headers = data.draw(st.one_of(messy_requests(fresh), tampered_requests(fresh)), label="request")
    reply = post(fresh, body, headers)
    if validly_signed(fresh, body, headers):
        event("validly signed")
        assert reply.status_code not in (401, 500)
        assert fresh.work_pool.wait_idle(5.0)  # its work done before the next example forgets
        return
    assert_refused_unheard(fresh, reply)
