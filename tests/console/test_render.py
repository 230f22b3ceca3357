"""Block Kit and mrkdwn as terminal text (pure)."""

from __future__ import annotations

import re

from rosterbot.console.render import AnsiStyle, Names, mrkdwn, render_blocks, render_view

NAMES = Names(
    user={"U0STAFF01": "Sam Stone"}.get,
    channel={"C0TEAM": "team", "C0APPROVALS": "approvals"}.get,
)


def test_mrkdwn_mentions_channels_links_and_entities() -> None:
    text = (
        "*Approved* for <@U0STAFF01> in <#C0TEAM> and <#C0X|approvals>: <https://ex.example/a|the page>, "
        "<https://ex.example/b>, <mailto:a@b.example|a@b.example>, <!here> &lt;x&gt; &amp; :white_check_mark:"
    )
    assert mrkdwn(text, NAMES) == (
        "Approved for @Sam Stone in #team and #approvals: the page (https://ex.example/a), "
        "https://ex.example/b, a@b.example, @here <x> & ✅"
    )


def test_mrkdwn_leaves_code_and_words_with_underscores_alone() -> None:
    text = "Try `/team show *sam*` or _soon_; snake_case_name stays, 10:30:00 and :unknown_emoji: too"
    assert mrkdwn(text, NAMES) == (
        "Try `/team show *sam*` or soon; snake_case_name stays, 10:30:00 and :unknown_emoji: too"
    )


def test_unknown_mention_falls_back_to_its_id() -> None:
    assert mrkdwn("<@U0NOBODY> <#C0NONE>", NAMES) == "@U0NOBODY #C0NONE"


def test_preformatted_table_keeps_its_columns() -> None:
    text = "*Stylist* · 2\n```\n       Mon  Tue\nUmar   ✓    out\nVera   09–11 ✓\n```\nafter"
    assert mrkdwn(text, NAMES).split("\n") == [
        "Stylist · 2",
        "    │        Mon  Tue",
        "    │ Umar   ✓    out",
        "    │ Vera   09–11 ✓",
        "after",
    ]


def test_ansi_style_marks_bold_and_code() -> None:
    rendered = mrkdwn("*Sam* runs `x`", NAMES, AnsiStyle())
    assert rendered == "\x1b[1mSam\x1b[22m runs \x1b[36mx\x1b[39m"


def test_blocks_header_section_fields_context_divider_and_buttons_numbered() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Time off request"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "<@U0STAFF01> asks for *Fri 3 Apr*"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Role*\nstaff"},
                {"type": "mrkdwn", "text": "*Days*\n1"},
                {"type": "mrkdwn", "text": "*Reason*\ndentist"},
            ],
            "accessory": {
                "type": "button",
                "action_id": "more",
                "value": "7",
                "text": {"type": "plain_text", "text": "Details"},
            },
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "request `#7`"},
                {"type": "image", "image_url": "https://x", "alt_text": "x"},
                {"type": "plain_text", "text": "pending"},
            ],
        },
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "value": "7",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Approve"},
                },
                {
                    "type": "button",
                    "action_id": "deny",
                    "value": "7",
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Deny"},
                },
            ],
        },
    ]
    out = render_blocks(blocks, NAMES, first=3)
    assert out.lines == [
        "Time off request",
        "════════════════",
        "@Sam Stone asks for Fri 3 Apr",
        "Role: staff                         Days: 1",
        "Reason: dentist",
        "  [3] Details",
        "─" * 48,
        "request `#7`  ·  pending",
        "  [4] Approve   [5] Deny",
    ]
    assert [(c.number, c.action_id, c.value, c.block_id) for c in out.clickables] == [
        (3, "more", "7", ""),
        (4, "approve", "7", "decide"),
        (5, "deny", "7", "decide"),
    ]


def test_rich_text_lists_preformatted_and_quotes() -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Out today", "style": {"bold": True}},
                        {"type": "text", "text": ": "},
                        {"type": "user", "user_id": "U0STAFF01"},
                        {"type": "text", "text": " in "},
                        {"type": "channel", "channel_id": "C0TEAM"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "link", "url": "https://x.example", "text": "two"}],
                        },
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "ordered",
                    "indent": 1,
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "emoji", "name": "tada"}]},
                    ],
                },
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "a  b\nc  d"}]},
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
            ],
        }
    ]
    assert render_blocks(blocks, NAMES).lines == [
        "Out today: @Sam Stone in #team",
        "• one",
        "• two (https://x.example)",
        "  1. 🎉",
        "    │ a  b",
        "    │ c  d",
        "▍ quoted",
    ]


def test_selects_are_numbered_with_their_options_and_unknown_blocks_named() -> None:
    blocks = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": {"type": "plain_text", "text": "Position"},
                    "options": [
                        {"text": {"type": "plain_text", "text": "Stylist"}, "value": "2"},
                        {"text": {"type": "plain_text", "text": "Colorist"}, "value": "3"},
                    ],
                }
            ],
        },
        {"type": "video"},
    ]
    out = render_blocks(blocks, NAMES)
    assert out.lines == ["  [1] Position: Stylist / Colorist ▾", "[video block]"]
    assert [o["value"] for o in out.clickables[0].options] == ["2", "3"]


def test_view_title_and_inputs() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Request time off"},
        "blocks": [
            {
                "type": "input",
                "block_id": "starts_on",
                "label": {"type": "plain_text", "text": "First day"},
                "element": {"type": "datepicker", "action_id": "f", "initial_date": "2026-04-03"},
                "hint": {"type": "plain_text", "text": "In the team's time zone"},
            },
            {
                "type": "input",
                "block_id": "reason",
                "optional": True,
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {"type": "plain_text_input", "action_id": "f"},
            },
        ],
    }
    assert render_view(view, NAMES).lines == [
        "┌ Request time off  [modal]",
        "First day: 2026-04-03",
        "  In the team's time zone",
        "Reason (optional): [plain text input]",
    ]


def test_fields_line_up_in_colour_too() -> None:
    block = {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": "*Role*\nstaff"}, {"type": "mrkdwn", "text": "*Days*\n1"}],
    }
    plain = render_blocks([block], NAMES).lines
    coloured = render_blocks([block], NAMES, AnsiStyle()).lines
    assert [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in coloured] == plain
