"""The one `app.error` handler: whatever a listener or middleware raises reaches the user as a sentence,
so no listener needs try/except.

The sentence is plain text (it may quote a name or an e-mail someone typed): `user_message` gives it
escaped for mrkdwn, which is how every message and notice shows it; only the inline errors under a
modal's inputs, which Slack shows as plain text, take it as it is (`plain_message`).

- `rosterbot.services.errors.ServiceError` (and subclasses): its `message`.
- `rosterbot.api.errors.ApiError` (and subclasses): its `user_message`.
- `slack_sdk.errors.SlackApiError` with a code in `SLACK_REFUSALS`: `SLACK_REFUSED`, logged plainly.
- `rosterbot.slack.middleware.NoActor` (no user or team in the request): `NOBODY`, logged plainly.
- Anything else: logged with its traceback, and the user reads `UNEXPECTED`.

Only a request marked trusted (`rosterbot.slack.context.is_trusted`) (verified, from the installed
workspace) is answered so: an error before that tells nobody.

Where it goes: a view submission not yet acked gets `response_action: errors` under the input blocks
(`field_errors` keys that are input block ids, else the first input), or a pushed notice when the
modal has no input; otherwise the user gets an ephemeral message (response_url, else
chat.postEphemeral in the channel, else a DM).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.api.errors import ApiError
from rosterbot.services.errors import ServiceError
from rosterbot.slack.blocks import escape_mrkdwn
from rosterbot.slack.blocks.common import notice_view, section
from rosterbot.slack.client import tell_user
from rosterbot.slack.context import NoActor, is_trusted
from rosterbot.slack.ids import BlockId, CallbackId

log = logging.getLogger(__name__)

# It may come after a write succeeded (e.g. the answer could not be delivered): never claim that
# nothing was changed, or the user repeats a create that was done.
UNEXPECTED = (
    "Something went wrong on our side and I could not finish. "
    "Part of it may already be done, so please check before you try again."
)
NOBODY = "I could not tell who you are from what Slack sent, so I did nothing."
MAX_ERROR_TEXT = 150  # what fits under an input without being cut


# Slack refusing a call for reasons of the moment or of the workspace, not for a bug of ours (a
# trigger that expired while the API was slow, a channel the bot is not in, Slack's own outage):
# told plainly and logged without a traceback. Anything else (invalid_blocks...) is unexpected.
SLACK_REFUSALS = frozenset(
    {
        "expired_trigger_id",
        "exchanged_trigger_id",
        "invalid_trigger_id",
        "view_not_found",
        "not_found",  # views.update of a modal the user closed meanwhile
        "hash_conflict",
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "messages_tab_disabled",
        "cannot_dm_bot",
        "user_not_found",
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
SLACK_REFUSED = (
    "Slack did not let me finish that ({code}). "
    "Part of it may already be done, so please check before you try again."
)


def user_message(error: BaseException) -> str:
    """The sentence to show for `error` as mrkdwn (escaped); an unexpected error is logged here."""
    return escape_mrkdwn(plain_message(error))


def plain_message(error: BaseException) -> str:
    """The sentence to show for `error` as plain text; an unexpected error is logged with its
    traceback here."""
    if isinstance(error, ServiceError):
        return error.message
    if isinstance(error, ApiError):
        return error.user_message
    if isinstance(error, NoActor):
        log.warning("ignored a Slack request without a user or team")
        return NOBODY
    code = str(error.response.get("error") or "") if isinstance(error, SlackApiError) else ""
    if code in SLACK_REFUSALS:
        log.warning("Slack refused a call: %s", code)
        return SLACK_REFUSED.format(code=code)
    log.error("unexpected error in a Slack listener", exc_info=error)
    return UNEXPECTED


def handle_error(
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond | None,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """Bolt's global error handler (listeners and middleware). Returns the HTTP answer when the
    request has not been acked yet; None when the ack already went. An error before the request
    was trusted (its signature or its workspace not yet checked: Bolt's check raising on a bad
    timestamp) tells nobody: the user, channel and response_url it names are the sender's word."""
    if not is_trusted(context):
        log.warning("refused a Slack request that failed before it was verified (%s)", type(error).__name__)
        return BoltResponse(status=401, body="") if response is not None else None
    plain = plain_message(error)
    if isinstance(error, ServiceError | ApiError):
        log.info("refused %s: %s", _kind(body), type(error).__name__)
    not_acked = response is not None and context.ack.response is None
    if not_acked and body.get("type") == "view_submission":
        return _json_response(modal_error_response(error, plain, body.get("view") or {}))
    _tell_user(escape_mrkdwn(plain), context, client, respond)
    return BoltResponse(status=200, body="") if response is not None else None


def report_error(error: Exception, body: Mapping[str, Any], context: BoltContext) -> None:
    """An error in work done after the ack (a stored job: `rosterbot.slack.jobs`): told as
    `handle_error` tells any error whose ack already went."""
    handle_error(error, dict(body), context, context.client, context.respond, None)


def modal_error_response(error: BaseException, text: str, view: Mapping[str, Any]) -> dict[str, Any]:
    """`response_action: errors` keyed by the view's input block ids, or, for a modal without
    inputs, `response_action: push` of a notice. `text`: the plain sentence (see `plain_message`)."""
    input_ids = _input_ids(view)
    if not input_ids:
        return {"response_action": "push", "view": error_notice_view(escape_mrkdwn(text))}
    return {"response_action": "errors", "errors": field_messages(error, view) or {input_ids[0]: _clip(text)}}


def field_messages(error: BaseException, view: Mapping[str, Any]) -> dict[str, str]:
    """`error`'s field errors that are about the view's inputs, by input block id (plain text)."""
    input_ids = _input_ids(view)
    errors: dict[str, str] = {}
    field_errors = getattr(error, "field_errors", None)
    if isinstance(field_errors, Mapping):
        for field, messages in field_errors.items():
            if field in input_ids:
                sentence = messages if isinstance(messages, str) else "; ".join(map(str, messages))
                errors[str(field)] = _clip(sentence)
    return errors


def _input_ids(view: Mapping[str, Any]) -> list[str]:
    blocks = view.get("blocks") or []
    return [str(b["block_id"]) for b in blocks if b.get("type") == "input" and b.get("block_id")]


def error_notice_view(text: str) -> dict[str, Any]:
    """A small modal that says `text` (mrkdwn)."""
    blocks = [section(text, block_id=BlockId.ERROR_NOTICE.value)]
    return notice_view("Not done", blocks, CallbackId.ERROR_NOTICE.value)


def _tell_user(text: str, context: BoltContext, client: WebClient, respond: Respond | None) -> None:
    """Where the request came from (its response_url), else an ephemeral message, else a DM."""
    if respond is not None and respond.response_url:  # events (App Home) have no response_url
        try:
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        except Exception:  # the next way may still reach the user
            log.warning("could not tell the user about an error; trying another way", exc_info=True)
    if not context.user_id:
        return
    try:
        tell_user(client, context.user_id, context.channel_id, text)
    except Exception:  # noqa: BLE001 - nothing else to try; the log has it
        log.error("could not tell the user about an error in any way", exc_info=True)



def _kind(body: Mapping[str, Any]) -> str:
    if "command" in body:
        return f"command {body['command']}"
    return str(body.get("type") or "request")


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 1] + "…"


def _json_response(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(body), headers={"Content-Type": "application/json"})
