"""What the app puts into Slack and reads back: a modal's `private_metadata` and buttons' values.

Slack hands both back in a later request, and a payload can be forged or replayed with an edited
field (its outer signature proves only that Slack sent it, not that we wrote what is inside). So:

- `private_metadata` is sealed: compact JSON of one small pydantic model per kind of form, then an
  HMAC-SHA256 tag over the kind, the workspace, the user the form was opened for and the JSON. The
  key is derived from the signing secret with a fixed label (the secret itself never signs, and
  never leaves the process). A form whose metadata does not verify is refused and nothing is done.
- a button's value holds only an id (or a page number, or command text re-run as typed) that the
  services check with the clicker's permission, never a URL, channel or user the bot would use.

Pure: no Slack client, no context; `rosterbot.slack.turn.sealer_of(context)` binds a `Sealer`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rosterbot.config import Settings
from rosterbot.services.errors import InvalidRequest

OUT_OF_DATE = "That button is out of date; run the command again."
FORM_OUT_OF_DATE = "This form is out of date; please start again."

_KEY_LABEL = b"rosterbot/slack/private-metadata/v1"
_TAG_CHARS = 43  # an HMAC-SHA256 in unpadded base64url
_ID = re.compile(r"#?([0-9]{1,18})")  # ASCII digits only: int() would also read "٣" or "1_0"

Id = Annotated[int, Field(gt=0, lt=10**18)]
ChannelId = Annotated[str, Field(min_length=1, max_length=64)]


# ---- the key ----------------------------------------------------------------------------------------


def derive_key(secret: str) -> bytes:
    """The sealing key: HMAC-SHA256 of a fixed label keyed by `secret` (HKDF's extract step)."""
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def key_of(settings: Settings) -> bytes:
    """The key from the signing secret; in Socket Mode without one, from the app-level token
    (both are secrets only this app holds)."""
    secret = settings.slack_signing_secret or settings.slack_app_token or settings.slack_bot_token
    if secret is None:
        raise LookupError("no Slack secret to seal private metadata with")
    return derive_key(secret.get_secret_value())


# ---- private metadata: one model per kind of form -----------------------------------------------------


class FormMetadata(BaseModel):
    """A form that carries nothing but where its confirmation goes (the command's channel)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    kind: ClassVar[str] = "form"

    channel_id: ChannelId | None = None


class MemberFormMetadata(FormMetadata):
    kind: ClassVar[str] = "member"
    member_id: Id


class PositionFormMetadata(FormMetadata):
    kind: ClassVar[str] = "position"
    position_id: Id


class RequestFormMetadata(FormMetadata):
    kind: ClassVar[str] = "timeoff_request"
    home: bool = False  # opened from the App Home: published again after


class LeaveTypeFormMetadata(FormMetadata):
    """The leave type form: the type edited (None: a new one)."""

    kind: ClassVar[str] = "leave_type"
    type_id: Id | None = None


class DenyFormMetadata(FormMetadata):
    """The deny form: the request, and where the click came from. `response_url` is the one Slack
    gave the click on a `/timeoff list|pending` message (only it can replace that ephemeral
    message); it is trusted only because the seal proves we wrote it."""

    kind: ClassVar[str] = "timeoff_deny"
    request_id: Id
    home: bool = False
    listed: Annotated[str, Field(pattern=r"^timeoff_(list|pending)$")] | None = None  # the list clicked in
    response_url: Annotated[str, Field(pattern=r"^https?://", max_length=2000)] | None = None


M = TypeVar("M", bound=FormMetadata)


def _tag(key: bytes, kind: str, team_id: str, user_id: str, body: str) -> str:
    signed = "\n".join((kind, team_id, user_id, body)).encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def seal(key: bytes, data: FormMetadata, *, team_id: str, user_id: str) -> str:
    """`data` as a view's private_metadata ("<json>.<tag>"), for `user_id` in `team_id` only."""
    body = data.model_dump_json(exclude_none=True, exclude_defaults=True)
    return f"{body}.{_tag(key, data.kind, team_id, user_id, body)}"


def unseal(key: bytes, text: object, model: type[M], *, team_id: str, user_id: str) -> M | None:
    """The `model` sealed in `text` for this user and workspace; None when it is not (no seal, a
    wrong one, another kind of form, another user, or a body the model refuses)."""
    if not isinstance(text, str) or not team_id or not user_id:
        return None
    body, _, tag = text.rpartition(".")
    if len(tag) != _TAG_CHARS or not hmac.compare_digest(tag, _tag(key, model.kind, team_id, user_id, body)):
        return None
    try:
        return model.model_validate_json(body)
    except ValidationError:  # sealed by an older version with another shape
        return None


@dataclass(frozen=True)
class Sealer:
    """`seal` and `unseal` bound to the key and the user of one request."""

    key: bytes
    team_id: str
    user_id: str

    def seal(self, data: FormMetadata) -> str:
        return seal(self.key, data, team_id=self.team_id, user_id=self.user_id)

    def unseal(self, text: object, model: type[M]) -> M | None:
        return unseal(self.key, text, model, team_id=self.team_id, user_id=self.user_id)


def out_of_date(message: str = OUT_OF_DATE) -> InvalidRequest:
    """The refusal of a button (or a form's metadata) whose value is not what we put there."""
    return InvalidRequest({}, message)


# ---- button values: ids the services check against the clicker's permission ------------------------


class IdButton(BaseModel):
    """A button whose value is a record's id ("12"): a time-off request, a member or a position.
    Whoever clicks, the service checks their permission on that record before anything is done."""

    model_config = ConfigDict(frozen=True)
    id: Id


class PageButton(BaseModel):
    """A pager's value, {"page": 2} or {"scope": "all", "page": 2}: which page of a list to show.
    A page past the end shows the nearest one."""

    model_config = ConfigDict(frozen=True, strict=True)
    page: int = 1
    scope: Literal["active", "all", "inactive"] | None = None


def id_button_value(record_id: int) -> str:
    return str(record_id)


def read_id_button(value: str, *, stale: str = OUT_OF_DATE) -> int:
    """The id a button's value holds ("12", or "#12"); else InvalidRequest(`stale`)."""
    found = _ID.fullmatch(value.strip())
    try:
        return IdButton(id=int(found.group(1)) if found else 0).id
    except ValidationError:
        raise out_of_date(stale) from None


def page_button_value(page: int, scope: str | None = None) -> str:
    shown = {"scope": scope, "page": page} if scope is not None else {"page": page}
    return json.dumps(shown, separators=(",", ":"))


def read_page_button(value: str) -> PageButton:
    """The page a pager button asks for (no value, or no page: page 1); else InvalidRequest."""
    if not value.strip():
        return PageButton()
    try:
        wanted = PageButton.model_validate_json(value)
    except ValidationError:  # not JSON, nested past the parser's depth, or another shape
        raise out_of_date() from None
    return wanted.model_copy(update={"page": max(wanted.page, 1)})
