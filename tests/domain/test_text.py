"""Free text people type: control characters are refused, newlines only where text is multiline."""

from __future__ import annotations

import pytest

from rosterbot.api.models import PositionInput
from rosterbot.domain.text import hidden_character
from rosterbot.services.errors import InvalidRequest
from rosterbot.services.positions import PositionService


@pytest.mark.parametrize("text", ["Senior\x00Stylist", "Stylist\x1b[31m", "Two\nlines"])
def test_single_line_text_with_a_control_character_is_caught(text: str) -> None:
    assert hidden_character(text) is not None


def test_multiline_text_may_have_newlines_and_tabs_but_no_nul() -> None:
    assert hidden_character("Cuts\n\tand colour", multiline=True) is None
    assert hidden_character("Cuts\x00", multiline=True) == "U+0000"
    assert hidden_character("Señora Ñandú ² 💇", multiline=False) is None


def test_a_position_title_with_nul_is_refused_before_any_write() -> None:
    # Found by fuzzing on PostgreSQL: the API took the title, then the audit row could not be stored.
    with pytest.raises(InvalidRequest) as caught:
        PositionService._validate(PositionInput(title="Barber\x00", salon_ids=[1]), fallback_salon_ids=[1])
    assert caught.value.field_errors == {
        "title": "A title can't contain control or invisible characters (found U+0000)."
    }
