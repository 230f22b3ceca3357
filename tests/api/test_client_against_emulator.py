"""Every client operation against the business API emulator over loopback, in both body styles.

"seed" is the seed documents' bare bodies with v2 pagination; "live" is the live implementation's
wrapped v1 bodies (empty 201s, `"data": null`) and unpaginated v2 lists. The client must read both.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from rosterbot.api.client import BusinessApi
from rosterbot.api.errors import InvalidInput, NotAuthorized, NotFound, Unavailable
from rosterbot.api.models import BlockedTimeInput, MemberInput, PositionInput
from rosterbot.domain.roles import Role
from rosterbot.emulators.business_api import EmulatorConfig, EmulatorState, start_emulator
from rosterbot.emulators.demo import DEMO_POSITIONS, DEMO_TEAM

from .fault_server import build_api

COMPANY = 3
START = datetime(2030, 6, 3, 9, 0, tzinfo=UTC)
END = datetime(2030, 6, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["seed", "live"])
def _running_emulator(request: pytest.FixtureRequest) -> Iterator[tuple[str, EmulatorState]]:
    style = request.param
    config = EmulatorConfig(
        company_id=COMPANY,
        partner_token="p-emu",
        user_token="u-emu",
        session_cookie="c-emu",
        session_cookie_name="jwt-access",
        v1_style=style,
        v2_style=style,
    )
    server, state = start_emulator(config)
    yield server.url, state
    server.stop()
    state.close()


@pytest.fixture
def emulator(_running_emulator: tuple[str, EmulatorState]) -> tuple[str, EmulatorState]:
    """The emulator back at its demo start: data, recorded requests and faults."""
    _running_emulator[1].reset()
    return _running_emulator


@pytest.fixture
def api(emulator: tuple[str, EmulatorState]) -> Iterator[BusinessApi]:
    client = build_api(
        emulator[0],
        company_id=COMPANY,
        partner_token=SecretStr("p-emu"),
        user_token=SecretStr("u-emu"),
        session_cookie=SecretStr("c-emu"),
        session_cookie_name="jwt-access",
    )
    yield client
    client.close()


@pytest.fixture
def state(emulator: tuple[str, EmulatorState]) -> EmulatorState:
    return emulator[1]


def member_id(api: BusinessApi, email: str) -> int:
    return next(m.id for m in api.list_team() if m.email == email)


# team


def test_team_list_get_and_calendar_read_the_demo_business(api: BusinessApi) -> None:
    team = api.list_team()
    assert [(m.email, m.role.value) for m in team] == [(p.email, p.role) for p in DEMO_TEAM]
    sam = api.get_member(member_id(api, "sam@demo-salon.example"))
    assert (sam.name, sam.role, sam.phone_number, sam.is_active) == (
        "Sam Stone",
        Role.STAFF,
        "+15550100004",
        True,
    )
    calendar = api.calendar_team()
    assert {c.id for c in calendar} == {m.id for m in team}


def test_create_member_returns_the_stored_member(api: BusinessApi, state: EmulatorState) -> None:
    created = api.create_member(
        MemberInput(role=Role.STAFF, first_name="Nia", last_name="Noor", email="nia@demo-salon.example")
    )
    stored = state.member(created.id)
    assert stored is not None
    assert (stored.first_name, stored.email, stored.role) == ("Nia", "nia@demo-salon.example", "staff")
    assert created.name == "Nia Noor"


def test_create_member_without_email_is_found_by_name(api: BusinessApi, state: EmulatorState) -> None:
    created = api.create_member(MemberInput(role=Role.ADMIN, first_name="Ray", last_name="Reed"))
    stored = state.member(created.id)
    assert stored is not None and stored.last_name == "Reed" and stored.role == "admin"


def test_update_member_replaces_the_member(api: BusinessApi, state: EmulatorState) -> None:
    sam = member_id(api, "sam@demo-salon.example")
    api.update_member(
        sam,
        MemberInput(
            role=Role.ADMIN,
            first_name="Sam",
            last_name="Stone",
            email="sam@demo-salon.example",
            is_active=False,
        ),
    )
    stored = state.member(sam)
    assert stored is not None and (stored.role, stored.is_active) == ("admin", False)
    assert api.get_member(sam).role == Role.ADMIN


def test_delete_member_removes_it_and_a_second_read_is_not_found(
    api: BusinessApi, state: EmulatorState
) -> None:
    will = member_id(api, "will@demo-salon.example")
    api.delete_member(will)
    assert state.member(will) is None
    with pytest.raises(NotFound):
        api.get_member(will)


def test_an_invalid_member_is_refused_with_the_api_message(api: BusinessApi) -> None:
    with pytest.raises(InvalidInput) as caught:
        api.create_member(MemberInput(role=Role.STAFF, first_name="", last_name="Nobody"))
    assert caught.value.message


# blocked times


def test_blocked_time_create_list_update_delete(api: BusinessApi, state: EmulatorState) -> None:
    tara = member_id(api, "tara@demo-salon.example")
    created = api.create_blocked_time(
        BlockedTimeInput(name="Course", from_date=START, to_date=END, employee_ids=[tara])
    )
    assert (created.employee_id, created.name, created.from_date, created.to_date) == (
        tara,
        "Course",
        START,
        END,
    )
    assert state.blocked_time(created.id) is not None

    listed = api.list_blocked_times(START - timedelta(days=1), START + timedelta(days=1))
    assert [(b.id, b.employee_id) for b in listed] == [(created.id, tara)]

    later = END + timedelta(hours=2)
    api.update_blocked_time(
        created.id, BlockedTimeInput(name="Course (moved)", from_date=END, to_date=later, employee_ids=[tara])
    )
    (moved,) = api.list_blocked_times(START, later)
    assert (moved.id, moved.name, moved.from_date, moved.to_date) == (
        created.id,
        "Course (moved)",
        END,
        later,
    )

    api.delete_blocked_time(created.id)
    assert api.list_blocked_times(START, later) == []
    assert state.blocked_time(created.id) is None


def test_a_blocked_time_for_two_members_returns_the_first_ones(api: BusinessApi) -> None:
    tara, umar = member_id(api, "tara@demo-salon.example"), member_id(api, "umar@demo-salon.example")
    created = api.create_blocked_time(
        BlockedTimeInput(name="Offsite", from_date=START, to_date=END, employee_ids=[umar, tara])
    )
    assert created.employee_id == umar
    assert {b.employee_id for b in api.list_blocked_times(START, END)} == {umar, tara}


def test_deleting_a_missing_blocked_time_is_not_found(api: BusinessApi) -> None:
    with pytest.raises(NotFound):
        api.delete_blocked_time(99999)


# positions


def test_positions_list_get_create_update_delete(api: BusinessApi, state: EmulatorState) -> None:
    listed = api.list_positions()
    assert [(p.title, p.description) for p in listed] == list(DEMO_POSITIONS)

    created = api.create_position(PositionInput(title="Barber", description="Fades", salon_ids=[1]))
    assert (created.title, created.salon_ids) == ("Barber", [1])
    assert api.get_position(created.id) == created

    api.update_position(created.id, PositionInput(title="Master Barber", description="Fades and shaves"))
    record = state.position(created.id)
    assert record is not None and (record.title, record.salon_ids) == ("Master Barber", [1])

    api.delete_position(created.id)
    assert state.position(created.id) is None
    with pytest.raises(NotFound):
        api.get_position(created.id)


def test_positions_are_read_across_pages(api: BusinessApi, state: EmulatorState) -> None:
    for i in range(203):
        state.add_position(f"Role {i}", "", [1])
    state.clear_requests()
    titles = [p.title for p in api.list_positions()]
    assert len(titles) == len(DEMO_POSITIONS) + 203 and titles[-1] == "Role 202"
    pages = 3 if state.config.v2_style == "seed" else 1
    assert [r.method for r in state.requests] == ["GET"] * pages


def test_an_invalid_position_reports_its_field_errors(api: BusinessApi) -> None:
    with pytest.raises(InvalidInput) as caught:
        api.create_position(PositionInput(title="", salon_ids=[1]))
    assert "title" in caught.value.field_errors


# auth and faults


def test_wrong_credentials_are_not_authorized_on_v1_and_v2(emulator: tuple[str, EmulatorState]) -> None:
    with build_api(emulator[0], company_id=COMPANY, session_cookie_name="jwt-access") as wrong:
        with pytest.raises(NotAuthorized):
            wrong.list_team()
        with pytest.raises(NotAuthorized):
            wrong.list_positions()


def test_every_other_request_failing_is_retried_invisibly(api: BusinessApi, state: EmulatorState) -> None:
    state.set_faults(fault_status=503, fault_every=2)
    assert len(api.list_team()) == len(DEMO_TEAM)
    assert len(api.list_positions()) == len(DEMO_POSITIONS)
    assert api.request_count == 3  # GET team, GET positions -> 503, the retry


def test_the_emulators_rate_limit_is_waited_out(api: BusinessApi, state: EmulatorState) -> None:
    state.set_faults(rate_limit_per_second=1, fault_retry_after=None)  # wait only in meta.message
    api.list_team()
    api.calendar_team()  # 429 "Retry in 1 seconds", then served
    assert [r.status for r in state.requests] == [200, 429, 200]


def test_an_outage_is_unavailable_and_a_post_is_sent_once(api: BusinessApi, state: EmulatorState) -> None:
    state.down()
    with pytest.raises(Unavailable) as caught:
        api.create_position(PositionInput(title="Ghost", salon_ids=[1]))
    assert caught.value.status == 503
    assert [r.method for r in state.requests] == ["POST"]
