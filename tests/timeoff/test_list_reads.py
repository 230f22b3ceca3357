"""A list of requests is read in a fixed number of queries however long it is (the members' Slack
links and the leave types for the whole list, not one query a row), and its views are built after
the transaction commits: a name that waits for the business API never holds a transaction open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from rosterbot.services.member_names import MemberNames
from rosterbot.store import links
from rosterbot.store.db import session_scope

from .conftest import ADMIN, MEMBER_IDS, SAM, TARA, TEAM, UMAR, World


def _engine(world: World) -> Engine:
    engine = world.sessions.kw["bind"]
    assert isinstance(engine, Engine)
    return engine


@contextmanager
def _statements(world: World) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = _engine(world)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class WatchedNames(MemberNames):
    """Member names that note, at each lookup, how many transactions are open."""

    def __init__(self, world: World) -> None:
        super().__init__(world.api)
        self.open = 0
        self.open_at_lookup: list[int] = []

    def began(self, conn: Any) -> None:
        self.open += 1

    def ended(self, conn: Any) -> None:
        self.open = max(0, self.open - 1)

    def name(self, member_id: int) -> str:
        self.open_at_lookup.append(self.open)
        return super().name(member_id)


@contextmanager
def _watched_names(world: World) -> Iterator[WatchedNames]:
    """The service's names, watched while inside."""
    names, engine = WatchedNames(world), _engine(world)
    hooks = (("begin", names.began), ("commit", names.ended), ("rollback", names.ended))
    for name, hook in hooks:
        event.listen(engine, name, hook)
    world.timeoff.names = names
    try:
        yield names
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)


def _link(world: World, slack_user_id: str) -> None:
    with session_scope(world.sessions) as session:
        links.save_link(session, TEAM, slack_user_id, MEMBER_IDS[slack_user_id], linked_by="test")


def test_a_list_takes_as_many_queries_for_six_requests_as_for_two(world: World) -> None:
    for who in (SAM, TARA, UMAR):
        _link(world, who)
    world.ask(SAM, days_ahead=3)
    world.ask(TARA, days_ahead=4)
    with _statements(world) as two:
        short = world.timeoff.pending(world.actor(ADMIN))
    for n, who in enumerate((SAM, TARA, UMAR, UMAR), start=5):
        world.ask(who, days_ahead=n)
    with _statements(world) as six:
        long = world.timeoff.pending(world.actor(ADMIN))
    assert (len(short.items), len(long.items)) == (2, 6)
    assert len(six) == len(two)
    assert {v.member_id: v.member_slack_user_id for v in long.items} == {
        MEMBER_IDS[who]: who for who in (SAM, TARA, UMAR)
    }


def test_names_are_looked_up_after_the_transaction(world: World) -> None:
    _link(world, SAM)
    world.ask(SAM, days_ahead=3)
    world.ask(TARA, days_ahead=4)
    approver = world.actor(ADMIN)
    with _watched_names(world) as names:
        listed = world.timeoff.pending(approver).items
        world.timeoff.list_for(approver, MEMBER_IDS[SAM])
        world.timeoff.ahead(world.actor(TARA), now=world.clock.now)
        world.timeoff.get(approver, listed[0].id)
        world.timeoff.view(listed[1].id)
    assert [v.member_name for v in listed] == ["Sam Stone", "Tara Singh"]
    assert len(names.open_at_lookup) >= 6
    assert set(names.open_at_lookup) == {0}
