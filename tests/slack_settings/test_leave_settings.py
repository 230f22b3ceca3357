"""The leave settings in `/team settings`: shown to everyone, changed by owners and admins in the
same form (allowance, carry-over, leave year, working week and hours, part-day steps, public
holidays' region, below-zero rule), checked field by field, stored."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from rosterbot.sandbox import Sandbox
from rosterbot.store import leave as leave_store
from rosterbot.store.db import session_scope

from .conftest import ADMIN, SAM, TEAM, WAIT, command, field, said, settings_form


def test_the_leave_settings_are_shown_and_changed_in_the_settings_form(box: Sandbox) -> None:
    shown = said(command(box, SAM, "settings"))
    assert "*Yearly allowance:* 20 days" in shown and "*Working days:* Mon–Fri" in shown
    assert "*Public holidays:* none" in shown

    form = settings_form(box, ADMIN)
    inputs = [b.get("block_id") for b in form["blocks"] if b["type"] == "input"]
    for name in ("leave_allowance", "leave_carry_over", "leave_year_start", "working_days", "work_starts"):
        assert name in inputs
    reply = box.slack.submit_view(
        ADMIN,
        "settings_edit",
        field(
            timezone="Europe/Berlin",
            leave_allowance="25.5",
            leave_carry_over="5",
            leave_year_start="4",
            working_days=["1", "2", "3", "4", "5"],
            work_starts="09:00",
            work_ends="18:00",
            part_day_step="hour",
            holiday_country="de",
            holiday_subdivision="be",
            below_zero="refuse",
        ),
    )
    assert reply.status_code == 200 and reply.json()["response_action"] == "update"
    assert box.work_pool.wait_idle(5.0)
    with session_scope(box.services.session_factory) as session:
        row = leave_store.settings(session, TEAM)
        assert row is not None
        assert (row.allowance_days, row.carry_over_cap, row.year_start_month) == (Decimal("25.5"), 5, 4)
        assert (row.working_weekdays, row.work_starts, row.work_ends) == ("12345", time(9), time(18))
        assert (row.part_day_step, row.holiday_country, row.holiday_subdivision, row.below_zero) == (
            "hour",
            "DE",
            "BE",
            "refuse",
        )
    assert box.slack_state.wait_for(lambda s: bool(s.ephemerals(user=ADMIN)), timeout=WAIT)
    confirmation = box.slack_state.ephemerals(user=ADMIN)[-1].text
    assert "Yearly allowance: 20 days → 25.5 days" in confirmation
    assert (
        "Working days: Mon–Fri → Tue–Sat" in confirmation and "Public holidays: none → DE-BE" in confirmation
    )

    again = said(command(box, SAM, "settings"))
    assert "*Leave year starts:* April" in again and "*Working hours:* 09:00–18:00" in again


def test_a_wrong_region_or_working_day_is_refused_under_its_input(box: Sandbox) -> None:
    settings_form(box, ADMIN)
    reply = box.slack.submit_view(
        ADMIN,
        "settings_edit",
        field(
            timezone="Europe/Berlin",
            leave_allowance="400",
            work_starts="18:00",
            work_ends="09:00",
            holiday_country="DE",
            holiday_subdivision="XX",
        ),
    )
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"leave_allowance", "work_ends", "holiday_subdivision"}
    assert "DE has no subdivision 'XX'" in answer["errors"]["holiday_subdivision"]
    with session_scope(box.services.session_factory) as session:
        assert leave_store.settings(session, TEAM) is None  # nothing stored
    assert "Known: " in answer["errors"]["holiday_subdivision"]  # the codes it does know
