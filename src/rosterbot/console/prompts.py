"""A modal's inputs as terminal prompts, one at a time, and the answers as submission values.

`input_fields(view)` lists the input blocks; `Field.describe` is what is shown before the prompt
(hint, numbered options, the current value); `parse_answer` turns what was typed into the plain value
`SlackWorkspace.submit_view` shapes by element type (`emulators/slack_api/values.py`), or raises
`AnswerError` with the sentence Slack's client would show without sending anything (a required field
left empty, a malformed date).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from rosterbot.console.render import PLAIN, Names, Style, element_options, text_object
from rosterbot.domain.dates import DateInputError, parse_date

REQUIRED = "Please complete this required field."
CLEAR = "-"  # typed at an optional field that has a value: leave it empty

_SINGLE_OPTION = ("static_select", "external_select", "radio_buttons")
_MULTI_OPTION = ("multi_static_select", "multi_external_select", "checkboxes")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class AnswerError(ValueError):
    """What was typed cannot be sent; str() says why, as Slack's client would."""


@dataclass(frozen=True)
class Field:
    """One input block of a modal."""

    block_id: str
    action_id: str
    label: str
    hint: str
    optional: bool
    element: dict[str, Any] = field(repr=False)

    @property
    def kind(self) -> str:
        return str(self.element.get("type", "plain_text_input"))

    @property
    def options(self) -> list[dict[str, Any]]:
        return element_options(self.element)

    @property
    def initial(self) -> Any:
        """The value the form opens with, as a plain value (None: nothing)."""
        element = self.element
        for key in (
            "initial_value",
            "initial_date",
            "initial_time",
            "initial_user",
            "initial_channel",
            "initial_conversation",
        ):
            if element.get(key) not in (None, ""):
                return element[key]
        if isinstance(element.get("initial_option"), Mapping):
            return element["initial_option"].get("value")
        for key in ("initial_options", "initial_users", "initial_channels", "initial_conversations"):
            if element.get(key):
                items = element[key]
                return [i.get("value") if isinstance(i, Mapping) else i for i in items]
        return None

    def option_label(self, value: Any, names: Names, style: Style = PLAIN) -> str:
        for option in self.options:
            if option.get("value") == value:
                return text_object(option.get("text"), names, style)
        return str(value)

    def shown_initial(self, names: Names) -> str | None:
        value = self.initial
        if value is None:
            return None
        if self.kind in _SINGLE_OPTION:
            return self.option_label(value, names)
        if self.kind in _MULTI_OPTION:
            return ", ".join(self.option_label(v, names) for v in value)
        if self.kind == "users_select":
            return "@" + names.user_name(str(value))
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return str(value)

    @property
    def headed(self) -> bool:
        """A field with a hint or options to list gets a line of its own above the prompt."""
        return bool(self.hint) or self._listed

    @property
    def _listed(self) -> bool:
        return bool(self.options) and self.kind in _SINGLE_OPTION + _MULTI_OPTION

    def describe(self, names: Names, style: Style = PLAIN, *, error: str | None = None) -> list[str]:
        """The lines shown above the prompt: the label with its hint, the error Slack shows under
        the label after a refused submission, and the numbered options."""
        lines = []
        if self.headed or error:
            optional = style.dim(" (optional)") if self.optional else ""
            hint = style.dim(f" — {self.hint}") if self.hint else ""
            lines.append(f"  {style.bold(self.label)}{optional}{hint}")
        if error:
            lines.append("  " + style.accent(f"! {error}"))
        if self._listed:
            for n, option in enumerate(self.options, start=1):
                text = text_object(option.get("text"), names, style)
                about = option.get("description")
                extra = style.dim(f" — {text_object(about, names, style)}") if about else ""
                lines.append(f"    {n}. {text}{extra}")
        return lines

    def prompt(self, names: Names) -> str:
        notes = []
        fmt = {
            "datepicker": "YYYY-MM-DD",
            "timepicker": "HH:MM",
            "users_select": "a name or e-mail",
            "multi_users_select": "names, comma-separated",
            "channels_select": "#channel",
            "conversations_select": "#channel",
        }.get(self.kind)
        if fmt:
            notes.append(fmt)
        if self._listed:
            notes.append("number" if self.kind in _SINGLE_OPTION else "numbers, comma-separated")
        current = self.shown_initial(names)
        if current is not None:
            notes.append(f"Enter keeps {current}" + (f", {CLEAR} clears" if self.optional else ""))
        elif self.optional:
            notes.append("optional, Enter skips")
        if self.headed:
            return f"    › {'; '.join(notes)}: " if notes else "    › "
        suffix = f" ({'; '.join(notes)})" if notes else ""
        return f"  {self.label}{suffix}: "


def input_fields(view: Mapping[str, Any]) -> list[Field]:
    fields = []
    names = Names()
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, Mapping):
            continue
        fields.append(
            Field(
                block_id=str(block.get("block_id", "")),
                action_id=str(element.get("action_id", "")),
                label=text_object(block.get("label"), names) or str(block.get("block_id", "")),
                hint=text_object(block.get("hint"), names),
                optional=bool(block.get("optional")),
                element=dict(element),
            )
        )
    return fields


def parse_answer(
    field: Field,
    answer: str,
    *,
    resolve_user: Callable[[str], str | None] = lambda _ref: None,
    resolve_channel: Callable[[str], str | None] = lambda _ref: None,
    today: date | None = None,
) -> Any:
    """The plain value to submit for `answer` typed at `field` (None: left empty)."""
    typed = answer.strip()
    if not typed:
        if field.initial is not None:
            return field.initial
        if field.optional:
            return [] if field.kind in _MULTI_OPTION or field.kind.startswith("multi_") else None
        raise AnswerError(REQUIRED)
    if typed == CLEAR and field.optional:
        return [] if field.kind in _MULTI_OPTION or field.kind.startswith("multi_") else None
    kind = field.kind
    if kind == "datepicker":
        return _date(typed, today or date.today())
    if kind == "timepicker":
        match = _TIME_RE.match(typed)
        if not match:
            raise AnswerError("Enter a time as HH:MM, e.g. 09:30.")
        return f"{int(match.group(1)):02d}:{match.group(2)}"
    if kind in _SINGLE_OPTION:
        if not field.options:  # external_select: the options come from the app as typed
            return typed
        return _option(field, typed)
    if kind in _MULTI_OPTION:
        return [_option(field, part) for part in _parts(typed)]
    if kind == "users_select":
        return _resolved(typed, resolve_user, "No such person in this workspace.")
    if kind == "multi_users_select":
        return [_resolved(part, resolve_user, "No such person in this workspace.") for part in _parts(typed)]
    if kind in ("channels_select", "conversations_select"):
        return _resolved(typed, resolve_channel, "No such channel in this workspace.")
    if kind in ("multi_channels_select", "multi_conversations_select"):
        return [
            _resolved(part, resolve_channel, "No such channel in this workspace.") for part in _parts(typed)
        ]
    if kind == "number_input":
        return _number(field, typed)
    if kind == "email_text_input" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", typed):
        raise AnswerError("Enter an e-mail address.")
    if kind == "plain_text_input":
        text = typed.replace("\\n", "\n") if field.element.get("multiline") else typed
        _check_length(field, text)
        return text
    return typed


def _date(typed: str, today: date) -> str:
    words = {"today": 0, "tomorrow": 1}
    if typed.lower() in words:
        return (today + timedelta(days=words[typed.lower()])).isoformat()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
        try:
            return date.fromisoformat(typed).isoformat()
        except ValueError:
            pass
    if re.search(r"[A-Za-z]{3}", typed):  # "24 Dec", "Dec 24": the next such day, as commands read them
        try:
            return parse_date(typed, today).isoformat()
        except DateInputError:
            pass
    raise AnswerError("Enter a date as YYYY-MM-DD (or today, tomorrow, 24 Dec).")


def _option(field: Field, typed: str) -> str:
    options = field.options
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return str(options[int(typed) - 1].get("value"))
    wanted = typed.casefold()
    for option in options:
        if str(option.get("value", "")).casefold() == wanted:
            return str(option["value"])
    for option in options:
        if text_object(option.get("text"), Names()).casefold() == wanted:
            return str(option.get("value"))
    raise AnswerError(f"Choose one of 1–{len(options)}.")


def _parts(typed: str) -> list[str]:
    return [part.strip() for part in typed.split(",") if part.strip()]


def _resolved(typed: str, resolve: Callable[[str], str | None], message: str) -> str:
    found = resolve(typed)
    if found is None:
        raise AnswerError(message)
    return found


def _number(field: Field, typed: str) -> str:
    try:
        number = float(typed) if field.element.get("is_decimal_allowed") else int(typed)
    except ValueError:
        raise AnswerError(
            "Enter a number." if field.element.get("is_decimal_allowed") else "Enter a whole number."
        ) from None
    low, high = field.element.get("min_value"), field.element.get("max_value")
    if low is not None and number < float(low):
        raise AnswerError(f"Enter a number of at least {low}.")
    if high is not None and number > float(high):
        raise AnswerError(f"Enter a number of at most {high}.")
    return typed


def _check_length(field: Field, text: str) -> None:
    low, high = field.element.get("min_length"), field.element.get("max_length")
    if low is not None and len(text) < int(low):
        raise AnswerError(f"Please use at least {low} characters.")
    if high is not None and len(text) > int(high):
        raise AnswerError(f"Please use at most {high} characters.")
