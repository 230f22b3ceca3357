"""What a use case can refuse, each with `message`: a sentence fit to show the Slack user.

The business API's own errors (`rosterbot.api.errors.ApiError` and subclasses, with `user_message`)
are not wrapped: they pass through the services unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from rosterbot.domain.permissions import NOT_LINKED_REASON
from rosterbot.domain.roles import Role


class ServiceError(Exception):
    """Base of the services' refusals."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(ServiceError):
    """The actor's role is not enough; `required_role` is the least role that would be."""

    def __init__(self, required_role: Role | None, message: str) -> None:
        super().__init__(message)
        self.required_role = required_role


class NotLinked(PermissionDenied):
    """The Slack user is not linked to an active team member; `message` says how to get linked."""

    def __init__(self, required_role: Role | None = Role.STAFF, message: str = NOT_LINKED_REASON) -> None:
        super().__init__(required_role, message)


class LastOwner(ServiceError):
    """The change would leave the team without an active owner."""


class NotFoundError(ServiceError):
    """Nothing matches what the user asked for."""


class InvalidRequest(ServiceError):
    """The input is wrong; `field_errors` maps an input field to a sentence about it."""

    def __init__(self, field_errors: Mapping[str, str], message: str = "") -> None:
        self.field_errors = dict(field_errors)
        super().__init__(message or " ".join(self.field_errors.values()) or "That request is not valid.")


BUSY = "Someone else is changing the team right now; please try again."
# Another time-off request of the same member is still being checked against their balance.
REQUEST_BUSY = "Another time-off request for the same person is being sent right now; please try again."


class Busy(ServiceError):
    """Another change that could affect the owners (or a member's balance) is still running; trying
    again later works."""

    def __init__(self, message: str = BUSY) -> None:
        super().__init__(message)


class TooFast(ServiceError):
    """The Slack user sent more commands than their share allows (`services.throttle`)."""


class NotInChannel(ServiceError):
    """The user asked the bot to post where they could not post themselves."""
