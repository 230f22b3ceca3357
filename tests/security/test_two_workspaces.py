"""Two Slack workspaces, one database: what is made in workspace A stays A's. The web layer refuses
another workspace's requests (tests/security/test_workspace_scope.py); these tests are the second
wall, one level down: a service called for workspace B never returns, counts or changes A's rows.

The services run as the app builds them (`build_services`), against the business API emulator and
the test database; a recording notifier stands in for Slack. Both workspaces belong to the same
business (an organization-wide install), so B's admin is an approver too, only not of A.

Found against main: B's approver could read, approve, deny and cancel A's request by its id, list
an A member's requests, see and change A's settings, and link or unlink A's Slack users; B's
settings showed A's failure in a channel both name; A's digest claim in a shared channel took B's.
Held already (the tests show it): the approvals queue, the digest's count, links looked up by
workspace, delivery keys, and where a reminder or a digest goes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.config import load_settings
from rosterbot.domain.roles import Actor, Role
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.demo import DEMO_TEAM
from rosterbot.services.container import Services, build_services
from rosterbot.services.errors import NotFoundError
from rosterbot.services.notify import ChannelUnavailable, RecordingNotifier
from rosterbot.services.timeoff_rules import RequestInput
from rosterbot.services.timeoff_views import TimeOffView
from rosterbot.services.workspace import WorkspaceChanges
from rosterbot.slack.middleware import delivery_key
from rosterbot.store import audit, deliveries, links, workspace
from rosterbot.store.db import session_scope
from rosterbot.store.models import AuditEntry, MemberLink, OutboxItem, TimeOffRequest, WorkspaceSettings
from support import emulator_api

TEAM_A, TEAM_B = "T0AAAAAA1", "T0BBBBBB1"
A_TEAM_CHANNEL, A_APPROVALS = "C0ATEAM", "C0AAPPROVE"
B_TEAM_CHANNEL, B_APPROVALS = "C0BTEAM", "C0BAPPROVE"
ADMIN, ADMIN2, SAM = "U0ADMIN01", "U0ADMIN02", "U0STAFF01"  # Aaron (A), Abby (B), Sam (A)
MEMBER_IDS = {person.slack_user_id: n for n, person in enumerate(DEMO_TEAM, start=1)}
# A Monday at 07:00 UTC (the workspaces' zone): before the digest time, which the tests reach.
MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
DIGEST_AT = time(8, 0)


@dataclass
class Notifier(RecordingNotifier):
    """Records what goes to Slack; Slack refuses posts in `refused` channels (the bot removed)."""

    refused: set[str] = field(default_factory=set)

    def approval_requested(
        self, request: TimeOffView, coverage_lines: Sequence[str], channel: str
    ) -> str | None:
        if channel in self.refused:
            raise ChannelUnavailable(channel, "not_in_channel")
        return super().approval_requested(request, coverage_lines, channel)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Both:
    services: Services
    notifier: Notifier
    clock: Clock
    sessions: sessionmaker[Session]

    def actor(self, team: str, slack_user_id: str) -> Actor:
        person = next(p for p in DEMO_TEAM if p.slack_user_id == slack_user_id)
        return Actor(
            team,
            slack_user_id,
            member_id=MEMBER_IDS[slack_user_id],
            role=Role(person.role),
            name=f"{person.first_name} {person.last_name}",
        )

    @property
    def a_approver(self) -> Actor:
        return self.actor(TEAM_A, ADMIN)

    @property
    def b_approver(self) -> Actor:
        return self.actor(TEAM_B, ADMIN2)

    def sams_request(self) -> TimeOffView:
        """Sam asks workspace A for a day off next week; its post to A's approvals is delivered."""
        day = self.clock.now.date() + timedelta(days=7)
        view = self.services.timeoff.request(self.actor(TEAM_A, SAM), RequestInput(day, day))
        self.drain()
        return view

    def drain(self) -> None:
        assert self.services.outbox is not None
        while self.services.outbox.deliver_due(10):
            pass

    def snapshot(self) -> tuple[list[tuple[object, ...]], int, list[tuple[str, str]]]:
        """The requests (every column that a change touches), how many outbox items there are, and
        the audit rows (workspace, outcome)."""
        with session_scope(self.sessions) as session:
            rows = [
                (r.id, r.slack_team_id, r.status, r.decided_by_member_id, r.decision_note, r.updated_at)
                for r in session.scalars(select(TimeOffRequest).order_by(TimeOffRequest.id))
            ]
            items = len(session.scalars(select(OutboxItem)).all())
            audit = [(e.slack_team_id, e.outcome) for e in session.scalars(select(AuditEntry))]
        return rows, items, audit


@pytest.fixture
def both(
    business_emulator: tuple[str, EmulatorState], session_factory: sessionmaker[Session]
) -> Iterator[Both]:
    url, state = business_emulator
    state.clear_requests()
    api = emulator_api(url)
    clock = Clock(MONDAY)
    notifier = Notifier()
    services = build_services(
        load_settings(company_id=1, timezone="UTC", reminder_after_hours=24),
        api,
        session_factory,
        now=clock,
        notifier=notifier,
    )
    with session_scope(session_factory) as session:
        for team, channel, approvals in (
            (TEAM_A, A_TEAM_CHANNEL, A_APPROVALS),
            (TEAM_B, B_TEAM_CHANNEL, B_APPROVALS),
        ):
            workspace.save(
                session, team, team_channel=channel, approvals_channel=approvals, digest_time=DIGEST_AT
            )
        for team, user in ((TEAM_A, ADMIN), (TEAM_A, SAM), (TEAM_B, ADMIN2)):
            links.save_link(session, team, user, MEMBER_IDS[user], linked_by="email")
    yield Both(services, notifier, clock, session_factory)
    api.close()


# -- time off requests ----------------------------------------------------------------------------

DECISIONS: dict[str, Callable[[Both, Actor, int], object]] = {
    "read": lambda both, actor, request_id: both.services.timeoff.get(actor, request_id),
    "approve": lambda both, actor, request_id: both.services.timeoff.decide(actor, request_id, True),
    "deny": lambda both, actor, request_id: both.services.timeoff.decide(actor, request_id, False, "No."),
    "cancel": lambda both, actor, request_id: both.services.timeoff.cancel(actor, request_id),
}


@pytest.mark.parametrize("what", DECISIONS)
def test_another_workspaces_approver_finds_no_request_by_its_id_and_changes_nothing(
    both: Both, what: str
) -> None:
    request = both.sams_request()
    before = both.snapshot()
    sent = len(both.notifier.calls)

    with pytest.raises(NotFoundError) as refused:
        DECISIONS[what](both, both.b_approver, request.id)

    assert refused.value.message == f"There is no time off request #{request.id}."
    assert both.snapshot() == before  # no status, no outbox item, no audit row
    both.drain()
    assert len(both.notifier.calls) == sent  # and nobody was told anything
    # A's own approver still finds it, pending.
    assert both.services.timeoff.get(both.a_approver, request.id).status == "pending"


def test_an_approved_request_cannot_be_cancelled_from_another_workspace(both: Both) -> None:
    request = both.sams_request()
    assert both.services.timeoff.decide(both.a_approver, request.id, True).recorded
    both.drain()
    before = both.snapshot()

    with pytest.raises(NotFoundError):
        both.services.timeoff.cancel(both.b_approver, request.id)

    assert both.snapshot() == before
    assert both.services.timeoff.get(both.a_approver, request.id).status == "approved"


def test_another_workspace_neither_lists_nor_counts_a_request(both: Both) -> None:
    request = both.sams_request()
    sam = MEMBER_IDS[SAM]

    # Held before the fix already: the approvals queue was scoped, and so is its count.
    queue = both.services.timeoff.pending(both.b_approver)
    assert (queue.items, queue.total) == ([], 0)
    # A hole before the fix: a member's requests were listed from every workspace.
    for listed in (
        both.services.timeoff.list_for(both.b_approver, sam),
        both.services.timeoff.list_for(both.actor(TEAM_B, SAM)),
    ):
        assert (listed.items, listed.total) == ([], 0)
    # Held before: the digest counts its own workspace's waiting requests.
    assert both.services.digests.build(TEAM_B, MONDAY.date()).pending_requests == 0

    queue = both.services.timeoff.pending(both.a_approver)
    assert [r.id for r in queue.items] == [request.id] and queue.total == 1
    listed = both.services.timeoff.list_for(both.a_approver, sam)
    assert [r.id for r in listed.items] == [request.id] and listed.total == 1
    assert both.services.digests.build(TEAM_A, MONDAY.date()).pending_requests == 1

# -- links ------------------------------------------------------------------------------------------


def test_a_workspaces_links_are_invisible_and_untouchable_from_another(both: Both) -> None:
    request = both.sams_request()
    identity = both.services.identity

    # Held before the fix: a link is found only in its own workspace.
    unlinked = identity.resolve(TEAM_B, SAM)
    assert unlinked.member_id is None
    assert request.member_slack_user_id == SAM
    assert {a.member_id: a.slack_user_ids for a in both.services.timeoff.approvers(TEAM_B)}[
        MEMBER_IDS[ADMIN]
    ] == ()

    # A hole before the fix: B's admin could link or unlink A's Slack users by naming A.
    with pytest.raises(NotFoundError):
        identity.link(both.b_approver, TEAM_A, SAM, MEMBER_IDS[ADMIN])
    with pytest.raises(NotFoundError):
        identity.unlink(both.b_approver, TEAM_A, SAM)

    with session_scope(both.sessions) as session:
        stored = sorted(
            (link.slack_team_id, link.slack_user_id, link.member_id)
            for link in session.scalars(select(MemberLink))
        )
        refusals = session.scalars(
            select(AuditEntry).where(AuditEntry.slack_team_id == TEAM_B, AuditEntry.outcome == "denied")
        ).all()
    assert stored == [
        (TEAM_A, ADMIN, MEMBER_IDS[ADMIN]),
        (TEAM_A, SAM, MEMBER_IDS[SAM]),
        (TEAM_B, ADMIN2, MEMBER_IDS[ADMIN2]),
    ]
    assert [(e.operation, e.target) for e in refusals] == [("link_user", f"workspace {TEAM_A}")] * 2
    with session_scope(both.sessions) as session:
        a_rows = audit.entries(session, slack_team_id=TEAM_A)
        b_rows = audit.entries(session, slack_team_id=TEAM_B)
    assert a_rows and {e.slack_team_id for e in a_rows} == {TEAM_A}  # Sam's request
    assert [(e.operation, e.outcome) for e in b_rows] == [("link_user", "denied")] * 2


# -- settings ---------------------------------------------------------------------------------------


def test_a_workspaces_settings_are_invisible_and_unchangeable_from_another(both: Both) -> None:
    settings = both.services.workspace

    with pytest.raises(NotFoundError):
        settings.show(both.b_approver, TEAM_A)
    with pytest.raises(NotFoundError):
        settings.update(both.b_approver, TEAM_A, WorkspaceChanges(approvals_channel="C0BAPPROVE"))

    with session_scope(both.sessions) as session:
        row = session.get(WorkspaceSettings, TEAM_A)
        assert row is not None and (row.team_channel, row.approvals_channel) == (A_TEAM_CHANNEL, A_APPROVALS)
    own = settings.show(both.b_approver, TEAM_B)
    assert (own.team_channel, own.approvals_channel) == (B_TEAM_CHANNEL, B_APPROVALS)
    assert settings.show(both.a_approver, TEAM_A).approvals_channel == A_APPROVALS


def test_a_channel_problem_shows_only_in_its_own_workspaces_settings(both: Both) -> None:
    # B's approvals channel is A's too (a channel the two workspaces share); the bot was removed
    # from it, and finds out posting A's request there.
    with session_scope(both.sessions) as session:
        workspace.save(session, TEAM_B, approvals_channel=A_APPROVALS)
    both.notifier.refused.add(A_APPROVALS)
    both.sams_request()
    assert both.notifier.of("approval_unposted")

    assert both.services.workspace.show(both.a_approver, TEAM_A).channel_problems == {
        A_APPROVALS: "not_in_channel"
    }
    # A hole before the fix: problems were kept per channel, and shown to any workspace naming it.
    assert both.services.workspace.show(both.b_approver, TEAM_B).channel_problems == {}


# -- deliveries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"type": "event_callback", "event_id": "Ev0001", "event": {"type": "app_home_opened"}},
        {"type": "view_submission", "view": {"id": "V0001", "hash": "1.abc"}},
    ],
    ids=["event", "view"],
)
def test_a_delivery_handled_in_one_workspace_is_not_skipped_in_another(
    session_factory: sessionmaker[Session], body: dict[str, object]
) -> None:
    """Held before the fix: a delivery's key names its workspace, so the same event or view id
    from another workspace is a delivery of its own."""
    keys = [
        delivery_key(
            BoltRequest(
                body=json.dumps({**body, "team_id": team}), headers={"content-type": ["application/json"]}
            )
        )
        for team in (TEAM_A, TEAM_B)
    ]
    assert None not in keys and keys[0] != keys[1]
    with session_scope(session_factory) as session:
        assert [deliveries.claim(session, str(key)) for key in keys] == [True, True]
        assert deliveries.claim(session, str(keys[0])) is False  # a repeat in A is still one


# -- the worker: digests and reminders --------------------------------------------------------------


def test_each_workspace_gets_its_own_digest_in_its_own_channel(both: Both) -> None:
    both.sams_request()
    both.clock.now = MONDAY.replace(hour=8, minute=5)

    assert both.services.digests.enqueue_due_digests() == 2
    both.drain()

    digests = {call.args["channel"]: call.args["digest"] for call in both.notifier.of("digest")}
    assert sorted(digests) == [A_TEAM_CHANNEL, B_TEAM_CHANNEL]
    assert (digests[A_TEAM_CHANNEL].slack_team_id, digests[A_TEAM_CHANNEL].pending_requests) == (TEAM_A, 1)
    assert (digests[B_TEAM_CHANNEL].slack_team_id, digests[B_TEAM_CHANNEL].pending_requests) == (TEAM_B, 0)


def test_a_workspaces_digest_is_its_own_even_in_a_channel_another_shares(both: Both) -> None:
    # Both workspaces post their digest in one channel (shared between them): A's claim of the
    # day's digest there must not take B's.
    with session_scope(both.sessions) as session:
        workspace.save(session, TEAM_B, team_channel=A_TEAM_CHANNEL)
    both.sams_request()
    both.clock.now = MONDAY.replace(hour=8, minute=5)

    assert both.services.digests.enqueue_due_digests() == 2
    both.drain()
    assert both.services.digests.enqueue_due_digests() == 0  # still one a day each

    sent = [(c.args["channel"], c.args["digest"].slack_team_id) for c in both.notifier.of("digest")]
    assert sorted(sent) == [(A_TEAM_CHANNEL, TEAM_A), (A_TEAM_CHANNEL, TEAM_B)]


def test_a_reminder_goes_only_to_its_own_workspaces_approvals(both: Both) -> None:
    request = both.sams_request()
    both.clock.now = MONDAY + timedelta(hours=25)

    assert both.services.digests.enqueue_reminders() == 1
    both.drain()

    [reminder] = both.notifier.of("reminder")
    assert (reminder.args["request"].id, reminder.args["channel"]) == (request.id, A_APPROVALS)
    [approval] = both.notifier.of("approval_requested")
    assert approval.args["channel"] == A_APPROVALS
