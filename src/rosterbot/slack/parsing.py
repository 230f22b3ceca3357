"""Reading what the user typed or submitted: a command's subcommand and arguments, a member named
by Slack mention, id, e-mail or name, and the member and position forms' values.

Pure: no Slack client and no services. Form checks return `{block_id: sentence}` (the keys of
`response_action: errors`), so a bad form is answered before anything is asked of the API.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rosterbot.api.models import MemberInput, PositionInput
from rosterbot.services.errors import InvalidRequest
from rosterbot.services.positions import DESCRIPTION_MAX, TITLE_MAX, text_errors
from rosterbot.services.team import MemberDraft, member_input
from rosterbot.slack.ids import ActionId, BlockId

# <@U123>, <@U123|sam> (a mention as Slack escapes it in a command's text).
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
NO_POSITION_WORDS = frozenset({"none", "-", "no", "nothing"})


def split_subcommand(text: str) -> tuple[str, str]:
    """("list", "all") from " List  all ": the first word lower-cased, and the rest stripped."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0].casefold(), parts[1].strip() if len(parts) > 1 else ""


def mentioned_user(token: str) -> str | None:
    """The Slack user id of a mention token (`<@U123|sam>`), else None."""
    found = _MENTION.match(token.strip())
    return found.group(1) if found else None


def words(text: str) -> list[str]:
    """Words, with "quoted phrases" kept together (unbalanced quotes: split on spaces)."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def plain_reference(text: str) -> str:
    """A member or position reference as typed: outer quotes and a leading "@" of an unescaped
    mention (`@sam`) dropped."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        stripped = stripped[1:-1].strip()
    if stripped.startswith("@") and mentioned_user(stripped) is None:
        stripped = stripped[1:]
    return stripped


def first_and_rest(text: str) -> tuple[str, str]:
    """The first word (a mention or a quoted phrase counts as one) and the rest of `text`."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    if stripped[0] in "\"'":
        end = stripped.find(stripped[0], 1)
        if end > 0:
            return stripped[1:end], stripped[end + 1 :].strip()
    parts = stripped.split(None, 1)
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def two_part_splits(text: str) -> list[tuple[str, str]]:
    """Every way to read `text` as "<member> <position>", the member shortest first.

    `"Sam Stone" Stylist` (quoted or a single token first) gives one reading; `Sam Stone Senior
    Stylist` gives ("Sam", "Stone Senior Stylist"), ("Sam Stone", "Senior Stylist"), ...: the caller
    keeps the reading where both sides match something."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped[0] in "\"'" or mentioned_user(stripped.split()[0]) is not None:
        first, rest = first_and_rest(stripped)
        return [(first, plain_reference(rest))] if rest else []
    tokens = words(stripped)
    return [(" ".join(tokens[:cut]), " ".join(tokens[cut:])) for cut in range(1, len(tokens))]


def is_no_position(text: str) -> bool:
    return plain_reference(text).casefold() in NO_POSITION_WORDS


# ---- submitted forms -----------------------------------------------------------------------------

StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]
T = TypeVar("T")


@dataclass(frozen=True)
class Form(Generic[T]):
    """A submitted form: `value` when every field is good, else `errors` by input block id."""

    value: T | None
    errors: dict[str, str]


def _element(values: StateValues, block_id: str, action_id: str) -> Mapping[str, Any]:
    return (values.get(block_id) or {}).get(action_id) or {}


def text_value(values: StateValues, block_id: str, action_id: str) -> str:
    return str(_element(values, block_id, action_id).get("value") or "").strip()


def option_value(values: StateValues, block_id: str, action_id: str) -> str | None:
    selected = _element(values, block_id, action_id).get("selected_option")
    return str(selected["value"]) if isinstance(selected, Mapping) and selected.get("value") else None


def option_values(values: StateValues, block_id: str, action_id: str) -> list[str]:
    selected = _element(values, block_id, action_id).get("selected_options") or []
    return [str(o["value"]) for o in selected if isinstance(o, Mapping) and o.get("value")]


def member_form(values: StateValues, *, with_active: bool) -> Form[MemberInput]:
    """Read the add/edit member form and check it with the service's rules (`member_input`),
    whose field names are the form's block ids."""
    field = ActionId.TEAM_FIELD.value
    draft = MemberDraft(
        first_name=text_value(values, BlockId.MEMBER_FIRST_NAME, field),
        last_name=text_value(values, BlockId.MEMBER_LAST_NAME, field),
        role=option_value(values, BlockId.MEMBER_ROLE, field) or None,
        email=text_value(values, BlockId.MEMBER_EMAIL, field) or None,
        phone_number=text_value(values, BlockId.MEMBER_PHONE, field) or None,
        is_active="active" in option_values(values, BlockId.MEMBER_ACTIVE, field) if with_active else True,
    )
    try:
        return Form(member_input(draft), {})
    except InvalidRequest as refused:
        return Form(None, refused.field_errors)


def position_form(values: StateValues) -> Form[PositionInput]:
    """Read and check the add/edit position form. No location chosen: `salon_ids` is empty and
    the service falls back (the company's locations on add, the current ones on edit)."""
    field = ActionId.POSITION_FIELD.value
    title = text_value(values, BlockId.POSITION_TITLE, field)
    description = text_value(values, BlockId.POSITION_DESCRIPTION, field)
    salons = option_values(values, BlockId.POSITION_SALONS, field)
    errors: dict[str, str] = {}
    if not title:
        errors[BlockId.POSITION_TITLE] = "Enter a title."
    elif len(title) > TITLE_MAX:
        errors[BlockId.POSITION_TITLE] = (
            f"A title has at most {TITLE_MAX} characters (this has {len(title)})."
        )
    if len(description) > DESCRIPTION_MAX:
        errors[BlockId.POSITION_DESCRIPTION] = (
            f"A description has at most {DESCRIPTION_MAX} characters (this has {len(description)})."
        )
    salon_ids: list[int] = []
    for salon in salons:
        if not (salon.isascii() and salon.isdigit()):  # int() refuses "²"
            errors[BlockId.POSITION_SALONS] = f"{salon} is not a location id."
            break
        salon_ids.append(int(salon))
    # The service's own checks (control and invisible characters…), shown under their inputs.
    errors = text_errors(title.strip(), description.strip() or None) | errors
    if errors:
        return Form(None, {str(k): v for k, v in errors.items()})
    return Form(PositionInput(title=title, description=description or None, salon_ids=salon_ids), {})
