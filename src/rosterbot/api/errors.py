"""The client's exceptions: one type per way a call can fail, each with a sentence for a Slack user."""

from __future__ import annotations


class ApiError(Exception):
    """A business API call failed.

    `message` is the API's own text; `field_errors` maps a field to its messages (validation
    failures); `user_message` is a sentence fit to show a Slack user.
    """

    default_user_message = "The business system could not do that."

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        field_errors: dict[str, list[str]] | None = None,
        user_message: str | None = None,
    ) -> None:
        super().__init__(message or self.default_user_message)
        self.message = message
        self.status = status
        self.field_errors = field_errors or {}
        self.user_message = user_message or self._default_sentence()

    def _default_sentence(self) -> str:
        if self.message:
            return f"{self.default_user_message} ({self.message})"
        return self.default_user_message


class NotAuthorized(ApiError):
    default_user_message = (
        "rosterbot's access to the business system was refused; ask an owner to check its credentials."
    )

    def _default_sentence(self) -> str:
        return self.default_user_message


class NotFound(ApiError):
    default_user_message = "That no longer exists in the business system."


class InvalidInput(ApiError):
    default_user_message = "The business system did not accept that."

    def _default_sentence(self) -> str:
        details = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in self.field_errors.items())
        text = details or self.message
        return f"{self.default_user_message} {text}".strip() if text else self.default_user_message


class RateLimited(ApiError):
    default_user_message = "The business system is busy right now; please try again in a minute."

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after

    def _default_sentence(self) -> str:
        return self.default_user_message


class Unavailable(ApiError):
    """Timeout, connection failure, 5xx, or a body that is not what the API promises."""

    default_user_message = "The business system is not answering right now; please try again shortly."

    def _default_sentence(self) -> str:
        return self.default_user_message
