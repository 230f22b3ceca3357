"""SlackWorkspace builds requests as Slack does, and the wiring around the app holds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import sessionmaker

from rosterbot.config import Settings, SettingsError, load_settings
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.emulators.serving import serve_in_thread
from rosterbot.emulators.slack_api.workspace import suggested_options
from rosterbot.slack.app import build_app
from rosterbot.slack.client import make_web_client
from rosterbot.slack.web import create_web_app
from rosterbot.store.db import make_engine

from .conftest import FakeServices, Harness
from .test_app import FORM, OWNER, STAFF, open_form_on, opened_form

APPROVAL_BLOCKS = [
    {"type": "section", "block_id": "request", "text": {"type": "mrkdwn", "text": "Sam asks for Friday off"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "value": "request:7",
                "text": {"type": "plain_text", "text": "Approve"},
            },
            {
                "type": "static_select",
                "action_id": "snooze",
                "placeholder": {"type": "plain_text", "text": "Later"},
                "options": [{"text": {"type": "plain_text", "text": "One hour"}, "value": "1h"}],
            },
        ],
    },
]


def test_a_click_on_a_message_button_can_replace_the_message_through_its_response_url(
    harness: Harness,
) -> None:
    clicks: list[dict[str, Any]] = []

    @harness.bolt.action("approve")
    def approve(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        clicks.append(body)
        respond(text="Approved by Olivia", replace_original=True)

    posted = harness.bolt.client.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="request", blocks=APPROVAL_BLOCKS
    )
    message = harness.state.message(APPROVALS_CHANNEL_ID, posted["ts"])
    assert message is not None

    reply = harness.slack.click(OWNER, "approve", message=message)

    assert reply.status_code == 200
    assert harness.state.wait_for(
        lambda s: s.messages(APPROVALS_CHANNEL_ID)[0]["text"] == "Approved by Olivia"
    )
    body = clicks[0]
    assert body["actions"][0] == {
        **body["actions"][0],
        "action_id": "approve",
        "block_id": "decide",
        "value": "request:7",
        "type": "button",
    }
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": APPROVALS_CHANNEL_ID,
        "is_ephemeral": False,
    }
    assert (
        body["user"]["id"] == OWNER and body["trigger_id"] and body["channel"]["id"] == APPROVALS_CHANNEL_ID
    )
    history = harness.state.message_history(APPROVALS_CHANNEL_ID, posted["ts"])
    assert [m["text"] for m in history] == ["request", "Approved by Olivia"]


def test_a_select_choice_carries_the_selected_option_with_its_label(harness: Harness) -> None:
    chosen: list[dict[str, Any]] = []

    @harness.bolt.action("snooze")
    def snooze(ack: Ack, action: dict[str, Any]) -> None:
        ack()
        chosen.append(action)

    posted = harness.bolt.client.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="r", blocks=APPROVAL_BLOCKS
    )
    harness.slack.click(
        OWNER, "snooze", "1h", message=harness.state.message(APPROVALS_CHANNEL_ID, posted["ts"])
    )
    assert harness.state.wait_for(lambda s: bool(chosen))
    assert chosen[0]["selected_option"] == {"text": {"type": "plain_text", "text": "One hour"}, "value": "1h"}
    with pytest.raises(LookupError):
        harness.slack.click(
            OWNER, "no_such_action", message=harness.state.message(APPROVALS_CHANNEL_ID, posted["ts"])
        )


def test_a_submission_carries_every_input_shaped_by_its_type(harness: Harness) -> None:
    open_form_on(harness)
    submitted: list[dict[str, Any]] = []

    @harness.bolt.view("test_form")
    def save(ack: Ack, view: dict[str, Any], body: dict[str, Any]) -> None:
        ack()
        submitted.append(body)

    form = opened_form(harness)
    harness.slack.submit_view(OWNER, "test_form", {"role": {"value": "admin"}}, private_metadata="member:3")

    assert harness.state.wait_for(lambda s: bool(submitted))
    view = submitted[0]["view"]
    assert (
        view["id"] == form["id"] and view["hash"] == form["hash"] and view["private_metadata"] == "member:3"
    )
    assert view["state"]["values"] == {
        "title": {"value": {"type": "plain_text_input", "value": None}},
        "role": {
            "value": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "Admin"}, "value": "admin"},
            }
        },
    }
    assert submitted[0]["type"] == "view_submission" and submitted[0]["user"]["id"] == OWNER
    with pytest.raises(KeyError):
        harness.slack.submit_view(OWNER, FORM | {"id": form["id"], "hash": "x"}, {"nope": {"value": "x"}})


def test_a_listener_answering_update_replaces_the_modal_in_the_standin(harness: Harness) -> None:
    open_form_on(harness)
    done = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Saved"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Saved."}}],
    }

    @harness.bolt.view("test_form")
    def save(ack: Ack) -> None:
        ack(response_action="update", view=done)

    form = opened_form(harness)
    harness.slack.submit_view(OWNER, form["id"], {"title": {"value": "Lead"}})
    [current] = harness.state.open_views(OWNER)
    assert current["id"] == form["id"] and current["title"]["text"] == "Saved"


def test_home_opened_lets_the_app_publish_the_home_tab(harness: Harness) -> None:
    @harness.bolt.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"Hi <@{event['user']}>"}}],
            },
        )

    assert harness.slack.home_opened(STAFF).status_code == 200
    assert harness.state.wait_for(lambda s: s.home(STAFF) is not None)
    assert harness.state.home(STAFF)["blocks"][0]["text"]["text"] == f"Hi <@{STAFF}>"  # type: ignore[index]


def test_the_slack_layer_gives_identity_an_email_lookup_through_users_info(harness: Harness) -> None:
    lookup = harness.services.identity.lookup_email
    assert callable(lookup)
    assert lookup("T0DEMO", OWNER) == "olivia@demo-salon.example"
    assert lookup("T0DEMO", "U0NOBODY") is None
    assert [c.args["user"] for c in harness.state.calls_to("users.info")] == [OWNER, "U0NOBODY"]


def test_healthz_is_503_when_the_database_does_not_answer(settings: Settings, tmp_path: Any) -> None:
    broken = sessionmaker(bind=make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db"))
    services = FakeServices(broken)
    app = create_web_app(settings, services)  # type: ignore[arg-type]
    server = serve_in_thread(app)
    try:
        reply = httpx.get(server.url + "/healthz")
    finally:
        server.stop()
    assert reply.status_code == 503 and reply.json()["ok"] is False


def test_settings_are_required(settings: Settings, session_factory: Any) -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        make_web_client(load_settings(slack_bot_token=None))
    no_secret = settings.model_copy(update={"slack_signing_secret": None})
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        build_app(no_secret, FakeServices(session_factory))  # type: ignore[arg-type]
    # Socket Mode needs no signing secret; HTTP requests are still verified (and so refused).
    socket_app = build_app(no_secret, FakeServices(session_factory), socket_mode=True)  # type: ignore[arg-type]
    server = serve_in_thread(create_web_app(no_secret, FakeServices(session_factory), bolt_app=socket_app))  # type: ignore[arg-type]
    try:
        reply = httpx.post(
            server.url + "/slack/events",
            data={"command": "/team", "text": ""},
            headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"},
        )
    finally:
        server.stop()
    assert reply.status_code == 401


def test_a_command_from_another_channel_answers_there(harness: Harness) -> None:
    @harness.bolt.command("/where")
    def where(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text="here", response_type="in_channel")

    harness.slack.command(STAFF, "/where", channel_id=APPROVALS_CHANNEL_ID)
    assert harness.state.wait_for(lambda s: bool(s.messages(APPROVALS_CHANNEL_ID)))
    assert [m["text"] for m in harness.state.messages(APPROVALS_CHANNEL_ID)] == ["here"]
    assert harness.state.messages(TEAM_CHANNEL_ID) == []


SEARCH_FORM = FORM | {
    "callback_id": "search_form",
    "blocks": [
        *FORM["blocks"],  # type: ignore[misc]
        {
            "type": "input",
            "block_id": "who",
            "label": {"type": "plain_text", "text": "Who"},
            "element": {"type": "external_select", "action_id": "pick"},
        },
    ],
}


def test_typing_in_an_external_select_asks_the_app_for_options_as_slack_does(harness: Harness) -> None:
    asked: list[dict[str, Any]] = []

    @harness.bolt.command("/search")
    def open_search(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=SEARCH_FORM)

    @harness.bolt.options("pick")
    def pick(ack: Ack, body: dict[str, Any]) -> None:
        asked.append(body)
        count = 101 if body["value"] == "many" else 2
        ack(
            options=[
                {"text": {"type": "plain_text", "text": f"{body['value']} {n}"}, "value": str(n)}
                for n in range(count)
            ]
        )

    assert harness.slack.command(OWNER, "/search").status_code == 200
    assert harness.state.wait_for(lambda s: bool(s.open_views(OWNER)), timeout=3)
    form = harness.state.open_views(OWNER)[-1]

    reply = harness.slack.suggest(OWNER, "search_form", "pick", "sam")
    assert [o["value"] for o in suggested_options(reply)] == ["0", "1"]
    body = asked[0]
    assert body["type"] == "block_suggestion" and body["value"] == "sam"
    assert (body["action_id"], body["block_id"]) == ("pick", "who")
    assert body["container"] == {"type": "view", "view_id": form["id"]} and body["view"]["id"] == form["id"]
    assert body["user"]["id"] == OWNER and body["team"]["id"] == harness.slack.team_id

    with pytest.raises(ValueError, match="at most 100"):  # Slack shows nothing for too many
        suggested_options(harness.slack.suggest(OWNER, "search_form", "pick", "many"))
    with pytest.raises(ValueError, match="min_query_length"):  # Slack waits for 3 characters
        harness.slack.suggest(OWNER, "search_form", "pick", "sa")
    with pytest.raises(ValueError, match="not an external select"):
        harness.slack.suggest(OWNER, "search_form", "value", "sam")
    assert len(asked) == 2
