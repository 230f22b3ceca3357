"""Callback, action and block ids: one place, so listeners and the Block Kit builders agree.

Feature modules add their members here. A view submission's input `block_id`s are also the keys
of `response_action: errors`, so name an input block after the service field it fills
(`InvalidRequest.field_errors` keys): the error handler then puts each message under its input.
"""

from __future__ import annotations

from enum import StrEnum


class CallbackId(StrEnum):
    """`callback_id` of modals (view_submission / view_closed listeners match on it)."""

    ERROR_NOTICE = "error_notice"  # the modal errors.py pushes when a form has no input to flag


class ActionId(StrEnum):
    """`action_id` of buttons, selects and inputs."""


class BlockId(StrEnum):
    """`block_id` of blocks a listener reads or an error is attached to."""

    ERROR_NOTICE = "error_notice"
