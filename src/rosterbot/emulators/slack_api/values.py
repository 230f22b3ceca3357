"""Input values as Slack puts them in `view.state.values` and in `actions[]`.

A caller may give a plain value (a string, a list, a date string) and the element's type in the view
decides its shape, e.g. a `static_select` gets `{"selected_option": {...}}`; a dict is taken as is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_SINGLE_VALUE = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
}
_MULTI_VALUE = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
_OPTION = ("static_select", "external_select", "radio_buttons", "overflow")
_OPTIONS = ("multi_static_select", "multi_external_select", "checkboxes")


def input_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(block_id, action_id, element) of every input block's element."""
    for block in blocks:
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            yield str(block.get("block_id", "")), str(element.get("action_id", "")), element


def interactive_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(block_id, element) of every element a user can act on (actions, section accessories, inputs)."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and "action_id" in element:
                yield block_id, element
        for key in ("accessory", "element"):
            element = block.get(key)
            if isinstance(element, dict) and "action_id" in element:
                yield block_id, element


def state_values(
    blocks: list[dict[str, Any]], values: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """`view.state.values` for a submission: every input block's element, given values filled in,
    the rest empty (as Slack sends them). Raise KeyError for a block or action not in the view."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    known: set[tuple[str, str]] = set()
    for block_id, action_id, element in input_elements(blocks):
        known.add((block_id, action_id))
        given = values.get(block_id, {})
        value = given.get(action_id) if action_id in given else None
        result.setdefault(block_id, {})[action_id] = element_value(element, value)
    for block_id, actions in values.items():
        for action_id in actions:
            if (block_id, action_id) not in known:
                raise KeyError(f"no input {block_id}/{action_id} in the view")
    return result


def element_value(element: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """The value dict of one element: `value` shaped by the element's type (None: empty)."""
    kind = str(element.get("type", "plain_text_input"))
    if isinstance(value, dict):
        return {"type": kind, **value}
    if kind in _SINGLE_VALUE:
        return {"type": kind, _SINGLE_VALUE[kind]: value}
    if kind in _MULTI_VALUE:
        return {"type": kind, _MULTI_VALUE[kind]: list(value or [])}
    if kind in _OPTION:
        return {"type": kind, "selected_option": None if value is None else option(element, str(value))}
    if kind in _OPTIONS:
        return {"type": kind, "selected_options": [option(element, str(v)) for v in (value or [])]}
    return {"type": kind, "value": value}


def action_value(element: Mapping[str, Any], block_id: str, value: Any, action_ts: str) -> dict[str, Any]:
    """One entry of a block_actions payload's `actions`."""
    kind = str(element.get("type", "button"))
    action: dict[str, Any] = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "action_ts": action_ts,
    }
    if kind == "button":
        action["value"] = value if value is not None else element.get("value")
        action["text"] = element.get("text", {"type": "plain_text", "text": ""})
        if "style" in element:
            action["style"] = element["style"]
        return action
    shaped = element_value(element, value)
    shaped.pop("type", None)
    action.update(shaped)
    return action


def option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    """The option of `element` with `value` (its label as Slack shows it), or a bare one."""
    candidates: list[Any] = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        candidates.extend(group.get("options") or [])
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("value") == value:
            return dict(candidate)
    return {"text": {"type": "plain_text", "text": value}, "value": value}
