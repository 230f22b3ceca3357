"""Repositories: links, deliveries (claimed once, even under a race), positions, audit, workspace."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.store import audit, deliveries, links, positions, workspace


def test_links_save_get_replace_delete(session: Session) -> None:
    assert links.get_link(session, "T1", "U1") is None
    links.save_link(session, "T1", "U1", 7, linked_by="email", email="a@example.com")
    session.commit()

    link = links.get_link(session, "T1", "U1")
    assert link is not None and (link.member_id, link.email, link.linked_by) == (7, "a@example.com", "email")
    assert links.get_link(session, "T2", "U1") is None  # another workspace

    replaced = links.save_link(session, "T1", "U1", 9, linked_by="U0ADMIN")
    session.commit()
    assert (replaced.member_id, replaced.linked_by, replaced.email) == (9, "U0ADMIN", None)
    assert [row.slack_user_id for row in links.links_in(session, "T1")] == ["U1"]
    assert [row.slack_user_id for row in links.links_for_member(session, 9, slack_team_id=None)] == ["U1"]
    assert [row.slack_user_id for row in links.links_for_member(session, 9, slack_team_id="T1")] == ["U1"]
    assert links.links_for_member(session, 9, slack_team_id="T2") == []  # another workspace
    assert links.links_for_member(session, 7, slack_team_id=None) == []

    assert links.delete_link(session, "T1", "U1") is True
    assert links.delete_link(session, "T1", "U1") is False
    session.commit()
    assert links.get_link(session, "T1", "U1") is None


def test_delivery_is_claimed_once(session: Session) -> None:
    assert deliveries.claim(session, "event:Ev1") is True
    session.commit()
    assert deliveries.claim(session, "event:Ev1") is False
    assert deliveries.claim(session, "event:Ev2") is True
    session.commit()

    deliveries.release(session, "event:Ev1")
    session.commit()
    assert deliveries.claim(session, "event:Ev1") is True
    session.commit()


def test_delivery_claim_race_has_one_winner(session_factory: sessionmaker[Session]) -> None:
    results: list[bool] = []
    start = threading.Barrier(4)
    lock = threading.Lock()

    def claim() -> None:
        with session_factory() as own:
            start.wait()
            won = deliveries.claim(own, "view:same-hash")
            own.commit()
        with lock:
            results.append(won)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == [False, False, False, True]


def test_prune_forgets_old_claims(session: Session) -> None:
    now = datetime.now(UTC)
    deliveries.claim(session, "old", at=now - timedelta(hours=2))
    deliveries.claim(session, "new", at=now)
    session.commit()
    assert deliveries.prune(session, now - timedelta(hours=1)) == 1
    session.commit()
    assert deliveries.claim(session, "old") is True
    assert deliveries.claim(session, "new") is False


def test_position_assignments(session: Session) -> None:
    positions.assign(session, 1, 10, assigned_by="U1")
    positions.assign(session, 2, 10, assigned_by="U1")
    positions.assign(session, 3, 20, assigned_by="U1")
    session.commit()
    positions.assign(session, 1, 20, assigned_by="U2")  # a member has one position
    session.commit()

    assert positions.assignments(session) == {1: 20, 2: 10, 3: 20}
    assert positions.position_of(session, 1) == 20
    assert positions.position_of(session, 99) is None
    assert positions.members_with(session, 20) == [1, 3]

    assert positions.clear_position(session, 20) == 2
    assert positions.unassign(session, 2) is True
    assert positions.unassign(session, 2) is False
    session.commit()
    assert positions.assignments(session) == {}


def test_audit_records_and_lists_newest_first(session: Session) -> None:
    for outcome in ("allowed", "denied", "failed"):
        audit.record(
            session,
            slack_team_id="T1",
            slack_user_id="U1",
            actor_member_id=3,
            actor_role="staff",
            operation="member.create",
            outcome=outcome,
            target="member:new",
            detail=outcome,
        )
    session.commit()
    assert [entry.outcome for entry in audit.entries(session)] == ["failed", "denied", "allowed"]
    denied = audit.entries(session, outcome="denied")
    assert len(denied) == 1 and denied[0].actor_role == "staff" and denied[0].target == "member:new"
    with pytest.raises(ValueError):
        audit.record(
            session,
            slack_team_id="T1",
            slack_user_id="U1",
            actor_member_id=None,
            actor_role=None,
            operation="x",
            outcome="maybe",
        )


def test_workspace_settings_keep_what_is_not_changed(session: Session) -> None:
    assert workspace.get(session, "T1") is None
    workspace.save(session, "T1", team_channel="C1", timezone="Europe/Lisbon")
    session.commit()
    workspace.save(session, "T1", digest_time=time(9, 0), coverage_minimums={"10": 2})
    session.commit()
    session.expunge_all()

    row = workspace.get(session, "T1")
    assert row is not None
    assert (row.team_channel, row.approvals_channel, row.timezone) == ("C1", None, "Europe/Lisbon")
    assert row.digest_time == time(9, 0) and row.coverage_minimums == {"10": 2}

    workspace.save(session, "T1", team_channel=None)
    session.commit()
    session.expunge_all()
    again = workspace.get(session, "T1")
    assert again is not None and again.team_channel is None and again.timezone == "Europe/Lisbon"
