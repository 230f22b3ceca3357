"""What comes back through Slack is not trusted as given (finding 6, "Trust at the edges").

A modal's `private_metadata` and a button's `value` come back inside a request whose Slack
signature is valid: the signature proves Slack sent it, not that the app wrote what is inside (a
view can be forged, or a real payload replayed with an edited field). So a form's metadata is sealed
by the app for one user and one kind of form (`rosterbot.slack.metadata`), and a button's value is
only an id the services check against the clicker's permission. Every request here is signed as
Slack signs it and goes over HTTP into the sandbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.sandbox import Sandbox
from rosterbot.services.outbox import RetryPolicy
from rosterbot.services.timeoff_rules import RequestInput
from rosterbot.slack.metadata import (
    DenyFormMetadata,
    FormMetadata,
    MemberFormMetadata,
    RequestFormMetadata,
    Sealer,
    derive_key,
    key_of,
    seal,
    unseal,
)
from rosterbot.store.db import session_scope
from rosterbot.store.models import TimeOffRequest
from support import SLACK_WAIT, command, texts

OWNER, ADMIN, ADMIN2 = "U0OWNER01", "U0ADMIN01", "U0ADMIN02"
SAM, TARA = "U0STAFF01", "U0STAFF02"
OLIVIA, AARON, SAM_ID, TARA_ID = 1, 2, 4, 5  # demo member ids (emulators/demo.py order)
ZONE = "Europe/Berlin"
STALE = "This form is out of date; please start again."


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox(timezone=ZONE)


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Sandbox:
    """The sandbox with the demo business as new and nothing recorded (the `engine` fixture
    empties rosterbot's tables)."""
    _box.api_state.reset()
    _box.slack_state.clear()
    _box.services.identity.forget()
    assert _box.services.outbox is not None
    _box.services.outbox.policy = RetryPolicy(
        max_attempts=5, base_seconds=0.0, max_seconds=0.0, lease_seconds=60
    )
    return _box


class Trap:
    """A URL on loopback that records every request made to it: where a forged form points."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, bytes]] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                hits.append(("POST", self.path, self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook/steal"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def trap() -> Iterator[Trap]:
    found = Trap()
    yield found
    found.close()


# ---- helpers ----------------------------------------------------------------------------------------


def day(ahead: int) -> date:
    return datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=ahead)


def file_request(box: Sandbox, user: str, ahead: int) -> int:
    """`user`'s own pending request for one day `ahead` days from today; its id."""
    actor = box.services.identity.resolve(box.slack.team_id, user)
    created = box.services.timeoff.request(actor, RequestInput(starts_on=day(ahead), ends_on=day(ahead)))
    return created.id


def row(box: Sandbox, request_id: int) -> TimeOffRequest:
    with session_scope(box.services.session_factory) as session:
        found = session.get(TimeOffRequest, request_id)
        assert found is not None
        session.expunge(found)
        return found


def deny_form_from_pending_list(box: Sandbox, user: str) -> tuple[dict[str, Any], ResponsePost]:
    """`user` types `/timeoff pending` and clicks Deny in that ephemeral list: the deny form that
    opens, and the list (whose response_url the form's metadata carries, to replace it after)."""
    listed = command(box, user, "/timeoff", "pending")
    message = {"ts": box.slack_state.next_ts(), "blocks": listed.blocks}
    reply = box.slack.click(user, "timeoff_deny", message=message, channel=TEAM_CHANNEL_ID)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "timeoff_deny" for v in s.open_views(user)), timeout=SLACK_WAIT
    )
    form = next(v for v in box.slack_state.open_views(user) if v["callback_id"] == "timeoff_deny")
    return form, listed


def submit_deny(box: Sandbox, user: str, form: dict[str, Any], metadata: str | None = None) -> Any:
    values = {"note": {"timeoff_field": "Short-staffed"}}
    reply = box.slack.submit_view(user, dict(form), values, private_metadata=metadata)
    assert reply.status_code == 200
    return reply.json() if reply.content else {}


def refused_as_stale(answer: Any) -> bool:
    return answer.get("response_action") == "update" and STALE in texts(answer.get("view"))


def deny_for_real(box: Sandbox, form: dict[str, Any]) -> None:
    """Send the untouched form (the barrier: its work runs on the same pool a forged one would
    have used) and wait until the list it came from is replaced through its own response_url."""
    before = len(box.slack_state.responses)
    assert submit_deny(box, ADMIN, form)["response_action"] == "update"
    assert box.slack_state.wait_for(
        lambda s: any("denied" in texts(r.payload).casefold() for r in s.responses[before:]),
        timeout=SLACK_WAIT,
    )


# ---- private metadata ----------------------------------------------------------------------------------


def test_a_deny_form_whose_response_url_is_edited_posts_nowhere_and_the_user_is_told(
    box: Sandbox, trap: Trap
) -> None:
    request_id = file_request(box, SAM, 5)
    form, _ = deny_form_from_pending_list(box, ADMIN)
    sealed = str(form["private_metadata"])
    assert '"response_url":"http' in sealed and "/hook/steal" not in sealed
    start = sealed.index('"response_url":"') + len('"response_url":"')
    edited = sealed[:start] + trap.url + sealed[sealed.index('"', start) :]  # the signature kept

    answer = submit_deny(box, ADMIN, form, edited)

    assert refused_as_stale(answer), answer  # the modal says so; nothing is recorded
    assert row(box, request_id).status == "pending"
    deny_for_real(box, form)
    assert trap.hits == []
    assert (row(box, request_id).status, row(box, request_id).decided_by_member_id) == ("denied", AARON)


@pytest.mark.parametrize("kind", ["plain JSON, as the app once wrote it", "no metadata"])
def test_a_forged_deny_form_is_refused_and_nothing_is_posted_or_decided(
    box: Sandbox, trap: Trap, kind: str
) -> None:
    request_id = file_request(box, SAM, 6)
    form, _ = deny_form_from_pending_list(box, ADMIN)
    forged = (
        f'{{"request_id":{request_id},"list":"timeoff_pending","response_url":"{trap.url}"}}'
        if kind.startswith("plain")
        else ""
    )

    answer = submit_deny(box, ADMIN, form, forged)

    assert refused_as_stale(answer), answer
    assert row(box, request_id).status == "pending"
    deny_for_real(box, form)
    assert trap.hits == []


def test_metadata_sealed_for_another_user_or_form_is_refused(box: Sandbox, trap: Trap) -> None:
    """A genuine seal replayed: another approver's deny form, or another kind of form's metadata
    (with the same fields), submitted by this approver. Both refused; nothing decided or posted."""
    request_id = file_request(box, SAM, 7)
    form, _ = deny_form_from_pending_list(box, ADMIN)
    key = key_of(box.settings)
    theirs = DenyFormMetadata(request_id=request_id, listed="timeoff_pending", response_url=trap.url)
    replayed = [
        Sealer(key, box.slack.team_id, ADMIN2).seal(theirs),
        Sealer(key, "T0OTHER", ADMIN).seal(theirs),
        Sealer(derive_key("not the signing secret"), box.slack.team_id, ADMIN).seal(theirs),
        Sealer(key, box.slack.team_id, ADMIN).seal(RequestFormMetadata(channel_id=TEAM_CHANNEL_ID)),
    ]

    for metadata in replayed:
        assert refused_as_stale(submit_deny(box, ADMIN, form, metadata)), metadata

    assert row(box, request_id).status == "pending"
    deny_for_real(box, form)
    assert trap.hits == []


def test_an_edit_member_form_pointed_at_another_member_is_refused(box: Sandbox) -> None:
    """An admin's edit form for Tara, its member id edited to the owner's: refused before the
    service is asked (the service would refuse an owner too, but Sam's id would go through)."""
    box.slack.command(ADMIN, "/team", "edit Tara")
    assert box.slack_state.wait_for(
        lambda s: any(v["callback_id"] == "team_edit_member" for v in s.open_views(ADMIN)), timeout=SLACK_WAIT
    )
    form = next(v for v in box.slack_state.open_views(ADMIN) if v["callback_id"] == "team_edit_member")
    sealed = str(form["private_metadata"])
    assert f'"member_id":{TARA_ID}' in sealed
    edited = sealed.replace(f'"member_id":{TARA_ID}', f'"member_id":{SAM_ID}')
    values = {
        "first_name": {"team_field": "Mallory"},
        "last_name": {"team_field": "Stone"},
        "role": {"team_field": "staff"},
        "is_active": {"team_field": ["active"]},
    }

    reply = box.slack.submit_view(ADMIN, dict(form), values, private_metadata=edited)

    assert reply.status_code == 200 and refused_as_stale(reply.json() if reply.content else {}), reply.text
    assert box.api_state.writes() == []
    sam = box.api_state.member(SAM_ID)
    assert sam is not None and sam.first_name == "Sam"


# ---- button values: ids the services check against the clicker -------------------------------------


def click_in(box: Sandbox, user: str, listed: ResponsePost, action_id: str, value: str) -> str:
    """`user` clicks `action_id` in the ephemeral message `listed`, its value edited to `value`
    (the outer request signed as Slack signs it); what the app answered."""
    before = len(box.slack_state.responses)
    message = {"ts": box.slack_state.next_ts(), "blocks": listed.blocks}
    reply = box.slack.click(user, action_id, value, message=message, channel=TEAM_CHANNEL_ID)
    assert reply.status_code == 200
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=SLACK_WAIT), "no answer"
    answer = box.slack_state.responses[before]
    return str(answer.payload.get("text") or "") + "\n" + texts(answer.payload.get("blocks"))


def test_a_cancel_button_edited_to_another_members_request_is_refused(box: Sandbox) -> None:
    """The value is only a request id: the service cancels it only for its member (or an approver)."""
    own = file_request(box, SAM, 5)
    tara = file_request(box, TARA, 5)
    listed = command(box, SAM, "/timeoff", "list")
    assert "timeoff_cancel" in str(listed.blocks)

    said = click_in(box, SAM, listed, "timeoff_cancel", str(tara))

    assert "owner or admin" in said.casefold() or "only" in said.casefold(), said
    assert (row(box, tara).status, row(box, own).status) == ("pending", "pending")


def test_an_approve_button_edited_to_the_approvers_own_request_is_refused(box: Sandbox) -> None:
    """An admin may approve Sam's request, not their own: the value edited to theirs is refused."""
    file_request(box, SAM, 5)
    own = file_request(box, ADMIN, 6)
    listed = command(box, ADMIN, "/timeoff", "pending")

    said = click_in(box, ADMIN, listed, "timeoff_approve", str(own))

    assert "Only an owner can approve or deny their own time off" in said, said
    assert row(box, own).status == "pending"


def test_a_remove_button_edited_to_the_owner_is_refused(box: Sandbox) -> None:
    """An admin asked to remove Tara edits the button's member id to the owner's: refused, since
    only an owner may touch an owner; nothing is written."""
    asked = command(box, ADMIN, "/team", "remove Tara")
    assert "team_remove_confirm" in str(asked.blocks)

    said = click_in(box, ADMIN, asked, "team_remove_confirm", str(OLIVIA))

    assert "owner" in said.casefold(), said
    assert box.api_state.writes() == []
    assert box.api_state.member(OLIVIA) is not None


@pytest.mark.parametrize("value", ["", "0", "-3", "#", "٣", "1_0", "12 ", '{"id": 3}', "3" * 40])
def test_a_button_value_that_is_not_an_id_is_refused_plainly(box: Sandbox, value: str) -> None:
    request_id = file_request(box, SAM, 5)
    listed = command(box, ADMIN, "/timeoff", "pending")

    said = click_in(box, ADMIN, listed, "timeoff_approve", value)

    assert "out of date" in said or "not found" in said.casefold() or "no time off" in said.casefold(), said
    assert row(box, request_id).status == "pending"


# ---- the seal itself (pure) -------------------------------------------------------------------------


def test_the_seal_binds_the_body_the_kind_the_workspace_and_the_user() -> None:
    key = derive_key("a signing secret")
    data = MemberFormMetadata(member_id=5, channel_id="C0TEAM")
    sealed = seal(key, data, team_id="T1", user_id="U1")

    assert unseal(key, sealed, MemberFormMetadata, team_id="T1", user_id="U1") == data
    assert "a signing secret" not in sealed and key != b"a signing secret"
    body, _, tag = sealed.rpartition(".")
    flipped = "B" if tag.startswith("A") else "A"
    refused = [
        (key, sealed.replace('"member_id":5', '"member_id":1'), MemberFormMetadata, "T1", "U1"),
        (key, body, MemberFormMetadata, "T1", "U1"),
        (key, f"{body}.{flipped}{tag[1:]}", MemberFormMetadata, "T1", "U1"),
        (key, sealed, MemberFormMetadata, "T1", "U2"),
        (key, sealed, MemberFormMetadata, "T2", "U1"),
        (key, sealed, FormMetadata, "T1", "U1"),
        (derive_key("another secret"), sealed, MemberFormMetadata, "T1", "U1"),
        (key, None, MemberFormMetadata, "T1", "U1"),
    ]
    for with_key, text, model, team, user in refused:
        assert unseal(with_key, text, model, team_id=team, user_id=user) is None, text
