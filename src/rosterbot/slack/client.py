"""The Slack Web API client rosterbot uses: pointed at `SLACK_API_URL`, retrying 429s and dropped
connections (DESIGN.md: Slack Web API calls retry on 429 with `Retry-After`).

It is also the last guard of "user text is text". Every piece of user text is escaped where it is
put into a message (`rosterbot.slack.blocks.escape_mrkdwn`); the bot itself never writes a special
command (`<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^…>`, any `<!…>`). So a special command
in the text Slack parses of anything sent — a Web API call (`GuardedWebClient`) or a response_url
post (`GuardedRespond`) — is a missing escape: it is escaped here, and logged, rather than let it
notify a whole channel. (A user's `<@U…>` or `<#C…>` cannot be told from the bot's own mentions
here; the escaping where text is rendered covers those, and tests/security/test_escaping.py sweeps
every surface for both.)
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

from rosterbot.config import Settings
from rosterbot.slack.blocks import escape_mrkdwn

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
TIMEOUT_SECONDS = 10


def make_web_client(
    settings: Settings,
    *,
    rate_limit_retries: int = RATE_LIMIT_RETRIES,
    connection_retries: int = CONNECTION_RETRIES,
    timeout: int = TIMEOUT_SECONDS,
) -> WebClient:
    """A WebClient with the bot token at `settings.slack_api_url` (which must end with "/").

    A 429 is retried up to `rate_limit_retries` times after its `Retry-After`; a refused or reset
    connection up to `connection_retries` times with backoff."""
    settings.require("slack_bot_token")
    assert settings.slack_bot_token is not None
    base_url = (
        settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    )
    client_class = GuardedWebClient
    if settings.demo:
        # Every message, modal and Home tab says "demo data" (rosterbot.slack.demo).
        from rosterbot.slack.demo import DemoWebClient

        client_class = DemoWebClient
    return client_class(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=connection_retries),
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
        ],
    )


# ---- no special command leaves unescaped -------------------------------------------------------------

_SPECIAL = re.compile(r"<![^>]*>")


def without_special_commands(payload: Any) -> Any:
    """`payload` (a call's arguments, a message, a view) with every `<!…>` in the text Slack parses
    (a `text` string that is not plain_text: a message's notification text, a mrkdwn object)
    escaped. Blocks or a view given as a JSON string are read, guarded and written back."""
    if isinstance(payload, dict):
        guarded: dict[str, Any] = {}
        for key, value in payload.items():
            if key == "text" and isinstance(value, str) and payload.get("type") != "plain_text":
                guarded[key] = _escape_special(value)
            elif key in ("blocks", "view", "attachments") and isinstance(value, str):
                guarded[key] = _guard_json(value)
            else:
                guarded[key] = without_special_commands(value)
        return guarded
    if isinstance(payload, list):
        return [without_special_commands(item) for item in payload]
    return payload


def _escape_special(text: str) -> str:
    if "<!" not in text:
        return text
    log.warning("escaped a special command in text sent to Slack: some user text was not escaped")
    return _SPECIAL.sub(lambda found: escape_mrkdwn(found.group(0)), text)


def _guard_json(text: str) -> str:
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return json.dumps(without_special_commands(parsed))


class GuardedWebClient(WebClient):
    """A WebClient whose every call goes out `without_special_commands`."""

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict | None = None,
        data: dict | None = None,
        params: dict | None = None,
        json: dict | None = None,
        headers: dict | None = None,
        auth: dict | None = None,
    ) -> SlackResponse:
        return super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=without_special_commands(data),
            params=without_special_commands(params),
            json=without_special_commands(json),
            headers=headers,
            auth=auth,
        )


class GuardedRespond(Respond):
    """Bolt's `respond` (a response_url post), its message sent `without_special_commands`."""

    def __call__(self, text: str | dict = "", blocks: Any = None, **kwargs: Any) -> WebhookResponse:  # type: ignore[override]
        message = without_special_commands({"text": text, "blocks": blocks})
        return super().__call__(message["text"], message["blocks"], **kwargs)


def guard_respond(context: BoltContext, next: Any) -> None:  # noqa: A002 - Bolt passes `next` by name
    """Global middleware: this request's `respond` is a `GuardedRespond`."""
    if context.response_url:
        context["respond"] = GuardedRespond(
            response_url=context.response_url, proxy=context.client.proxy, ssl=context.client.ssl
        )
    next()


def tell_user(
    client: WebClient,
    user_id: str,
    channel_id: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """An ephemeral message in `channel_id`, or a DM when that fails (the bot is not in the channel)
    or there is no channel. A DM that fails raises."""
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            log.info("ephemeral in %s failed (%s); sending a DM", channel_id, error.response.get("error"))
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
