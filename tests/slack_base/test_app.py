"""The Bolt app over HTTP: Slack's signed requests in, Web API calls out to the stand-in."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy import select

from rosterbot.api.errors import Unavailable
from rosterbot.domain.roles import Actor, Role
from rosterbot.emulators.demo import TEAM_CHANNEL_ID
from rosterbot.services.errors import InvalidRequest, PermissionDenied
from rosterbot.slack.context import actor_of, defer_work, services_of
from rosterbot.slack.errors import UNEXPECTED
from rosterbot.store.models import SlackDelivery

from .conftest import Harness

OWNER = "U0OWNER01"
STAFF = "U0STAFF01"

FORM = {
    "type": "modal",
    "callback_id": "test_form",
    "title": {"type": "plain_text", "text": "Test form"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "role",
            "label": {"type": "plain_text", "text": "Role"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "Staff"}, "value": "staff"},
                    {"text": {"type": "plain_text", "text": "Admin"}, "value": "admin"},
                ],
            },
        },
    ],
}


def open_form_on(harness: Harness, command: str = "/form") -> None:
    """Register `/form`, which opens FORM at once with the command's trigger."""

    @harness.bolt.command(command)
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FORM)


def opened_form(harness: Harness) -> dict[str, Any]:
    reply = harness.slack.command(OWNER, "/form")
    assert reply.status_code == 200
    assert harness.state.wait_for(lambda s: bool(s.open_views(OWNER)), timeout=3)
    return harness.state.open_views(OWNER)[-1]


# -- commands ---------------------------------------------------------------------------------


def test_a_signed_command_reaches_its_listener_which_responds_and_posts(harness: Harness) -> None:
    seen: list[Actor] = []

    @harness.bolt.command("/hello")
    def hello(
        ack: Ack, respond: Respond, client: WebClient, command: dict[str, Any], context: BoltContext
    ) -> None:
        ack()
        seen.append(actor_of(context))
        assert services_of(context) is harness.services
        respond(f"hi {command['text']}")
        client.chat_postMessage(channel=command["channel_id"], text="announced")

    reply = harness.slack.command(OWNER, "/hello", "there")

    assert reply.status_code == 200
    state = harness.state
    assert state.wait_for(
        lambda s: len(s.messages(TEAM_CHANNEL_ID)) == 1 and len(s.responses) == 1, timeout=3
    )
    assert [(r.response_type, r.text, r.user) for r in state.responses] == [("ephemeral", "hi there", OWNER)]
    assert [m["text"] for m in state.messages(TEAM_CHANNEL_ID)] == ["announced"]
    assert seen == [Actor("T0DEMO", OWNER, 1, Role.OWNER, "Olivia")]
    assert harness.services.identity.calls == [("T0DEMO", OWNER)]


def test_a_command_whose_text_says_payload_still_reaches_its_listener(harness: Harness) -> None:
    # slack_bolt 1.30 reads a form body containing "payload" as an interaction without one (empty):
    # the command matched nothing and Slack got 404 (found by tests/fuzz: "/availability today payload").
    texts: list[str] = []

    @harness.bolt.command("/hello")
    def hello(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        texts.append(command["text"])

    reply = harness.slack.command(OWNER, "/hello", "today payload=1")

    assert reply.status_code == 200
    assert texts == ["today payload=1"]


def test_a_click_without_a_trigger_id_or_an_empty_one_is_refused_and_runs_nothing(harness: Harness) -> None:
    clicked: list[str] = []

    @harness.bolt.action("press")
    def press(ack: Ack) -> None:
        ack()
        clicked.append("press")

    payload = {
        "type": "block_actions",
        "user": {"id": OWNER},
        "team": {"id": "T0DEMO"},
        "actions": [{"action_id": "press", "block_id": "b", "type": "button", "value": "1"}],
    }
    refused = harness.slack.post_interaction(payload)
    empty = harness.slack.post_interaction({**payload, "trigger_id": ""})  # found by fuzzing
    accepted = harness.slack.post_interaction({**payload, "trigger_id": "1.2.3"})

    assert (refused.status_code, empty.status_code, accepted.status_code) == (400, 400, 200)
    assert clicked == ["press"]


def test_a_payload_whose_team_bolt_reads_is_not_a_string_is_refused(harness: Harness) -> None:
    """Found by fuzzing: Bolt takes a view's app_installed_team_id before team.id; a list there
    reached the database as the team id."""
    payload = {
        "type": "block_actions",
        "user": {"id": OWNER},
        "team": {"id": "T0DEMO"},
        "trigger_id": "1.2.3",
        "view": {"id": "V1", "callback_id": "x", "app_installed_team_id": ["T0DEMO"]},
        "actions": [{"action_id": "press", "block_id": "b", "type": "button", "value": "1"}],
    }

    assert harness.slack.post_interaction(payload).status_code == 400


def test_a_tampered_signature_gets_401_and_runs_nothing(harness: Harness) -> None:
    ran: list[str] = []

    @harness.bolt.command("/hello")
    def hello(ack: Ack) -> None:
        ran.append("hello")
        ack()

    fields = harness.slack.command_fields(OWNER, "/hello", "hi")
    body = urlencode(fields).encode()
    headers = harness.slack.sign(body)
    tampered_body = urlencode({**fields, "user_id": "U0ADMIN01"}).encode()
    content_type = "application/x-www-form-urlencoded"

    tampered = httpx.post(
        harness.server.url + "/slack/events",
        content=tampered_body,
        headers={**headers, "Content-Type": content_type},
    )
    forged = harness.slack.post(body, content_type, signature="v0=" + "0" * 64)
    unsigned = httpx.post(
        harness.server.url + "/slack/events", content=body, headers={"Content-Type": content_type}
    )

    assert [tampered.status_code, forged.status_code, unsigned.status_code] == [401, 401, 401]
    assert harness.work_pool.wait_idle(5)  # nothing was handed on either
    assert ran == [] and harness.services.identity.calls == []
    assert harness.state.calls == []


def test_a_stale_timestamp_gets_401_and_a_fresh_one_passes(harness: Harness) -> None:
    ran: list[str] = []

    @harness.bolt.command("/hello")
    def hello(ack: Ack) -> None:
        ran.append("hello")
        ack()

    body = urlencode(harness.slack.command_fields(OWNER, "/hello")).encode()
    content_type = "application/x-www-form-urlencoded"
    stale = harness.slack.post(body, content_type, timestamp=int(time.time()) - 5 * 60 - 5)
    assert stale.status_code == 401
    assert ran == []
    fresh = harness.slack.post(body, content_type, timestamp=int(time.time()) - 4 * 60)
    assert fresh.status_code == 200 and ran == ["hello"]


def test_url_verification_is_answered(harness: Harness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    reply = harness.slack.post(body, "application/json")
    assert reply.status_code == 200 and reply.json() == {"challenge": "c-123"}


# -- repeated deliveries ----------------------------------------------------------------------


def test_an_event_retried_by_slack_is_handled_once(harness: Harness) -> None:
    handled: list[str] = []
    lock = threading.Lock()

    @harness.bolt.event("app_mention")
    def mention(event: dict[str, Any]) -> None:
        with lock:
            handled.append(event["text"])

    event = {"type": "app_mention", "user": STAFF, "text": "<@U0ROSTERBOT> hi", "channel": TEAM_CHANNEL_ID}
    first = harness.slack.event(event, event_id="Ev0RETRY1")
    retry = harness.slack.event(event, event_id="Ev0RETRY1", retry_num=1)
    second_retry = harness.slack.event(event, event_id="Ev0RETRY1", retry_num=2, retry_reason="http_error")
    other = harness.slack.event(event, event_id="Ev0OTHER1")

    assert [r.status_code for r in (first, retry, second_retry, other)] == [200, 200, 200, 200]
    # Events are handled before Slack is answered (process_before_response): all four are done.
    assert harness.work_pool.wait_idle(5)
    assert len(handled) == 2


def test_a_double_submitted_view_is_handled_once(harness: Harness) -> None:
    open_form_on(harness)
    created: list[str] = []

    def save(ack: Ack, context: BoltContext) -> None:
        ack()
        defer_work(context)  # as every form's work goes

    def create(view: dict[str, Any]) -> None:
        created.append(view["state"]["values"]["title"]["value"]["value"])

    harness.bolt.view("test_form")(save, create)

    form = opened_form(harness)
    values = {"title": {"value": "Manager"}, "role": {"value": "admin"}}
    replies: list[httpx.Response] = []

    def submit() -> None:
        replies.append(harness.slack.submit_view(OWNER, form, values))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in replies] == [200, 200]
    assert harness.work_pool.wait_idle(5)
    assert created == ["Manager"]
    with harness.services.session_factory() as session:
        keys = session.scalars(select(SlackDelivery.key)).all()
    assert keys == [f"view:T0DEMO:{form['id']}:{form['hash']}"]
    assert harness.state.open_views(OWNER) == []


def test_a_submission_answered_with_errors_can_be_corrected_and_submitted_again(harness: Harness) -> None:
    open_form_on(harness)
    saved: list[str] = []

    def check(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        title = view["state"]["values"]["title"]["value"]["value"] or ""
        if len(title) < 3:
            ack(response_action="errors", errors={"title": "At least 3 characters."})
            return
        ack()
        defer_work(context)

    def save(view: dict[str, Any]) -> None:
        saved.append(view["state"]["values"]["title"]["value"]["value"])

    harness.bolt.view("test_form")(check, save)

    form = opened_form(harness)
    refused = harness.slack.submit_view(OWNER, form["callback_id"], {"title": {"value": "X"}})
    assert refused.json() == {"response_action": "errors", "errors": {"title": "At least 3 characters."}}
    assert [v["id"] for v in harness.state.open_views(OWNER)] == [form["id"]]  # still open
    accepted = harness.slack.submit_view(OWNER, form["callback_id"], {"title": {"value": "Xavier"}})
    assert accepted.status_code == 200 and accepted.content == b""
    assert harness.state.wait_for(lambda s: s.open_views(OWNER) == [], timeout=2)
    assert harness.work_pool.wait_idle(5)
    assert saved == ["Xavier"]


# -- the Web client ---------------------------------------------------------------------------


def test_the_web_client_retries_a_429_and_succeeds(harness: Harness) -> None:
    done = threading.Event()

    @harness.bolt.command("/announce")
    def announce(ack: Ack, client: WebClient) -> None:
        ack()
        client.chat_postMessage(channel=TEAM_CHANNEL_ID, text="after the wait")
        done.set()

    harness.state.inject_429("chat.postMessage", times=1, retry_after=0)
    assert harness.slack.command(OWNER, "/announce").status_code == 200
    assert done.wait(timeout=5)
    assert [c.status for c in harness.state.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in harness.state.messages(TEAM_CHANNEL_ID)] == ["after the wait"]


# -- errors -----------------------------------------------------------------------------------


def test_a_refusal_raised_in_a_command_reaches_the_user_ephemerally(harness: Harness) -> None:
    @harness.bolt.command("/promote")
    def promote(ack: Ack) -> None:
        ack()
        raise PermissionDenied(Role.ADMIN, "Only an owner or an admin can change roles.")

    reply = harness.slack.command(STAFF, "/promote", "@tara admin")

    assert reply.status_code == 200
    assert harness.state.wait_for(lambda s: len(s.responses) == 1, timeout=3)
    response = harness.state.responses[0]
    assert (response.response_type, response.text, response.user) == (
        "ephemeral",
        "Only an owner or an admin can change roles.",
        STAFF,
    )
    assert harness.state.messages(TEAM_CHANNEL_ID) == []


def test_an_error_raised_right_after_ack_never_turns_the_ack_into_a_404(harness: Harness) -> None:
    # With process_before_response=False slack_bolt reset the ack when a listener raised after
    # acking, and the request thread could miss it and answer Slack 404 after 3 seconds.
    @harness.bolt.command("/promote")
    def promote(ack: Ack) -> None:
        ack()
        raise PermissionDenied(Role.ADMIN, "Only an owner or an admin can change roles.")

    statuses = [harness.slack.command(STAFF, "/promote", "@tara admin").status_code for _ in range(8)]

    assert statuses == [200] * 8
    assert harness.state.wait_for(lambda s: len(s.responses) == 8, timeout=5)


def test_an_error_before_ack_still_answers_200_and_an_unexpected_one_is_logged_not_shown(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    @harness.bolt.command("/boom")
    def boom(ack: Ack) -> None:
        raise RuntimeError("database password is hunter2")

    with caplog.at_level(logging.ERROR, logger="rosterbot.slack.errors"):
        reply = harness.slack.command(OWNER, "/boom")
        assert harness.state.wait_for(lambda s: len(s.responses) == 1, timeout=3)

    assert reply.status_code == 200
    assert harness.state.responses[0].text == UNEXPECTED
    assert "hunter2" not in harness.state.responses[0].text
    assert any(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in caplog.records)


def test_an_api_error_in_a_button_click_without_response_url_goes_to_the_users_dm(harness: Harness) -> None:
    home = {
        "type": "home",
        "blocks": [
            {
                "type": "actions",
                "block_id": "home_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "refresh",
                        "text": {"type": "plain_text", "text": "Refresh"},
                    }
                ],
            }
        ],
    }
    harness.bolt.client.views_publish(user_id=STAFF, view=home)

    @harness.bolt.action("refresh")
    def refresh(ack: Ack) -> None:
        ack()
        raise Unavailable("timeout after 10s")

    reply = harness.slack.click(STAFF, "refresh", view=harness.state.home(STAFF))
    assert reply.status_code == 200
    assert harness.state.wait_for(lambda s: len(s.messages("D0STAFF01")) == 1, timeout=3)
    assert harness.state.messages("D0STAFF01")[0]["text"] == Unavailable().user_message


def test_a_view_submission_error_becomes_response_action_errors(harness: Harness) -> None:
    open_form_on(harness)

    @harness.bolt.view("test_form")
    def save(ack: Ack, context: BoltContext) -> None:
        raise InvalidRequest({"role": "Only an owner can make someone an admin.", "start": "ignored"})

    form = opened_form(harness)
    reply = harness.slack.submit_view(OWNER, form, {"title": {"value": "Lead"}, "role": {"value": "admin"}})

    assert reply.status_code == 200
    assert reply.json() == {
        "response_action": "errors",
        "errors": {"role": "Only an owner can make someone an admin."},
    }
    assert [v["id"] for v in harness.state.open_views(OWNER)] == [form["id"]]
    # Nothing was done, so the same submission may come again and be handled.
    again = harness.slack.submit_view(OWNER, form, {"title": {"value": "Lead"}, "role": {"value": "admin"}})
    assert again.json()["response_action"] == "errors"


def test_a_refusal_without_field_errors_goes_under_the_first_input(harness: Harness) -> None:
    open_form_on(harness)

    @harness.bolt.view("test_form")
    def save(ack: Ack) -> None:
        raise PermissionDenied(Role.OWNER, "Only an owner can do that.")

    form = opened_form(harness)
    reply = harness.slack.submit_view(OWNER, form, {"title": {"value": "Lead"}})
    assert reply.json() == {"response_action": "errors", "errors": {"title": "Only an owner can do that."}}


def test_the_actor_is_resolved_after_ack_and_a_failure_is_told_to_the_user(harness: Harness) -> None:
    # Resolving may ask the business API: the listener acks first, so a slow or failing API never
    # costs Slack's 3 seconds; the failure reaches the user through the error handler.
    ran: list[str] = []

    @harness.bolt.command("/team")
    def team(ack: Ack, context: BoltContext) -> None:
        ack()
        ran.append("acked")
        actor_of(context)
        ran.append("resolved")

    harness.services.identity.error = Unavailable("connect refused")
    reply = harness.slack.command(OWNER, "/team")
    assert reply.status_code == 200
    assert harness.state.wait_for(lambda s: len(s.responses) == 1, timeout=3)
    assert harness.state.responses[0].text == Unavailable().user_message
    assert ran == ["acked"]


# -- health -----------------------------------------------------------------------------------


def test_healthz_answers_ok(harness: Harness) -> None:
    reply = httpx.get(harness.server.url + "/healthz")
    assert (reply.status_code, reply.json()) == (200, {"ok": True})
