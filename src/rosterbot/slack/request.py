"""Bolt's request for what Slack sent over HTTP: `bolt_request`, used by the web app and by the
worker that runs a stored request's lazy work (`rosterbot.slack.jobs`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltContext, BoltRequest
from slack_bolt.request.internals import build_context


def bolt_request(
    raw_body: str,
    headers: Mapping[str, str | Sequence[str]],
    query: str = "",
    context: dict[str, Any] | None = None,
) -> BoltRequest:
    """Bolt's request for a body and its headers as Slack sent them (the signature is checked on
    `raw_body`). slack_bolt 1.30 (`request.internals.parse_body`) reads any form body with the word
    "payload" in it as an interaction and, finding no `payload` field, as empty: a slash command
    whose text said "payload" matched no listener and Slack got 404. Such a body is read again as
    the form it is."""
    request = BoltRequest(body=raw_body, query=query, headers=dict(headers), context=context)
    if not request.body and "payload" in request.raw_body:
        fields = dict(parse_qsl(request.raw_body, keep_blank_values=True))
        if fields and "payload" not in fields:
            request.body = fields
            request.context = build_context(BoltContext(context or {}), fields)
    return request
