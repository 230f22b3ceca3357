"""Asking for time off: stored pending first, then posted to the approvals channel by the worker."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from rosterbot.domain.roles import Actor, Role
from rosterbot.emulators.demo import APPROVALS_CHANNEL_ID
from rosterbot.services.errors import InvalidRequest, NotFoundError, NotLinked, PermissionDenied
from rosterbot.services.timeoff_rules import RequestDraft, RequestInput
from rosterbot.store import outbox as outbox_store
from rosterbot.store.db import session_scope
from rosterbot.store.models import AuditEntry, OutboxItem, PostedMessage, TimeOffRequest

from .conftest import ADMIN, MEMBER_IDS, SAM, TARA, TEAM, World


def _count(world: World, model: type) -> int:
    with session_scope(world.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_request_is_stored_pending_then_posted_to_the_approvals_channel(world: World) -> None:
    view = world.ask(SAM, days_ahead=10, length=3, reason="Family visit")

    assert view.status == "pending"
    assert view.member_id == MEMBER_IDS[SAM] and view.member_name == "Sam Stone"
    assert (view.ends_on - view.starts_on).days == 2 and view.timezone == "Europe/Berlin"
    [item] = world.items()
    assert (item.kind, item.request_id, item.status) == (outbox_store.POST_APPROVAL, view.id, "pending")
    assert world.notifier.calls == []  # nothing is said before the worker runs

    assert world.drain() == 1
    [call] = world.notifier.of("approval_requested")
    assert call.args["channel"] == APPROVALS_CHANNEL_ID
    assert call.args["request"].id == view.id and call.args["request"].reason == "Family visit"
    with session_scope(world.sessions) as session:
        posted = session.scalars(select(PostedMessage)).one()
    assert (posted.kind, posted.ref, posted.channel) == (
        "approval",
        f"request:{view.id}",
        APPROVALS_CHANNEL_ID,
    )
    assert posted.ts  # the message's ts: a decision edits this message
    assert world.items()[0].status == "done"
    assert world.emulator.writes() == []  # asking changes nothing in the business API


def test_a_partial_day_keeps_its_times(world: World) -> None:
    view = world.ask(TARA, days_ahead=5, all_day=False, start_time=time(9), end_time=time(13))
    assert (view.all_day, view.start_time, view.end_time) == (False, time(9), time(13))
    assert view.period.endswith("09:00–13:00")
    assert view.starts_at.hour == 9 and view.starts_at.tzinfo is not None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"days_ahead": -1}, {"starts_on"}),
        ({"ends_before_start": True}, {"ends_on"}),
        ({"all_day": False}, {"start_time", "end_time"}),
        ({"all_day": False, "start_time": time(14), "end_time": time(9)}, {"end_time"}),
        ({"all_day": False, "start_time": time(9), "end_time": time(9)}, {"end_time"}),
        ({"reason": "x" * 501}, {"reason"}),
        ({"days_ahead": 800}, {"starts_on"}),  # over two years ahead
        ({"days_long": 400}, {"ends_on"}),  # over a year at a time
    ],
)
def test_invalid_input_names_the_fields_and_changes_nothing(
    world: World, fields: dict[str, object], errors: set[str]
) -> None:
    start = world.today() + timedelta(days=int(fields.pop("days_ahead", 3)))  # type: ignore[call-overload]
    end = start - timedelta(days=1) if fields.pop("ends_before_start", False) else start
    end += timedelta(days=int(fields.pop("days_long", 0)))  # type: ignore[call-overload]
    with pytest.raises(InvalidRequest) as caught:
        world.timeoff.request(world.actor(SAM), RequestInput(starts_on=start, ends_on=end, **fields))  # type: ignore[arg-type]
    assert set(caught.value.field_errors) == errors
    assert all(caught.value.field_errors.values()) and caught.value.message
    assert _count(world, TimeOffRequest) == 0 and _count(world, OutboxItem) == 0


def test_a_partial_day_that_already_began_is_refused(world: World) -> None:
    local_now = world.clock.now.astimezone(world.zone)
    if local_now.hour < 1:
        world.clock.advance(hours=2)
        local_now = world.clock.now.astimezone(world.zone)
    with pytest.raises(InvalidRequest) as caught:
        world.timeoff.request(
            world.actor(SAM),
            RequestInput(
                starts_on=local_now.date(),
                ends_on=local_now.date(),
                all_day=False,
                start_time=time(0),
                end_time=time(23, 59),
            ),
        )
    assert set(caught.value.field_errors) == {"start_time"}
    assert _count(world, TimeOffRequest) == 0


def test_staff_cannot_ask_for_someone_else(world: World) -> None:
    start = world.today() + timedelta(days=4)
    with pytest.raises(PermissionDenied) as caught:
        world.timeoff.request(world.actor(SAM), RequestInput(start, start, member_id=MEMBER_IDS[TARA]))
    assert caught.value.required_role is Role.ADMIN
    assert "Only an owner or admin" in caught.value.message
    assert _count(world, TimeOffRequest) == 0
    with session_scope(world.sessions) as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.outcome, entry.operation, entry.slack_user_id) == (
        "denied",
        "time_off.request_for_other",
        SAM,
    )


def test_an_admin_asks_for_someone_else(world: World) -> None:
    start = world.today() + timedelta(days=4)
    view = world.timeoff.request(world.actor(ADMIN), RequestInput(start, start, member_id=MEMBER_IDS[TARA]))
    assert view.member_id == MEMBER_IDS[TARA] and view.member_name == "Tara Singh"
    assert view.requested_by_member_id == MEMBER_IDS[ADMIN] and view.requested_by_slack_user_id == ADMIN
    with pytest.raises(NotFoundError):
        world.timeoff.request(world.actor(ADMIN), RequestInput(start, start, member_id=999))
    assert _count(world, TimeOffRequest) == 1


def test_the_role_is_read_again_before_a_write(world: World) -> None:
    # Sam's cached actor says admin; the API says staff: the API wins.
    stale = Actor(TEAM, SAM, member_id=MEMBER_IDS[SAM], role=Role.ADMIN, name="Sam Stone")
    start = world.today() + timedelta(days=4)
    with pytest.raises(PermissionDenied):
        world.timeoff.request(stale, RequestInput(start, start, member_id=MEMBER_IDS[TARA]))
    world.emulator.set_member_role(MEMBER_IDS[SAM], "admin")
    view = world.timeoff.request(stale, RequestInput(start, start, member_id=MEMBER_IDS[TARA]))
    assert view.member_id == MEMBER_IDS[TARA]


def test_an_unlinked_user_can_do_nothing(world: World) -> None:
    start = world.today() + timedelta(days=4)
    with pytest.raises(NotLinked):
        world.timeoff.request(Actor(TEAM, "U0GUEST01"), RequestInput(start, start))
    world.emulator.replace_member(MEMBER_IDS[SAM], {"is_active": False})
    with pytest.raises(NotLinked):
        world.ask(SAM)
    assert _count(world, TimeOffRequest) == 0


def test_times_on_an_all_day_request_and_a_draft_without_a_first_day_are_refused(world: World) -> None:
    start = world.today() + timedelta(days=3)
    with pytest.raises(InvalidRequest) as timed:
        world.timeoff.request(world.actor(SAM), RequestInput(start, start, start_time=time(9)))
    assert timed.value.field_errors == {
        "start_time": "Choose “From – to” to give times, or clear them for all day."
    }
    with pytest.raises(InvalidRequest) as undated:
        world.timeoff.check_input(TEAM, RequestDraft(None, start, end_time=time(9)))
    assert undated.value.field_errors == {
        "starts_on": "Choose the first day.",
        "end_time": "Choose “From – to” to give times, or clear them for all day.",
    }
    assert world.timeoff.check_input(TEAM, RequestDraft(start)) == RequestInput(start, start)
    assert _count(world, TimeOffRequest) == 0


def test_reading_requests(world: World) -> None:
    mine = world.ask(SAM, days_ahead=3)
    world.ask(TARA, days_ahead=4)
    assert [v.id for v in world.timeoff.list_for(world.actor(SAM)).items] == [mine.id]
    assert world.timeoff.get(world.actor(SAM), mine.id).id == mine.id
    with pytest.raises(PermissionDenied):
        world.timeoff.list_for(world.actor(TARA), MEMBER_IDS[SAM])
    with pytest.raises(PermissionDenied):
        world.timeoff.get(world.actor(TARA), mine.id)
    with pytest.raises(PermissionDenied):
        world.timeoff.pending(world.actor(SAM))
    waiting = world.timeoff.pending(world.actor(ADMIN))
    assert [v.member_name for v in waiting.items] == ["Sam Stone", "Tara Singh"]
    assert waiting.total == 2
    assert [v.id for v in world.timeoff.list_for(world.actor(ADMIN), MEMBER_IDS[SAM]).items] == [mine.id]
    with pytest.raises(NotFoundError):
        world.timeoff.get(world.actor(ADMIN), 4242)


def test_a_request_retried_after_it_was_stored_is_not_stored_twice(world: World) -> None:
    """The worker storing a request died after the commit; the job's next attempt (`retried`)
    finds the request the first stored instead of storing it again. Without `retried`, the same
    request sent again is a new one."""
    start = world.today() + timedelta(days=10)
    data = RequestInput(starts_on=start, ends_on=start, reason="Dentist")
    first = world.timeoff.request(world.actor(SAM), data)

    again = world.timeoff.request(world.actor(SAM), data, retried=True)
    other_reason = world.timeoff.request(
        world.actor(SAM), RequestInput(starts_on=start, ends_on=start, reason="Other"), retried=True
    )

    assert again.id == first.id
    assert other_reason.id != first.id  # not the same request: stored
    assert len(world.items(kind=outbox_store.POST_APPROVAL)) == 2  # one post per stored request
