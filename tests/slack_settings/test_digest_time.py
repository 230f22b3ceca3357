"""The digest time is a wall-clock minute (HH:MM): a form sent by hand with seconds or an offset is
answered on the field and stores nothing."""

from __future__ import annotations

from datetime import time

from rosterbot.sandbox import Sandbox
from support import assert_in_progress

from .conftest import ADMIN, WAIT, audit_rows, field, settings_form, stored


def test_a_digest_time_with_seconds_or_an_offset_is_refused_on_its_field(box: Sandbox) -> None:
    settings_form(box, ADMIN)
    for typed in ("23:59:59.999999", "08:30:15", "08:30+02:00"):
        reply = box.slack.submit_view(
            ADMIN, "settings_edit", field(timezone="Europe/Berlin", digest_time=typed)
        )
        answer = reply.json()
        assert answer["response_action"] == "errors", typed
        assert answer["errors"] == {"digest_time": "Choose a time in hours and minutes, like 08:30."}, typed
    assert stored(box) is None and audit_rows(box) == []

    reply = box.slack.submit_view(
        ADMIN, "settings_edit", field(timezone="Europe/Berlin", digest_time="23:59")
    )
    assert_in_progress(reply)
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=ADMIN)), timeout=WAIT)  # saved
    row = stored(box)
    assert row is not None and row.digest_time == time(23, 59)
