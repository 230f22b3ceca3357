"""The job queue's claims and wake-ups (`store/outbox.py`, `store/wake.py`): a claimed job's lease is
renewed while it runs and nobody else takes it meanwhile; a job whose lease ran out is taken again
with the next attempt (fencing the first); on PostgreSQL a listening worker wakes at the commit
that stores a job."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rosterbot.store import outbox
from rosterbot.store.db import session_scope
from rosterbot.store.wake import Listener

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def store_job(session_factory: sessionmaker[Session], at: datetime = NOW) -> int:
    with session_scope(session_factory) as session:
        return outbox.enqueue(session, outbox.RUN_LISTENER, at=at, payload={"function": "f"})


def claim(session_factory: sessionmaker[Session], now: datetime, lease: float = 15.0) -> list[outbox.Claim]:
    with session_scope(session_factory) as session:
        until = now + timedelta(seconds=lease)
        return outbox.claim_due(session, now=now, lease_until=until, limit=10, kinds=[outbox.RUN_LISTENER])


def test_a_renewed_lease_keeps_a_running_job_and_a_lapsed_one_is_taken_again(
    session_factory: sessionmaker[Session],
) -> None:
    job = store_job(session_factory)
    [first] = claim(session_factory, NOW)
    assert claim(session_factory, NOW + timedelta(seconds=10)) == []  # held

    with session_scope(session_factory) as session:  # the worker renews while the job runs
        assert outbox.extend_leases(session, [first], until=NOW + timedelta(seconds=40)) == 1
    assert claim(session_factory, NOW + timedelta(seconds=30)) == []  # past the first lease: still held

    # The worker died: nobody renews; after the lease another worker takes it, as attempt 2.
    [second] = claim(session_factory, NOW + timedelta(seconds=41))
    assert (second.id, second.attempt) == (job, 2)
    with session_scope(session_factory) as session:
        assert outbox.extend_leases(session, [first], until=NOW + timedelta(seconds=90)) == 0  # fenced
        assert not outbox.complete(session, first, at=NOW)  # the first's outcome no longer counts
        assert outbox.complete(session, second, at=NOW)


def test_a_worker_claims_only_the_kinds_it_can_do_and_one_job_by_its_id(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        other = outbox.enqueue(session, outbox.POST_DIGEST, at=NOW, payload={})
    job = store_job(session_factory)
    assert [c.id for c in claim(session_factory, NOW)] == [job]  # not the digest
    with session_scope(session_factory) as session:
        assert outbox.claim_due(session, now=NOW, lease_until=NOW, limit=1, item_id=job) == []  # held
        [taken] = outbox.claim_due(session, now=NOW, lease_until=NOW, limit=1, item_id=other)
    assert taken.kind == outbox.POST_DIGEST


def test_a_listening_worker_wakes_when_a_job_is_stored(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    listener = Listener.for_engine(engine)
    if listener is None:
        assert engine.dialect.name == "sqlite"  # no NOTIFY: workers poll
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's (ROSTERBOT_TEST_DATABASE_URL)")
    try:
        assert listener.wait(0.0) is False  # connected, nothing announced yet
        woke: list[bool] = []
        waiting = threading.Thread(target=lambda: woke.append(listener.wait(30.0)))
        waiting.start()
        store_job(session_factory)
        waiting.join(30.0)
        assert woke == [True]
    finally:
        listener.close()


def test_work_is_stored_on_the_ack_path_after_the_server_dropped_the_pooled_connections(
    engine: Engine,
) -> None:
    """Pooled connections are not pinged when they were used a moment ago (`store.db`): after a
    PostgreSQL restart, storing a listener's work still succeeds (through a fresh connection), once."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server dropping its connections")
    from sqlalchemy import func, select, text

    from rosterbot.services.jobs import JobQueue, ListenerWork
    from rosterbot.store.db import make_engine, make_session_factory
    from rosterbot.store.models import OutboxItem

    own = make_engine(engine.url.render_as_string(hide_password=False), pool_size=2)
    try:
        jobs = JobQueue(make_session_factory(own), clock=lambda: NOW)
        work = ListenerWork(function="run_team", body="command=/team", headers={}, slack_team_id="T1")
        first = jobs.store_listener_work(work)
        with own.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as admin:  # the server drops the pooled connection, as a restart does
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()

        second = jobs.store_listener_work(work)

        assert second is not None and second != first
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(OutboxItem)).scalar_one()
        assert stored == 2
    finally:
        own.dispose()


def test_workers_claiming_at_once_never_hold_the_same_job(engine: Engine) -> None:
    """Eight workers claim from one queue at the same time, each on its own connection, until it is
    empty: every job is claimed exactly once (the claim is one statement: on PostgreSQL a job
    another worker committed its claim of meanwhile no longer matches)."""
    from rosterbot.store.db import autocommit_session, make_engine, make_session_factory

    with session_scope(sessionmaker(bind=engine)) as session:
        stored = {outbox.enqueue(session, outbox.RUN_LISTENER, at=NOW, payload={}) for _ in range(400)}
    own = make_engine(engine.url.render_as_string(hide_password=False), pool_size=8)
    factory = make_session_factory(own)
    claimed: list[int] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        while True:
            with autocommit_session(factory) as session:
                until = NOW + timedelta(seconds=15)
                batch = outbox.claim_due(
                    session, now=NOW, lease_until=until, limit=7, kinds=[outbox.RUN_LISTENER]
                )
            if not batch:
                return
            claimed.extend(claim.id for claim in batch)  # list.extend is atomic under the GIL

    threads = [threading.Thread(target=worker) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        own.dispose()
    assert sorted(claimed) == sorted(stored)
