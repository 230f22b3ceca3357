"""`/availability [today|tomorrow|week|YYYY-MM-DD] [#channel]`: who is in, as an ephemeral answer,
or posted to a channel (named `#name`, or picked from Slack's autocomplete: `<#C123|name>`).

One day is a summary by position; several days (`week`) a members × days grid. Dates are the
business's (its time zone), whatever the zone of the person asking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from rosterbot.domain.dates import DateInputError, format_days, parse_range
from rosterbot.slack.blocks import MAX_MESSAGE_BLOCKS, escape_mrkdwn
from rosterbot.slack.blocks.availability import (
    BlockDicts,
    availability_grid_blocks,
    availability_grid_text,
    day_summary_blocks,
    day_summary_text,
)
from rosterbot.slack.blocks.common import notice
from rosterbot.slack.context import actor_of, services_of
from rosterbot.slack.turn import Turn, command_listener

# <#C123|general> or <#C123> as Slack escapes a channel in a command's text; #general as typed.
_ESCAPED_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$")
_CHANNEL_NAME = re.compile(r"^#([\w.-]{1,80})$")


@dataclass(frozen=True)
class AvailabilityAsk:
    """What `/availability` was asked: the period text, and the channel to post to (if any)."""

    period: str
    channel: str | None  # a channel id, or "#name" (chat.postMessage takes either)
    channel_label: str  # how to mention it back: "<#C123>" or "#name"


def read_availability_text(text: str) -> AvailabilityAsk:
    """Split the channel (any word that is one) from the period words."""
    words = text.split()
    channel: str | None = None
    label = ""
    rest: list[str] = []
    for word in words:
        escaped = _ESCAPED_CHANNEL.match(word)
        named = _CHANNEL_NAME.match(word)
        if channel is None and escaped:
            channel, label = escaped.group(1), f"<#{escaped.group(1)}>"
        elif channel is None and named:
            channel, label = word, word
        else:
            rest.append(word)
    return AvailabilityAsk(" ".join(rest), channel, label)


def availability_message(context: BoltContext, period: str) -> tuple[str, BlockDicts, str]:
    """(fallback text, blocks, the days in words) for `period`; raises DateInputError."""
    services, actor = services_of(context), actor_of(context)
    today = services.availability.today(actor)
    days = parse_range(period, today)
    availability = services.availability.for_dates(actor, days)
    if len(days) == 1:
        text = day_summary_text(availability, days[0], today=today)
        blocks = day_summary_blocks(availability, days[0], today=today)
    else:
        text = availability_grid_text(availability)
        blocks = availability_grid_blocks(availability)
    return text, blocks, format_days(days)


def availability_work(turn: Turn, text: str) -> None:
    assert turn.respond is not None  # a slash command always has its response_url
    answer_availability(read_availability_text(text), turn.context, turn.client, turn.respond)


def answer_availability(
    ask: AvailabilityAsk, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    services, actor = services_of(context), actor_of(context)
    # Where to post is decided before anything is read: only a channel the user is in.
    channel = services.channel_posts.channel_for(actor, ask.channel) if ask.channel else None
    try:
        text, blocks, days = availability_message(context, ask.period)
    except DateInputError as exc:
        said = escape_mrkdwn(exc.user_message)  # it may quote what was typed
        respond(text=said, blocks=notice(said), response_type="ephemeral")
        return
    if channel is None:
        respond(text=text, blocks=blocks, response_type="ephemeral")
        return
    content = {"text": text, "blocks": blocks}
    if not services.channel_posts.claim(actor, channel, content):
        again = f"Already posted to <#{channel.id}> a moment ago; here it is again, only for you."
        shown = notice(again) + blocks if len(blocks) < MAX_MESSAGE_BLOCKS else notice(again)
        respond(text=again, blocks=shown, response_type="ephemeral")
        return
    try:
        posted = client.chat_postMessage(channel=channel.id, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as exc:
        services.channel_posts.release(actor, channel, content)
        error = str(exc.response.get("error") or "an error")
        said = (
            f"I couldn't post in {ask.channel_label} ({error}). "
            "If it is private or I'm not in it, invite me with `/invite @rosterbot` and try again."
        )
        respond(text=said, blocks=notice(said), response_type="ephemeral")
        return
    done = f"Posted availability for {days} in <#{posted['channel']}>."
    respond(text=done, blocks=notice(done), response_type="ephemeral")


def register(app: App) -> None:
    app.command("/availability")(*command_listener(availability_work, modal_title="Availability"))
