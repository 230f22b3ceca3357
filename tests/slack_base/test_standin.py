"""The Slack Web API stand-in answers as Slack does, over HTTP, and records what it was sent."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID, UNLINKED_SLACK_USER
from rosterbot.emulators.serving import RunningServer
from rosterbot.emulators.slack_api import SlackState

from .conftest import BOT_TOKEN

OWNER = "U0OWNER01"


@pytest.fixture
def web(standin: tuple[RunningServer, SlackState], slack_state: SlackState) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=standin[0].url + "/api/")


def api_url(standin: tuple[RunningServer, SlackState], method: str) -> str:
    return f"{standin[0].url}/api/{method}"


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


def modal(blocks: int = 1, **extra: object) -> dict[str, object]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Add member"},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"line {i}"}} for i in range(blocks)
        ],
        **extra,
    }


# -- auth -------------------------------------------------------------------------------------


def test_auth_test_names_the_demo_team_and_the_bot(web: WebClient) -> None:
    answer = web.auth_test()
    assert answer["team_id"] == "T0DEMO"
    assert answer["user_id"] == "U0ROSTERBOT" and answer["bot_id"]


def test_a_call_without_a_bearer_token_or_with_a_wrong_one_is_refused(
    standin: tuple[RunningServer, SlackState], slack_state: SlackState
) -> None:
    missing = httpx.post(api_url(standin, "chat.postMessage"), data={"channel": TEAM_CHANNEL_ID, "text": "x"})
    wrong = httpx.post(
        api_url(standin, "chat.postMessage"),
        data={"channel": TEAM_CHANNEL_ID, "text": "x"},
        headers={"Authorization": "Bearer xoxb-wrong"},
    )
    assert (missing.status_code, missing.json()) == (200, {"ok": False, "error": "not_authed"})
    assert (wrong.status_code, wrong.json()) == (200, {"ok": False, "error": "invalid_auth"})
    assert slack_state.messages(TEAM_CHANNEL_ID) == []


def test_an_unknown_method_says_so(standin: tuple[RunningServer, SlackState]) -> None:
    reply = httpx.post(api_url(standin, "chat.nope"), headers={"Authorization": f"Bearer {BOT_TOKEN}"})
    assert reply.json() == {"ok": False, "error": "unknown_method"}


# -- chat -------------------------------------------------------------------------------------


def test_post_message_returns_increasing_unique_ts_and_is_recorded(
    web: WebClient, slack_state: SlackState
) -> None:
    first = web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="hello")
    second = web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="again", blocks=[{"type": "divider"}])
    assert first["channel"] == TEAM_CHANNEL_ID and first["message"]["text"] == "hello"
    seconds, micros = first["ts"].split(".")
    assert len(seconds) == 10 and len(micros) == 6
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in slack_state.messages(TEAM_CHANNEL_ID)] == ["hello", "again"]
    assert slack_state.messages(TEAM_CHANNEL_ID)[1]["blocks"] == [{"type": "divider"}]
    assert [c.args["text"] for c in slack_state.calls_to("chat.postMessage")] == ["hello", "again"]


def test_post_message_by_form_with_json_blocks_and_by_channel_name(
    standin: tuple[RunningServer, SlackState], slack_state: SlackState
) -> None:
    reply = httpx.post(
        api_url(standin, "chat.postMessage"),
        data={"channel": "#approvals", "text": "t", "blocks": json.dumps([{"type": "divider"}])},
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
    ).json()
    assert reply["ok"] and reply["channel"] == APPROVALS_CHANNEL_ID
    assert slack_state.calls_to("chat.postMessage")[0].args["blocks"] == [{"type": "divider"}]


def test_ts_stay_unique_under_concurrent_posts(web: WebClient, slack_state: SlackState) -> None:
    def post() -> None:
        for _ in range(10):
            web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="x")

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [m["ts"] for m in slack_state.messages(TEAM_CHANNEL_ID)]
    assert len(stamps) == 40 and len(set(stamps)) == 40


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
def test_post_message_refusals(web: WebClient, slack_state: SlackState) -> None:
    assert error_of(lambda: web.chat_postMessage(channel="C0NOPE", text="x")) == "channel_not_found"
    assert error_of(lambda: web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="")) == "no_text"
    too_many = [{"type": "divider"}] * 51
    assert (
        error_of(lambda: web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="t", blocks=too_many))
        == "invalid_blocks"
    )
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert (
        error_of(lambda: web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="t", blocks=long_section))
        == "invalid_blocks"
    )
    web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="t", blocks=[{"type": "divider"}] * 50)
    assert len(slack_state.messages(TEAM_CHANNEL_ID)) == 1
    assert [c.ok for c in slack_state.calls_to("chat.postMessage")] == [False, False, False, False, True]


def test_a_dm_to_a_user_id_opens_their_im(web: WebClient, slack_state: SlackState) -> None:
    sent = web.chat_postMessage(channel=OWNER, text="psst")
    opened = web.conversations_open(users=OWNER)
    assert sent["channel"] == opened["channel"]["id"] == "D0OWNER01"
    assert [m["text"] for m in slack_state.messages("D0OWNER01")] == ["psst"]
    assert web.conversations_info(channel="D0OWNER01")["channel"]["user"] == OWNER


def test_update_keeps_the_history_and_unknown_ts_is_message_not_found(
    web: WebClient, slack_state: SlackState
) -> None:
    ts = web.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="pending")["ts"]
    updated = web.chat_update(channel=APPROVALS_CHANNEL_ID, ts=ts, text="approved")
    assert updated["ts"] == ts and updated["message"]["text"] == "approved"
    assert [m["text"] for m in slack_state.messages(APPROVALS_CHANNEL_ID)] == ["approved"]
    assert [m["text"] for m in slack_state.message_history(APPROVALS_CHANNEL_ID, ts)] == [
        "pending",
        "approved",
    ]
    bogus = "1.000001"
    assert (
        error_of(lambda: web.chat_update(channel=APPROVALS_CHANNEL_ID, ts=bogus, text="x"))
        == "message_not_found"
    )


def test_post_ephemeral(web: WebClient, slack_state: SlackState) -> None:
    answer = web.chat_postEphemeral(channel=TEAM_CHANNEL_ID, user=OWNER, text="only you")
    assert answer["message_ts"]
    assert [(e.user, e.text) for e in slack_state.ephemerals(channel=TEAM_CHANNEL_ID)] == [
        (OWNER, "only you")
    ]
    assert slack_state.messages(TEAM_CHANNEL_ID) == []
    refused = lambda: web.chat_postEphemeral(channel=TEAM_CHANNEL_ID, user="U0NOBODY", text="x")  # noqa: E731
    assert error_of(refused) == "user_not_found"


# -- views ------------------------------------------------------------------------------------


def test_views_open_needs_a_fresh_unused_trigger(
    web: WebClient, slack_state: SlackState, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger = slack_state.issue_trigger_id(OWNER)
    opened = web.views_open(trigger_id=trigger, view=modal(callback_id="member_add"))["view"]
    assert opened["id"].startswith("V") and opened["hash"] and opened["callback_id"] == "member_add"
    assert slack_state.views[opened["id"]]["callback_id"] == "member_add"
    assert [v["id"] for v in slack_state.open_views(OWNER)] == [opened["id"]]
    assert error_of(lambda: web.views_open(trigger_id=trigger, view=modal())) == "exchanged_trigger_id"
    assert error_of(lambda: web.views_open(trigger_id="123.456.abc", view=modal())) == "invalid_trigger_id"
    now = [1000.0]
    monkeypatch.setattr(slack_state, "clock", lambda: now[0])
    stale = slack_state.issue_trigger_id(OWNER)
    now[0] += slack_state.trigger_ttl / 2
    fresh = slack_state.issue_trigger_id(OWNER)
    now[0] += slack_state.trigger_ttl / 2  # the first is trigger_ttl old, the second half that
    assert error_of(lambda: web.views_open(trigger_id=stale, view=modal())) == "expired_trigger_id"
    assert web.views_open(trigger_id=fresh, view=modal())["ok"]


def test_view_block_limits_and_modal_rules(web: WebClient, slack_state: SlackState) -> None:
    def open_(view: dict[str, object]) -> str:
        return error_of(lambda: web.views_open(trigger_id=slack_state.issue_trigger_id(OWNER), view=view))

    assert open_(modal(blocks=101)) == "invalid_arguments"
    assert open_(modal(title={"type": "plain_text", "text": "x" * 25})) == "invalid_arguments"
    with_input = modal()
    with_input["blocks"] = [
        {
            "type": "input",
            "block_id": "b",
            "label": {"type": "plain_text", "text": "L"},
            "element": {"type": "plain_text_input", "action_id": "a"},
        }
    ]
    assert open_(with_input) == "invalid_arguments"  # an input needs a submit button
    web.views_open(trigger_id=slack_state.issue_trigger_id(OWNER), view=modal(blocks=100))
    assert len(slack_state.views) == 1


def test_views_update_by_id_or_external_id_with_hash_check(web: WebClient, slack_state: SlackState) -> None:
    trigger = slack_state.issue_trigger_id(OWNER)
    opened = web.views_open(trigger_id=trigger, view=modal(external_id="req-7"))["view"]
    by_id = web.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(blocks=2))["view"]
    assert by_id["id"] == opened["id"] and by_id["hash"] != opened["hash"]
    stale_hash = opened["hash"]
    conflict = lambda: web.views_update(view_id=opened["id"], hash=stale_hash, view=modal(blocks=3))  # noqa: E731
    assert error_of(conflict) == "hash_conflict"
    web.views_update(external_id="req-7", view=modal(blocks=4))
    assert len(slack_state.views[opened["id"]]["blocks"]) == 4
    assert error_of(lambda: web.views_update(view_id="V0NOPE", view=modal())) == "not_found"


def test_views_push_stacks_on_the_modal_the_trigger_came_from(
    web: WebClient, slack_state: SlackState
) -> None:
    bottom = web.views_open(trigger_id=slack_state.issue_trigger_id(OWNER), view=modal())["view"]
    pushed = web.views_push(
        trigger_id=slack_state.issue_trigger_id(OWNER, view_id=bottom["id"]), view=modal()
    )["view"]
    assert pushed["previous_view_id"] == bottom["id"] and pushed["root_view_id"] == bottom["id"]
    assert [v["id"] for v in slack_state.open_views(OWNER)] == [bottom["id"], pushed["id"]]


def test_views_publish_sets_each_users_home(web: WebClient, slack_state: SlackState) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}
    first = web.views_publish(user_id=OWNER, view=home)["view"]
    again = web.views_publish(user_id=OWNER, view={**home, "blocks": [{"type": "divider"}]})["view"]
    assert first["id"] == again["id"]
    assert slack_state.home(OWNER)["blocks"] == [{"type": "divider"}]  # type: ignore[index]
    assert slack_state.home("U0STAFF01") is None
    assert error_of(lambda: web.views_publish(user_id=OWNER, view=modal())) == "invalid_arguments"


# -- users and conversations ------------------------------------------------------------------


def test_users_info_and_lookup_by_email(web: WebClient) -> None:
    user = web.users_info(user=OWNER)["user"]
    assert user["profile"]["email"] == "olivia@demo-salon.example"
    assert user["real_name"] == "Olivia Owens" and user["tz"] == "UTC"
    guest = web.users_lookupByEmail(email=UNLINKED_SLACK_USER[3].upper())["user"]
    assert guest["id"] == UNLINKED_SLACK_USER[0]
    assert error_of(lambda: web.users_info(user="U0NOBODY")) == "user_not_found"
    assert error_of(lambda: web.users_lookupByEmail(email="nobody@example.com")) == "users_not_found"


def test_conversations_info_and_added_channels_and_users(web: WebClient, slack_state: SlackState) -> None:
    assert web.conversations_info(channel=TEAM_CHANNEL_ID)["channel"]["name"] == "team"
    assert error_of(lambda: web.conversations_info(channel="C0NEW")) == "channel_not_found"
    slack_state.add_channel("C0NEW", "new")
    slack_state.add_user("U0NEW", "Nia", "New", "nia@demo-salon.example", tz="Europe/Lisbon")
    assert web.conversations_info(channel="C0NEW")["channel"]["name"] == "new"
    assert web.users_info(user="U0NEW")["user"]["tz"] == "Europe/Lisbon"
    del slack_state.channels["C0NEW"], slack_state.users["U0NEW"]


def test_a_channel_the_bot_is_not_in_says_so_and_refuses_its_posts(
    web: WebClient, slack_state: SlackState
) -> None:
    assert web.conversations_info(channel=TEAM_CHANNEL_ID)["channel"]["is_member"] is True
    slack_state.add_channel("C0OUT", "outside", bot_is_member=False)
    slack_state.add_channel("G0SECRET", "secret", is_private=True, bot_is_member=False)
    try:
        info = web.conversations_info(channel="C0OUT")["channel"]
        assert info["is_member"] is False and info["name"] == "outside"
        assert error_of(lambda: web.chat_postMessage(channel="C0OUT", text="x")) == "not_in_channel"
        # A private channel the bot is not in is invisible to it.
        assert error_of(lambda: web.conversations_info(channel="G0SECRET")) == "channel_not_found"
        assert error_of(lambda: web.chat_postMessage(channel="G0SECRET", text="x")) == "channel_not_found"
        assert slack_state.messages("C0OUT") == [] and slack_state.messages("G0SECRET") == []
    finally:
        slack_state.remove_channel("C0OUT")
        slack_state.remove_channel("G0SECRET")


# -- faults -----------------------------------------------------------------------------------


def test_injected_429_carries_retry_after_then_clears(web: WebClient, slack_state: SlackState) -> None:
    slack_state.inject_429("chat.postMessage", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="x")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] in ("7", ["7"])
    web.users_info(user=OWNER)  # other methods are not limited
    web.chat_postMessage(channel=TEAM_CHANNEL_ID, text="y")
    assert [c.status for c in slack_state.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in slack_state.messages(TEAM_CHANNEL_ID)] == ["y"]


def test_injected_failure_answers_ok_false(web: WebClient, slack_state: SlackState) -> None:
    slack_state.fail("users.info", "fatal_error", times=2)
    assert error_of(lambda: web.users_info(user=OWNER)) == "fatal_error"
    assert error_of(lambda: web.users_info(user=OWNER)) == "fatal_error"
    assert web.users_info(user=OWNER)["ok"]


# -- response_url -----------------------------------------------------------------------------


def test_response_url_posts_are_recorded_and_act_on_the_channel(
    web: WebClient, slack_state: SlackState
) -> None:
    ts = web.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="Approve?")["ts"]
    on_message = slack_state.issue_response_url(APPROVALS_CHANNEL_ID, OWNER, message_ts=ts)
    from_command = slack_state.issue_response_url(TEAM_CHANNEL_ID, OWNER)
    assert httpx.post(from_command, json={"text": "just you"}).json() == {"ok": True}
    httpx.post(from_command, json={"text": "everyone", "response_type": "in_channel"})
    httpx.post(on_message, json={"text": "Approved by Olivia", "replace_original": True})
    assert [(r.response_type, r.text) for r in slack_state.responses] == [
        ("ephemeral", "just you"),
        ("in_channel", "everyone"),
        ("ephemeral", "Approved by Olivia"),
    ]
    assert [m["text"] for m in slack_state.messages(TEAM_CHANNEL_ID)] == ["everyone"]
    assert [m["text"] for m in slack_state.messages(APPROVALS_CHANNEL_ID)] == ["Approved by Olivia"]
    assert httpx.post(on_message.rsplit("/", 1)[0] + "/unknown", json={"text": "x"}).status_code == 404


def test_a_file_is_uploaded_the_current_way_and_shared_in_a_dm(
    web: WebClient, slack_state: SlackState
) -> None:
    dm = web.conversations_open(users="U0OWNER01")["channel"]["id"]
    shared = web.files_upload_v2(
        channel=dm,
        initial_comment="Here it is",
        file_uploads=[
            {"content": "a,b\n1,2\n", "filename": "one.csv", "title": "One"},
            {"content": "ü\n", "filename": "two.csv"},
        ],
    )
    assert [f["name"] for f in shared["files"]] == ["one.csv", "two.csv"]
    one, two = slack_state.files(channel=dm)
    assert (one.text, one.title, one.initial_comment) == ("a,b\n1,2\n", "One", "Here it is")
    assert two.text == "ü\n" and two.length == len("ü\n".encode())

    # Bytes that are not the announced length, or a file never uploaded, are refused as Slack does.
    url = web.files_getUploadURLExternal(filename="x.csv", length=5)
    assert httpx.post(url["upload_url"], content=b"abc").status_code == 400
    with pytest.raises(SlackApiError) as missing:
        web.files_completeUploadExternal(files=[{"id": url["file_id"], "title": "x"}], channel_id=dm)
    assert missing.value.response["error"] == "file_not_found"
    assert [f.filename for f in slack_state.files()] == ["one.csv", "two.csv"]
