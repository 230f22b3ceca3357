"""Demo mode (`--demo`, `ROSTERBOT_DEMO=1`): every message, modal and the App Home say "demo data".

The built-in demo business is a fake team; a workspace that runs on it must not take it for its own.
Marking happens where everything leaves for Slack (the Web client, and `respond` for a
response_url), so no feature has to remember it.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

from rosterbot.slack.blocks import MAX_MESSAGE_BLOCKS, MAX_MODAL_BLOCKS
from rosterbot.slack.blocks.common import context, section
from rosterbot.slack.client import GuardedRespond, GuardedWebClient

log = logging.getLogger(__name__)

DEMO_NOTE = ":test_tube: Demo data: the built-in demo business, not your real team"
DEMO_BLOCK_ID = "demo_note"

_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
_VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


def demo_note() -> dict[str, Any]:
    block = context(DEMO_NOTE)
    block.block_id = DEMO_BLOCK_ID
    return block.to_dict()


def marked_blocks(text: str, blocks: Sequence[Any] | None, limit: int = MAX_MESSAGE_BLOCKS) -> list[Any]:
    """`blocks` with the demo note after them (a text-only message gets its text as a section, since
    Slack shows the blocks instead of the text). Once there (or at `limit`), they are left as they are."""
    if isinstance(blocks, str):  # slack_sdk also accepts blocks as a JSON string
        blocks = json.loads(blocks)
    elif blocks is None:
        blocks = [section(text).to_dict()] if text else []
    listed = [b.to_dict() if isinstance(b, Block) else b for b in blocks or []]
    if any(isinstance(b, dict) and b.get("block_id") == DEMO_BLOCK_ID for b in listed):
        return listed
    if len(listed) >= limit:
        log.debug("demo note left out: the message is full")
        return listed
    return [*listed, demo_note()]


def _marked_view(view: Any) -> Any:
    if isinstance(view, str):
        view = json.loads(view)
    if not isinstance(view, dict):
        view = view.to_dict()
    view = copy.copy(view)
    view["blocks"] = marked_blocks("", view.get("blocks") or [], MAX_MODAL_BLOCKS)
    return view


class DemoWebClient(GuardedWebClient):
    """A WebClient whose messages, modals and Home tab carry the demo note."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        args = kwargs.get("json")
        if isinstance(args, dict):
            if api_method in _MESSAGE_METHODS:
                args = {**args, "blocks": marked_blocks(str(args.get("text") or ""), args.get("blocks"))}
            elif api_method in _VIEW_METHODS and args.get("view") is not None:
                args = {**args, "view": _marked_view(args["view"])}
            kwargs["json"] = args
        return super().api_call(api_method, **kwargs)


def demo_client(client: WebClient) -> DemoWebClient:
    """A `DemoWebClient` with `client`'s token, address and retries."""
    return DemoWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=list(client.retry_handlers) if client.retry_handlers is not None else None,
    )


class DemoRespond(GuardedRespond):
    """`respond` (the response_url) with the demo note on every answer."""

    def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", blocks: Sequence[Any] | None = None, **kwargs: Any
    ) -> WebhookResponse:
        if isinstance(text, dict):
            whole = dict(text)
            whole["blocks"] = marked_blocks(str(whole.get("text") or ""), whole.get("blocks"))
            return super().__call__(whole)
        if kwargs.get("delete_original"):
            return super().__call__(text, blocks, **kwargs)
        return super().__call__(text, marked_blocks(text, blocks), **kwargs)


class DemoMarking(Middleware):
    """Gives the listeners a Web client and a `respond` that mark everything as demo data."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        client = req.context.get("client")
        if isinstance(client, WebClient) and not isinstance(client, DemoWebClient):
            req.context["client"] = demo_client(client)
        if req.context.response_url:
            req.context["respond"] = DemoRespond(response_url=req.context.response_url)
        return next()
