"""Form reading that needs no server: what fuzzing found."""

from __future__ import annotations

from rosterbot.slack.ids import ActionId, BlockId
from rosterbot.slack.parsing import position_form


def test_a_location_id_that_only_looks_numeric_is_refused_inline() -> None:
    # "²".isdigit() is True, but int("²") raises: it must be an inline error, not a crash.
    field = ActionId.POSITION_FIELD.value
    values = {
        BlockId.POSITION_TITLE.value: {field: {"type": "plain_text_input", "value": "Barber"}},
        BlockId.POSITION_SALONS.value: {
            field: {"type": "multi_static_select", "selected_options": [{"value": "²"}]}
        },
    }
    form = position_form(values)
    assert form.value is None
    assert form.errors == {BlockId.POSITION_SALONS.value: "² is not a location id."}
