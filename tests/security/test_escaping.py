"""User text is text: a name, reason, note, title, description or e-mail that holds Slack markup
(`<!here>`, `<@U…>`, `<#C…>`, `&lt;`) reaches Slack escaped wherever Slack parses it — the
notification `text` of a message or response as much as its mrkdwn blocks, DMs, the App Home and
modals — so it never becomes a live mention.

One sweep: the main surfaces are driven end to end (signed requests into the sandbox) with hostile
values, and everything the Slack stand-in received (every Web API call, every response_url post)
and every HTTP answer to Slack is searched for a live token the bot would not produce itself. The
bot's own mentions are `<@USER>` of a real workspace user and `<#CHANNEL>` of a real channel, never
with a `|label`, and never a broadcast (`<!…>`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID, TEAM_CHANNEL_ID
from rosterbot.sandbox import Sandbox
from rosterbot.services.outbox import RetryPolicy
from rosterbot.slack.client import GuardedRespond, make_web_client, without_special_commands
from rosterbot.store import outbox
from rosterbot.store.db import session_scope
from support import SLACK_WAIT, command, settled_modal, texts

OWNER, ADMIN, SAM, TARA = "U0OWNER01", "U0ADMIN01", "U0STAFF01", "U0STAFF02"
SAM_ID, TARA_ID, UMAR_ID = 4, 5, 6  # demo member ids (emulators/demo.py order)
HOSTILE_POSITION = 1  # the emulator's first demo position
ZONE = "Europe/Berlin"

# What a user may type, each a live token if Slack read it unescaped. None of these ids exists in the
# workspace, and the bot never writes a `|label` or a broadcast: any of them found live came from a user.
SAM_FIRST, SAM_LAST = "<!here>", "<@U0EVIL01>"
TARA_FIRST, TARA_LAST = "<!channel>", "<#C0EVIL01|general>"
UMAR_EMAIL = "umar<!everyone>@demo-salon.example"
TITLE = "<!subteam^S0EVIL01|@stylists>"
DESCRIPTION = "<@U0OWNER01|boss> &lt;b&gt;"
REASON = "<!here> <@U0EVIL02> <#C0EVIL02> &lt;b&gt;"
NOTE = "<!channel> <@U0OWNER01|boss> &lt;b&gt;"
ADDED_FIRST, ADDED_LAST = "<!everyone>", "<@U0EVIL03>"
# A literal "&lt;b&gt;" typed by a user is shown as typed: sent as "&amp;lt;b&amp;gt;".
LITERAL_ENTITY = "&lt;b&gt;"

_LIVE = re.compile(r"<([!@#])([^>]*)>")
QUICK_RETRIES = RetryPolicy(max_attempts=5, base_seconds=0.0, max_seconds=0.0, lease_seconds=60)


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox(timezone=ZONE)


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Iterator[Sandbox]:
    _box.api_state.reset()
    _box.api_state.down(False)
    _box.slack_state.clear()
    _box.services.identity.forget()
    _box.services.availability.forget_positions()
    assert _box.services.outbox is not None
    _box.services.outbox.policy = QUICK_RETRIES
    yield _box


# ---- the sweep ------------------------------------------------------------------------------------


def parsed_texts(payload: Any) -> Iterator[str]:
    """Every string Slack parses as mrkdwn in a message, response or view: the top-level `text`
    (the notification line) and the text of every mrkdwn object. plain_text is shown as typed."""
    if isinstance(payload, dict):
        if isinstance(payload.get("text"), str) and payload.get("type") != "plain_text":
            yield payload["text"]
        for key, value in payload.items():
            if key != "text" or not isinstance(value, str):
                yield from parsed_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from parsed_texts(item)


def foreign_tokens(text: str, users: set[str], channels: set[str]) -> list[str]:
    """The live tokens in `text` the bot would not write itself."""
    found = []
    for match in _LIVE.finditer(text):
        sigil, body = match.groups()
        if sigil == "@" and body in users or sigil == "#" and body in channels:
            continue
        found.append(match.group(0))
    return found


def everything_sent(box: Sandbox, answers: list[httpx.Response]) -> list[tuple[str, Any]]:
    sent: list[tuple[str, Any]] = [(call.method, call.args) for call in box.slack_state.calls]
    sent += [("response_url", post.payload) for post in box.slack_state.responses]
    for answer in answers:
        if answer.content and answer.headers.get("content-type", "").startswith("application/json"):
            sent.append(("ack", answer.json()))
    return sent


def assert_nothing_live(box: Sandbox, answers: list[httpx.Response]) -> None:
    users = set(box.slack_state.users)
    channels = set(box.slack_state.channels)
    leaks = []
    for where, payload in everything_sent(box, answers):
        for text in parsed_texts(payload):
            tokens = foreign_tokens(text, users, channels)
            if tokens or LITERAL_ENTITY in text:
                leaks.append(f"{where}: {tokens or LITERAL_ENTITY!r} in {text[:160]!r}")
    assert leaks == [], "\n".join(leaks)


def test_the_sweep_sees_a_live_mention_and_passes_an_escaped_one() -> None:
    users, channels = {"U0OWNER01"}, {"C0TEAM"}
    assert foreign_tokens("hi <@U0OWNER01> in <#C0TEAM>", users, channels) == []
    assert foreign_tokens("<!here> <@U0OWNER01|boss> <#C1>", users, channels) == [
        "<!here>",
        "<@U0OWNER01|boss>",
        "<#C1>",
    ]
    assert foreign_tokens("&lt;!here&gt;", users, channels) == []
    payload = {"text": "a", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "<!here>"}}]}
    assert list(parsed_texts(payload)) == ["a"]


# ---- driving the surfaces ---------------------------------------------------------------------------


def local_today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def deliver(box: Sandbox) -> None:
    assert box.services.outbox is not None
    for _ in range(20):
        if box.services.outbox.deliver_due() == 0:
            return


def make_hostile(box: Sandbox) -> None:
    """Names, an e-mail and a position as a careless (or malicious) admin could have typed them."""
    box.api_state.replace_member(SAM_ID, {"first_name": SAM_FIRST, "last_name": SAM_LAST})
    box.api_state.replace_member(TARA_ID, {"first_name": TARA_FIRST, "last_name": TARA_LAST})
    box.api_state.replace_member(UMAR_ID, {"email": UMAR_EMAIL})
    position = box.api_state.position(HOSTILE_POSITION)
    assert position is not None
    box.api_state.replace_position(HOSTILE_POSITION, TITLE, DESCRIPTION, None)


def wait(box: Sandbox, predicate: Callable[[Any], bool]) -> None:
    assert box.slack_state.wait_for(predicate, timeout=SLACK_WAIT)


def request_time_off(box: Sandbox, user: str, starts_on: date, answers: list[httpx.Response]) -> None:
    """`user` fills in the request form with a hostile reason; waits until it is posted for approval."""
    before = len(box.slack_state.messages(APPROVALS_CHANNEL_ID))
    told = sum("waiting for approval" in e.text for e in box.slack_state.ephemerals(user=user))
    assert box.slack.command(user, "/timeoff").status_code == 200
    wait(box, lambda s: any(v["callback_id"] == "timeoff_request" for v in s.open_views(user)))
    values = {
        "starts_on": {"timeoff_field": starts_on.isoformat()},
        "all_day": {"timeoff_field": "all_day"},
        "reason": {"timeoff_field": REASON},
    }
    answers.append(box.slack.submit_view(user, "timeoff_request", values))
    wait(box, lambda s: sum("waiting for approval" in e.text for e in s.ephemerals(user=user)) > told)
    deliver(box)
    assert len(box.slack_state.messages(APPROVALS_CHANNEL_ID)) == before + 1  # reminders come later


def approval_for(box: Sandbox, request_id: int) -> dict[str, Any]:
    (found,) = [
        m
        for m in box.slack_state.messages(APPROVALS_CHANNEL_ID)
        if m["text"].startswith(f"Time off request #{request_id} ")
    ]
    return found


def test_hostile_text_reaches_slack_escaped_everywhere(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rosterbot.slack.client")
    make_hostile(box)
    answers: list[httpx.Response] = []

    # The team: list, show, the edit form, a removal's confirmation, a position set.
    command(box, OWNER, "/team", "list all")
    command(box, OWNER, "/team", f"show #{SAM_ID}")
    command(box, OWNER, "/team", f"show #{UMAR_ID}")
    command(box, OWNER, "/team", f"position #{SAM_ID} #{HOSTILE_POSITION}")
    command(box, OWNER, "/team", f"remove #{TARA_ID}")
    command(box, OWNER, "/team", "show here")  # several or no matches: the reference is echoed
    assert box.slack.command(OWNER, "/team", f"edit #{SAM_ID}").status_code == 200
    settled_modal(box, OWNER)

    # An admin adds a member whose name is a broadcast.
    assert box.slack.command(ADMIN, "/team", "add").status_code == 200
    settled_modal(box, ADMIN)
    added = {
        "first_name": {"team_field": ADDED_FIRST},
        "last_name": {"team_field": ADDED_LAST},
        "role": {"team_field": "staff"},
    }
    answers.append(box.slack.submit_view(ADMIN, "team_add_member", added))
    wait(box, lambda s: any("Added" in e.text for e in s.ephemerals(user=ADMIN)))

    # Positions.
    command(box, OWNER, "/position", "list")
    command(box, OWNER, "/position", f"show #{HOSTILE_POSITION}")

    # Time off: Sam asks for today (approved: the team post, the DM, the digest), Tara for later
    # (denied with a note).
    request_time_off(box, SAM, local_today(), answers)
    request_time_off(box, TARA, local_today() + timedelta(days=3), answers)
    command(box, SAM, "/timeoff", "list")
    command(box, ADMIN, "/timeoff", "pending")

    box.slack.click(ADMIN, "timeoff_approve", message=approval_for(box, 1))
    wait(box, lambda s: any("Approved" in r.text for r in s.responses))
    deliver(box)
    wait(box, lambda s: len(s.messages("D" + SAM[1:])) >= 1)

    with session_scope(box.services.session_factory) as session:  # Tara's request is still waiting
        outbox.enqueue(session, outbox.SEND_REMINDER, request_id=2, at=datetime.now(UTC))
    deliver(box)
    assert any("still waiting" in m["text"] for m in box.slack_state.messages(APPROVALS_CHANNEL_ID))

    box.slack.click(OWNER, "timeoff_deny", message=approval_for(box, 2))
    wait(box, lambda s: any(v["callback_id"] == "timeoff_deny" for v in s.open_views(OWNER)))
    answers.append(box.slack.submit_view(OWNER, "timeoff_deny", {"note": {"timeoff_field": NOTE}}))
    wait(box, lambda s: any("Denied" in json.dumps(v) for v in s.open_views(OWNER)))
    deliver(box)
    wait(box, lambda s: len(s.messages("D" + TARA[1:])) >= 1)

    # Sam's later time off, approved then cancelled by an approver: the team post is struck, Sam told.
    request_time_off(box, SAM, local_today() + timedelta(days=5), answers)
    box.slack.click(ADMIN, "timeoff_approve", message=approval_for(box, 3))
    wait(box, lambda s: sum("Approved" in r.text for r in s.responses) >= 2)
    deliver(box)
    command(box, ADMIN, "/timeoff", "cancel 3")
    deliver(box)
    wait(box, lambda s: any("cancelled by" in m["text"] for m in s.messages("D" + SAM[1:])))

    # Availability, in the channel and as an answer; the digest.
    command(box, OWNER, "/availability", f"today <#{TEAM_CHANNEL_ID}|team>")
    command(box, OWNER, "/availability", "week")
    with session_scope(box.services.session_factory) as session:
        payload = {
            "slack_team_id": box.slack.team_id,
            "day": local_today().isoformat(),
            "channel": TEAM_CHANNEL_ID,
        }
        outbox.enqueue(session, outbox.POST_DIGEST, payload=payload, at=datetime.now(UTC))
    deliver(box)
    assert any("Team today" in m["text"] for m in box.slack_state.messages(TEAM_CHANNEL_ID))

    # The App Home, for the requester and for an approver.
    for user in (SAM, ADMIN):
        box.slack.home_opened(user)
        wait(box, lambda s, user=user: s.home(user) is not None)

    # The hostile text did reach Slack (as text), so the sweep below has something to find.
    shown = json.dumps([payload for _, payload in everything_sent(box, answers)])
    for escaped in ("&lt;!here&gt;", "&lt;!channel&gt;", "&lt;@U0EVIL02&gt;", "&amp;lt;b&amp;gt;"):
        assert escaped in shown, escaped
    assert "&lt;!everyone&gt;" in texts(box.slack_state.ephemerals(user=ADMIN)[-1].blocks or [])
    assert_nothing_live(box, answers)
    # Escaped where it was rendered: the last guard (below) never had anything to do.
    assert [r.getMessage() for r in caplog.records if r.name == "rosterbot.slack.client"] == []


def test_the_availability_post_of_the_finding_has_no_live_broadcast(box: Sandbox) -> None:
    """Finding 4 as reported: a member named `<!here>`, then `/availability today #team`."""
    box.api_state.replace_member(SAM_ID, {"first_name": SAM_FIRST})
    command(box, OWNER, "/availability", f"today <#{TEAM_CHANNEL_ID}|team>")
    (posted,) = box.slack_state.messages(TEAM_CHANNEL_ID)
    assert "<!here>" not in posted["text"]
    assert "&lt;!here&gt;" in posted["text"]
    assert_nothing_live(box, [])


# ---- the last guard: no special command leaves unescaped -----------------------------------------------


def test_a_special_command_the_rendering_missed_is_escaped_on_the_way_out(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Were a builder to forget an escape, `<!here>` still would not notify the channel: the Web
    client and the response_url posts escape any `<!…>` in the text Slack parses (the bot never
    writes one), and say so in the log. plain_text is left as typed."""
    caplog.set_level(logging.WARNING, logger="rosterbot.slack.client")
    header = {"type": "header", "text": {"type": "plain_text", "text": "<!here> as typed"}}
    section = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "<@U0OWNER01>: <!channel> <!subteam^S1|x>"},
    }

    make_web_client(box.settings).chat_postMessage(
        channel=TEAM_CHANNEL_ID, text="Hi <!here>", blocks=[header, section]
    )
    url = box.slack_state.issue_response_url(TEAM_CHANNEL_ID, OWNER)
    GuardedRespond(response_url=url)(text="Hi <!everyone>", blocks=[section], response_type="ephemeral")

    (posted,) = box.slack_state.messages(TEAM_CHANNEL_ID)
    assert posted["text"] == "Hi &lt;!here&gt;"
    assert posted["blocks"][0]["text"]["text"] == "<!here> as typed"
    assert posted["blocks"][1]["text"]["text"] == "<@U0OWNER01>: &lt;!channel&gt; &lt;!subteam^S1|x&gt;"
    (responded,) = box.slack_state.responses
    assert responded.text == "Hi &lt;!everyone&gt;"
    assert responded.payload["blocks"][0]["text"]["text"] == posted["blocks"][1]["text"]["text"]
    assert any("not escaped" in r.getMessage() for r in caplog.records)


def test_a_view_given_as_json_is_guarded_too() -> None:
    view = json.dumps(
        {
            "type": "modal",
            "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "<!here>"}]}],
        }
    )
    guarded = without_special_commands({"view": view, "trigger_id": "<!here>"})
    assert "&lt;!here&gt;" in guarded["view"] and guarded["trigger_id"] == "<!here>"
