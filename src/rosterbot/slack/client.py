"""The Slack Web API client rosterbot uses: pointed at `SLACK_API_URL`, retrying 429s and dropped
connections (DESIGN.md: Slack Web API calls retry on 429 with `Retry-After`)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from rosterbot.config import Settings
from rosterbot.slack.demo import DemoWebClient

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
    # Demo mode: every message, modal and Home tab says "demo data" (rosterbot.slack.demo).
    client_class = DemoWebClient if settings.demo else WebClient
    return client_class(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=connection_retries),
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
        ],
    )
