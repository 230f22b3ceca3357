"""Block Kit and mrkdwn as terminal text: what Slack would show, readable in a terminal or a transcript.

Pure: `render_blocks(blocks, names, style)` returns the lines and the clickable elements found
(buttons, selects), numbered from `first` in the order Slack shows them. Mentions and channel links
read as `@Name` and `#name` through `Names`; `*bold*`, `_italic_`, `~strike~` and `code` go through
a `Style` (plain text for transcripts, ANSI for a terminal).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

RULE_WIDTH = 48
FIELD_COLUMN = 34  # width of the left column when section fields go two by two

EMOJI: dict[str, str] = {
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔",
    "x": "❌",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "warning": "⚠",
    "information_source": "ℹ",
    "calendar": "📆",
    "date": "📅",
    "spiral_calendar_pad": "🗓",
    "palm_tree": "🌴",
    "face_with_thermometer": "🤒",
    "money_with_wings": "💸",
    "bar_chart": "📊",
    "page_facing_up": "📄",
    "door": "🚪",
    "closed_lock_with_key": "🔐",
    "books": "📚",
    "desert_island": "🏝",
    "airplane": "✈",
    "wave": "👋",
    "tada": "🎉",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "lock": "🔒",
    "key": "🔑",
    "memo": "📝",
    "pencil": "✏",
    "pencil2": "✏",
    "bell": "🔔",
    "mailbox": "📫",
    "inbox_tray": "📥",
    "outbox_tray": "📤",
    "hammer_and_wrench": "🛠",
    "gear": "⚙",
    "link": "🔗",
    "mag": "🔍",
    "clipboard": "📋",
    "house": "🏠",
    "arrow_right": "→",
    "arrow_left": "←",
    "heavy_plus_sign": "+",
    "wastebasket": "🗑",
    "zzz": "💤",
    "thinking_face": "🤔",
    "red_circle": "🔴",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "large_orange_circle": "🟠",
    "white_circle": "⚪",
    "sunny": "☀",
    "star": "⭐",
}

_EMOJI_RE = re.compile(r":([a-z0-9_+\-]+):")
_ANGLE_RE = re.compile(r"<([^<>\n]+)>")
_FENCE_RE = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE_RE = re.compile(r"`([^`\n]+)`")
_BOLD_RE = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC_RE = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_STRIKE_RE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")

CLICKABLE = {
    "button",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "overflow",
    "datepicker",
    "timepicker",
    "radio_buttons",
    "checkboxes",
    "multi_static_select",
}


class Style:
    """Plain text: markers dropped where the meaning survives (bold, italic), kept where it would not
    (`code`, ~strike~)."""

    def bold(self, text: str) -> str:
        return text

    def italic(self, text: str) -> str:
        return text

    def strike(self, text: str) -> str:
        return f"~{text}~"

    def code(self, text: str) -> str:
        return f"`{text}`"

    def dim(self, text: str) -> str:
        return text

    def accent(self, text: str) -> str:
        return text


class AnsiStyle(Style):
    """ANSI attributes for a terminal that shows them."""

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[22m"

    def italic(self, text: str) -> str:
        return f"\x1b[3m{text}\x1b[23m"

    def strike(self, text: str) -> str:
        return f"\x1b[9m{text}\x1b[29m"

    def code(self, text: str) -> str:
        return f"\x1b[36m{text}\x1b[39m"

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[22m"

    def accent(self, text: str) -> str:
        return f"\x1b[33m{text}\x1b[39m"


PLAIN = Style()


@dataclass(frozen=True)
class Names:
    """How ids read: a Slack user id -> a display name, a channel id -> its name (None: unknown)."""

    user: Callable[[str], str | None] = lambda _id: None
    channel: Callable[[str], str | None] = lambda _id: None

    def user_name(self, user_id: str) -> str:
        return self.user(user_id) or user_id

    def channel_name(self, channel_id: str) -> str:
        return self.channel(channel_id) or channel_id


@dataclass(frozen=True)
class Clickable:
    """An element a user can act on, as found in the blocks: `number` is what `:click N` takes."""

    number: int
    label: str
    action_id: str
    block_id: str
    element: dict[str, Any] = field(repr=False)

    @property
    def kind(self) -> str:
        return str(self.element.get("type", "button"))

    @property
    def value(self) -> str | None:
        value = self.element.get("value")
        return None if value is None else str(value)

    @property
    def options(self) -> list[dict[str, Any]]:
        return element_options(self.element)


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    clickables: list[Clickable] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# ---- mrkdwn -----------------------------------------------------------------------------------


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(text: str) -> str:
    """Known `:shortcodes:` as characters; unknown ones stay as written."""
    return _EMOJI_RE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def angle(inner: str, names: Names) -> str:
    """One `<...>` of mrkdwn: a mention, a channel, a special mention, a date or a link."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or names.user_name(target[1:]))
    if target.startswith("#"):
        return "#" + (label or names.channel_name(target[1:]))
    if target.startswith("!subteam^"):
        return label or "@group"
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!"):
        return "@" + target[1:]
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if label and label != target:
        return f"{label} ({target})"
    return target


def mrkdwn(text: str, names: Names, style: Style = PLAIN) -> str:
    """Slack's mrkdwn as terminal text. ``` blocks become indented preformatted lines."""
    out = ""
    last = 0
    for match in _FENCE_RE.finditer(text):
        before = _inline(text[last : match.start()], names, style)
        out += before if not before or before.endswith("\n") else before + "\n"
        out += _preformatted(unescape(match.group(1)), style) + "\n"
        # The newline after a closing fence is the one just written.
        last = match.end() + (1 if text[match.end() : match.end() + 1] == "\n" else 0)
    out += _inline(text[last:], names, style)
    return out.rstrip("\n") if last else out


def _preformatted(body: str, style: Style) -> str:
    lines = body.strip("\n").split("\n")
    return "\n".join("    " + style.dim("│ ") + line.rstrip() for line in lines)


def _inline(text: str, names: Names, style: Style) -> str:
    # Code spans are set aside first: nothing inside them is formatting.
    kept: list[str] = []

    def keep(rendered: str) -> str:
        kept.append(rendered)
        return f"\x00{len(kept) - 1}\x00"

    text = _INLINE_CODE_RE.sub(lambda m: keep(style.code(unescape(m.group(1)))), text)
    text = _ANGLE_RE.sub(lambda m: keep(angle(m.group(1), names)), text)
    text = _BOLD_RE.sub(lambda m: style.bold(m.group(1)), text)
    text = _ITALIC_RE.sub(lambda m: style.italic(m.group(1)), text)
    text = _STRIKE_RE.sub(lambda m: style.strike(m.group(1)), text)
    text = emoji(unescape(text))
    return _PLACEHOLDER_RE.sub(lambda m: kept[int(m.group(1))], text)


def text_object(obj: Any, names: Names, style: Style = PLAIN) -> str:
    """A text object ({"type": "mrkdwn"|"plain_text", "text": ...}) or a bare string."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, Mapping):
        return str(obj)
    raw = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(raw, names, style)
    return emoji(raw) if obj.get("emoji", True) else raw


# ---- blocks -----------------------------------------------------------------------------------


def render_message(
    text: str | None,
    blocks: Sequence[Mapping[str, Any]] | None,
    names: Names,
    style: Style = PLAIN,
    *,
    first: int = 1,
) -> Rendered:
    """A message as Slack shows it: its blocks, or its text when it has none."""
    if blocks:
        return render_blocks(blocks, names, style, first=first)
    return Rendered(lines=mrkdwn(text or "", names, style).split("\n"))


def render_blocks(
    blocks: Sequence[Mapping[str, Any]], names: Names, style: Style = PLAIN, *, first: int = 1
) -> Rendered:
    out = Rendered()
    for block in blocks:
        _render_block(block, names, style, out, first)
    while out.lines and not out.lines[-1].strip():
        out.lines.pop()
    return out


def render_view(view: Mapping[str, Any], names: Names, style: Style = PLAIN, *, first: int = 1) -> Rendered:
    """A modal or Home tab: its title, then its blocks (inputs listed by label)."""
    out = Rendered()
    title = text_object(view.get("title"), names, style)
    if title:
        kind = "Home" if view.get("type") == "home" else "modal"
        out.lines.append(style.bold(f"┌ {title}") + style.dim(f"  [{kind}]"))
    body = render_blocks(view.get("blocks") or [], names, style, first=first)
    out.lines.extend(body.lines)
    out.clickables.extend(body.clickables)
    return out


def _render_block(block: Mapping[str, Any], names: Names, style: Style, out: Rendered, first: int) -> None:
    kind = block.get("type")
    block_id = str(block.get("block_id", ""))
    if kind == "header":
        title = text_object(block.get("text"), names, style)
        out.lines.append(style.bold(title))
        out.lines.append(style.dim("═" * min(max(len(title), 3), RULE_WIDTH)))
    elif kind == "section":
        if block.get("text"):
            out.lines.extend(text_object(block.get("text"), names, style).split("\n"))
        fields = [_field(f, names, style) for f in block.get("fields") or []]
        out.lines.extend(_field_rows(fields))
        accessory = block.get("accessory")
        if isinstance(accessory, Mapping) and accessory.get("type") in CLICKABLE:
            out.lines.append("  " + _clickable(accessory, block_id, names, style, out, first))
    elif kind == "context":
        parts = []
        for element in block.get("elements") or []:
            if element.get("type") == "image":
                continue
            parts.append(text_object(element, names, style))
        if parts:
            out.lines.extend(style.dim(line) for line in "  ·  ".join(parts).split("\n"))
    elif kind == "divider":
        out.lines.append(style.dim("─" * RULE_WIDTH))
    elif kind == "actions":
        shown = [
            _clickable(element, block_id, names, style, out, first)
            for element in block.get("elements") or []
            if element.get("type") in CLICKABLE
        ]
        if shown:
            out.lines.append("  " + "   ".join(shown))
    elif kind == "image":
        out.lines.append(style.dim(f"[image: {block.get('alt_text') or block.get('title') or ''}]"))
    elif kind == "rich_text":
        for element in block.get("elements") or []:
            out.lines.extend(_rich_element(element, names, style))
    elif kind == "input":
        label = text_object(block.get("label"), names, style)
        optional = " (optional)" if block.get("optional") else ""
        out.lines.append(f"{style.bold(label)}{optional}: {_input_summary(block.get('element') or {})}")
        if block.get("hint"):
            out.lines.append(style.dim("  " + text_object(block.get("hint"), names, style)))
    else:
        out.lines.append(style.dim(f"[{kind} block]"))


def _field(obj: Any, names: Names, style: Style) -> str:
    text = text_object(obj, names, style).strip()
    head, sep, rest = text.partition("\n")
    if not sep:
        return text
    head = head.rstrip()
    return f"{head}{'' if head.endswith(':') else ':'} {rest.replace(chr(10), ' ')}"


def _field_rows(fields: list[str]) -> list[str]:
    rows = []
    for left, right in zip(fields[0::2], fields[1::2] + [""], strict=False):
        padding = " " * max(FIELD_COLUMN - visible_len(left), 0)
        rows.append(f"{left}{padding}  {right}".rstrip() if right else left)
    return rows


def visible_len(text: str) -> int:
    """Length on screen: ANSI attributes take no room."""
    return len(_ANSI_RE.sub("", text))


def _clickable(
    element: Mapping[str, Any], block_id: str, names: Names, style: Style, out: Rendered, first: int
) -> str:
    number = first + len(out.clickables)
    kind = str(element.get("type"))
    label = text_object(element.get("text") or element.get("placeholder"), names, style)
    if kind == "overflow":
        label = "⋯ " + " / ".join(text_object(o.get("text"), names, style) for o in element_options(element))
    elif kind != "button":
        options = element_options(element)
        shown = label or kind.replace("_", " ")
        if options:
            shown += ": " + " / ".join(text_object(o.get("text"), names, style) for o in options)
        label = shown + " ▾"
    out.clickables.append(
        Clickable(number, label, str(element.get("action_id", "")), block_id, dict(element))
    )
    shown_label = f"[{number}] {label}"
    if element.get("url"):
        shown_label += f" ({element['url']})"
    return style.accent(shown_label) if element.get("style") == "primary" else shown_label


def element_options(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = [dict(o) for o in element.get("options") or []]
    for group in element.get("option_groups") or []:
        options.extend(dict(o) for o in group.get("options") or [])
    return options


def _input_summary(element: Mapping[str, Any]) -> str:
    kind = str(element.get("type", ""))
    if "initial_value" in element:
        return str(element["initial_value"])
    if "initial_date" in element:
        return str(element["initial_date"])
    if isinstance(element.get("initial_option"), Mapping):
        return text_object(element["initial_option"].get("text"), Names())
    return f"[{kind.replace('_', ' ')}]"


def _rich_element(element: Mapping[str, Any], names: Names, style: Style, indent: int = 0) -> list[str]:
    kind = element.get("type")
    pad = "  " * indent
    if kind == "rich_text_section":
        return [pad + line for line in _rich_inline(element.get("elements") or [], names, style).split("\n")]
    if kind == "rich_text_preformatted":
        body = _rich_inline(element.get("elements") or [], names, Style())
        return [pad + "    " + style.dim("│ ") + line for line in body.strip("\n").split("\n")]
    if kind == "rich_text_quote":
        body = _rich_inline(element.get("elements") or [], names, style)
        return [pad + style.dim("▍ ") + line for line in body.split("\n")]
    if kind == "rich_text_list":
        lines = []
        depth = indent + int(element.get("indent") or 0)
        start = int(element.get("offset") or 0) + 1
        for n, item in enumerate(element.get("elements") or []):
            bullet = f"{start + n}." if element.get("style") == "ordered" else "•"
            item_lines = _rich_element(item, names, style, 0)
            lines.append("  " * depth + f"{bullet} " + (item_lines[0] if item_lines else ""))
            lines.extend("  " * depth + "  " + line for line in item_lines[1:])
        return lines
    return []


def _rich_inline(elements: Sequence[Mapping[str, Any]], names: Names, style: Style) -> str:
    parts = []
    for element in elements:
        kind = element.get("type")
        if kind == "text":
            text = str(element.get("text") or "")
            marks = element.get("style") or {}
            if marks.get("code"):
                text = style.code(text)
            if marks.get("bold"):
                text = style.bold(text)
            if marks.get("italic"):
                text = style.italic(text)
            if marks.get("strike"):
                text = style.strike(text)
            parts.append(text)
        elif kind == "link":
            url = str(element.get("url") or "")
            text = str(element.get("text") or "")
            parts.append(f"{text} ({url})" if text and text != url else url)
        elif kind == "user":
            parts.append("@" + names.user_name(str(element.get("user_id"))))
        elif kind == "channel":
            parts.append("#" + names.channel_name(str(element.get("channel_id"))))
        elif kind == "emoji":
            name = str(element.get("name") or "")
            parts.append(EMOJI.get(name, f":{name}:"))
        elif kind == "broadcast":
            parts.append("@" + str(element.get("range") or "here"))
        elif kind == "date":
            parts.append(str(element.get("fallback") or element.get("timestamp") or ""))
        elif kind == "usergroup":
            parts.append("@group")
    return "".join(parts)
