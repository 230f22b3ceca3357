"""Slack's v0 request signature, checked by the web layer before anything of the app sees the
request (DESIGN.md, Trust): no listener, middleware, error handler or log line runs for a request
Slack did not sign. Bolt checks again (`RequestVerification`); this check is the stricter one.

Slack signs `v0:{timestamp}:{body}` with HMAC-SHA256 under the signing secret and sends exactly one
`X-Slack-Request-Timestamp` (whole seconds since the epoch, in ASCII digits) and one
`X-Slack-Signature` (`v0=` and 64 lower-case hex digits). slack_sdk's `SignatureVerifier` reads the
timestamp with `int()`, which raises on text such as "nope" (and Bolt's error handler then ran for
the unsigned request) and accepts what Slack never sends ("+1700000000", "1_700_000_000"); here
anything but plain ASCII digits is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

# Slack's replay window (slack_sdk's too): a request signed longer ago, or further ahead, is refused.
MAX_AGE_SECONDS = 5 * 60
# Far above anything Slack sends (a 100-block modal with its state, or a 50-block message, is a
# few hundred kilobytes); a larger body is refused unread (413).
MAX_BODY_BYTES = 1024 * 1024

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"

_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # [0-9], not \d: no other script's digits
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def is_signed_by_slack(
    body: bytes,
    timestamps: Sequence[str],
    signatures: Sequence[str],
    signing_secret: str,
    now: float,
) -> bool:
    """Whether `body`, with these header values (every value the request carried for each
    header), is a request Slack signed with `signing_secret` within the window around `now`."""
    if len(timestamps) != 1 or len(signatures) != 1:
        return False
    timestamp, signature = timestamps[0], signatures[0]
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
