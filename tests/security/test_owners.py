"""Owners are protected on every path, and under concurrency (DESIGN.md, "Trust").

End to end: signed Slack requests into the sandbox (the business API emulator, the Slack stand-in
and the real web app on loopback); what the emulator holds and what rosterbot stored afterwards.
Runs on SQLite, and on PostgreSQL when ROSTERBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from faults.fault_proxy import FaultProxy
from rosterbot.emulators.demo import DEMO_TEAM, TEAM_CHANNEL_ID
from rosterbot.emulators.slack_api.state import ResponsePost
from rosterbot.sandbox import Sandbox
from rosterbot.store import links
from rosterbot.store import positions as assignments
from rosterbot.store.db import make_session_factory, session_scope
from rosterbot.store.locks import OWNERS_LOCK, LockTimeout, business_lock
from rosterbot.store.models import AuditEntry
from support import SLACK_WAIT, command, texts

OWNER, ADMIN, STAFF = "U0OWNER01", "U0ADMIN01", "U0STAFF01"
OLIVIA, SAM = 1, 4  # demo member ids
SENIOR_STYLIST = 1  # a demo position
EXTRA_OWNER = ("U0EXTRA01", "Xavier", "Extra", "xavier@demo-salon.example")  # a tenth person
TEAM_PATH = "/api/v1/merchant/team"
# The client gives up on an answer after 0.5 s and retries twice, quickly.
FAST_API: dict[str, Any] = {
    "api_timeout": 0.5,
    "api_max_retries": 2,
    "api_backoff_base": 0.05,
    "api_max_wait": 1.0,
}
SLOW_WAIT = 60.0  # ten writes in turn, each several API calls with latency
LATENCY = 0.15  # seconds the emulator takes per answer: the race window of a real API


def said(response: ResponsePost) -> str:
    return response.text + "\n" + texts(response.blocks or [])


def fresh(box: Sandbox) -> Sandbox:
    box.api_state.reset()
    box.api_state.set_faults()
    box.api_state.down(False)
    box.slack_state.clear()
    box.services.identity.forget()
    return box


@pytest.fixture(scope="module")
def _box(sandbox: Callable[..., Sandbox]) -> Sandbox:
    return sandbox()


@pytest.fixture
def box(_box: Sandbox, engine: Engine) -> Iterator[Sandbox]:
    """The module's sandbox with the demo business as new (`engine` empties rosterbot's tables)."""
    yield fresh(_box)
    _box.api_state.set_faults()


def linked_member(box: Sandbox, slack_user: str) -> int | None:
    with session_scope(box.services.session_factory) as session:
        link = links.get_link(session, box.slack.team_id, slack_user)
        return link.member_id if link else None


# ---- finding 2: an admin re-linking the owner's Slack user ---------------------------------------


@pytest.mark.parametrize("owner_link", ["stored", "by e-mail only"])
def test_an_admin_cannot_relink_the_owners_slack_user_to_someone_else(box: Sandbox, owner_link: str) -> None:
    if owner_link == "stored":
        assert "You are *Olivia Owens*" in said(command(box, OWNER, "/team", "whoami"))  # links by e-mail
        assert linked_member(box, OWNER) == OLIVIA

    refused = command(box, ADMIN, "/team", f"link <@{OWNER}|olivia> Sam Stone")

    assert "Only an owner can" in refused.text and "Linked" not in refused.text
    assert linked_member(box, OWNER) in (OLIVIA, None)  # unchanged, or found by e-mail later
    box.services.identity.forget()
    whoami = said(command(box, OWNER, "/team", "whoami"))
    assert "Olivia Owens" in whoami and "Sam Stone" not in whoami
    assert linked_member(box, OWNER) == OLIVIA


def test_an_owner_may_relink_an_owners_slack_user_and_undo_it(box: Sandbox) -> None:
    box.api_state.add_member("owner", "Xavier", "Extra", "xavier@demo-salon.example")
    box.slack_state.add_user(*EXTRA_OWNER)
    command(box, EXTRA_OWNER[0], "/team", "whoami")  # linked by e-mail to the new owner

    moved = command(box, OWNER, "/team", f"link <@{EXTRA_OWNER[0]}|xavier> Sam Stone")
    assert "Linked" in moved.text and linked_member(box, EXTRA_OWNER[0]) == SAM
    back = command(box, OWNER, "/team", f"link <@{EXTRA_OWNER[0]}|xavier> Xavier Extra")
    assert "Linked" in back.text


# ---- finding 3: the last owner raced away --------------------------------------------------------


def make_owners(box: Sandbox, count: int) -> list[tuple[str, int]]:
    """`count` active owners, each with a linked Slack user: (slack user, member id)."""
    people = [(p.slack_user_id, n) for n, p in enumerate(DEMO_TEAM, start=1)][:count]
    for _slack_user, member_id in people:
        box.api_state.set_member_role(member_id, "owner")
    if count > len(people):
        extra = box.api_state.add_member("owner", *EXTRA_OWNER[1:])
        box.slack_state.add_user(*EXTRA_OWNER)
        people.append((EXTRA_OWNER[0], extra.id))
    with session_scope(box.services.session_factory) as session:
        for slack_user, member_id in people:
            links.save_link(session, box.slack.team_id, slack_user, member_id, linked_by="test")
    assert len(people) == count
    return people


def active_owners(box: Sandbox) -> list[int]:
    return [m.id for m in box.api_state.members() if m.role == "owner" and m.is_active]


def remove_confirmation(box: Sandbox, user: str, member_id: int) -> ResponsePost:
    asked = command(box, user, "/team", f"remove #{member_id}")
    assert "team_remove_confirm" in str(asked.blocks), said(asked)
    return asked


@pytest.mark.parametrize("attempt", range(3))
@pytest.mark.parametrize("count", [2, 3, 5, 10])
def test_owners_removing_each_other_at_once_always_leave_an_active_owner(
    box: Sandbox, count: int, attempt: int
) -> None:
    """Each owner deactivates or removes the next one, all at the same moment, over an API that
    takes 100 ms an answer: however they interleave, one active owner is left."""
    owners = make_owners(box, count)
    targets = [owners[(i + 1) % count][1] for i in range(count)]
    # Removing asks first: the confirmations are fetched before the burst, the clicks go in it.
    confirmations = {
        i: remove_confirmation(box, user, targets[i])
        for i, (user, _id) in enumerate(owners)
        if i % 2 and count > 2
    }
    box.slack_state.clear()
    box.api_state.set_faults(latency=LATENCY)

    def send(i: int) -> None:
        user = owners[i][0]
        if i in confirmations:
            message = {"ts": box.slack_state.next_ts(), "blocks": confirmations[i].blocks or []}
            reply = box.slack.click(user, "team_remove_confirm", message=message, channel=TEAM_CHANNEL_ID)
        else:
            reply = box.slack.command(user, "/team", f"deactivate #{targets[i]}")
        assert reply.status_code == 200

    start = threading.Barrier(count)

    def at_once(i: int) -> None:
        start.wait()
        send(i)

    threads = [threading.Thread(target=at_once, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert box.slack_state.wait_for(lambda s: len(s.responses) >= count, timeout=SLOW_WAIT), "no answers"

    box.api_state.set_faults()
    answers = [said(r) for r in box.slack_state.responses]
    assert len(active_owners(box)) >= 1, answers
    done = sum("Deactivated" in a or "Removed" in a for a in answers)
    assert done == count - len(active_owners(box)), answers  # every refused one changed nothing


def audit_rows(box: Sandbox, *operations: str) -> list[AuditEntry]:
    with session_scope(box.services.session_factory) as session:
        query = select(AuditEntry).where(AuditEntry.operation.in_(operations)).order_by(AuditEntry.id)
        return list(session.scalars(query))


def test_a_demotion_and_a_deactivation_at_once_leave_an_active_owner(box: Sandbox) -> None:
    """Two owners: one demotes the other in the edit form while that one deactivates the first."""
    (first, first_id), (second, second_id) = make_owners(box, 2)
    assert box.slack.command(first, "/team", f"edit #{second_id}").status_code == 200

    def form_ready(state: Any) -> bool:
        views = state.open_views(first)
        return bool(views) and views[-1].get("callback_id") == "team_edit_member"

    assert box.slack_state.wait_for(form_ready, timeout=SLACK_WAIT), box.slack_state.open_views(first)
    person = DEMO_TEAM[second_id - 1]
    demoted = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "role": "staff",
        "email": person.email,
        "phone_number": person.phone_number,
        "is_active": ["active"],
    }
    # "Deactivate instead" on the remove confirmation: no member lookup before the service runs.
    asked = remove_confirmation(box, second, first_id)
    box.api_state.set_faults(latency=LATENCY)
    start = threading.Barrier(2)

    def demote() -> None:
        start.wait()
        values = {name: {"team_field": value} for name, value in demoted.items()}
        assert box.slack.submit_view(first, "team_edit_member", values).status_code == 200

    def deactivate() -> None:
        start.wait()
        message = {"ts": box.slack_state.next_ts(), "blocks": asked.blocks or []}
        reply = box.slack.click(second, "team_remove_deactivate", message=message, channel=TEAM_CHANNEL_ID)
        assert reply.status_code == 200

    threads = [threading.Thread(target=demote), threading.Thread(target=deactivate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    decided = box.slack_state.wait_for(
        lambda _s: len(audit_rows(box, "member.edit", "member.deactivate")) >= 2,
        timeout=SLOW_WAIT,
        interval=0.05,
    )
    box.api_state.set_faults()
    assert decided, audit_rows(box, "member.edit", "member.deactivate")
    assert len(active_owners(box)) == 1
    outcomes = sorted(r.outcome for r in audit_rows(box, "member.edit", "member.deactivate"))
    assert outcomes == ["allowed", "denied"], [
        (r.operation, r.outcome, r.detail) for r in audit_rows(box, "member.edit", "member.deactivate")
    ]


# ---- finding 11b: a member DELETE whose answer was lost ----------------------------------------


@pytest.fixture(scope="module")
def proxied(database_url: str, _migrated_engine: Engine) -> Iterator[tuple[Sandbox, FaultProxy]]:
    """A sandbox whose app reaches the emulator through a fault proxy (passing all through until
    a test adds a rule)."""
    proxy = FaultProxy()
    sandbox = Sandbox.start(
        database_url=database_url, settings={"api_rate_limit": 1000.0, **FAST_API, "api_url": proxy.url}
    )
    proxy.upstream = sandbox.servers[2].url  # the emulator (servers: app, Slack stand-in, emulator)
    yield sandbox, proxy
    sandbox.stop()
    proxy.stop()


def test_a_member_delete_whose_answer_was_lost_is_done_and_cleaned_up(
    proxied: tuple[Sandbox, FaultProxy], engine: Engine
) -> None:
    box, proxy = proxied
    fresh(box)
    proxy.clear()
    command(box, STAFF, "/team", "whoami")  # Sam's Slack user linked by e-mail
    with session_scope(box.services.session_factory) as session:
        assignments.assign(session, SAM, SENIOR_STYLIST, assigned_by="test")
    asked = remove_confirmation(box, OWNER, SAM)
    # The emulator deletes; the answer comes after the client stopped waiting, and its retry is 404.
    proxy.forward("DELETE", rf"^{TEAM_PATH}/{SAM}$", delay=0.8, times=1)

    before = len(box.slack_state.responses)
    message = {"ts": box.slack_state.next_ts(), "blocks": asked.blocks or []}
    assert (
        box.slack.click(OWNER, "team_remove_confirm", message=message, channel=TEAM_CHANNEL_ID).status_code
        == 200
    )
    assert box.slack_state.wait_for(lambda s: len(s.responses) > before, timeout=SLACK_WAIT)
    answer = said(box.slack_state.responses[before])

    deletes = [p for p in proxy.seen if p.method == "DELETE"]
    assert [p.status for p in deletes][-1:] == [404], deletes  # the retry found it gone
    assert "Removed *Sam Stone*" in answer and "no longer exists" not in answer
    assert box.api_state.member(SAM) is None
    assert linked_member(box, STAFF) is None
    with session_scope(box.services.session_factory) as session:
        assert assignments.position_of(session, SAM) is None
        rows = session.scalars(select(AuditEntry).where(AuditEntry.operation == "member.delete")).all()
        assert [r.outcome for r in rows] == ["allowed"]


def test_on_postgresql_the_lock_is_held_across_processes(engine: Engine) -> None:
    """Another process holding the business's advisory lock (here: a connection of its own) makes
    a write wait for it, and give up with LockTimeout rather than go ahead."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serves one process: its lock is a process lock")
    factory = make_session_factory(engine)
    other = engine.connect()
    try:
        other.begin()
        other.execute(select(func.pg_advisory_xact_lock(OWNERS_LOCK, 1)))
        with pytest.raises(LockTimeout), business_lock(factory, 1, timeout=0.3):
            pytest.fail("went ahead while another process held the lock")
        with business_lock(factory, 2, timeout=0.3):
            pass  # another business is not held up
    finally:
        other.rollback()
        other.close()
    with business_lock(factory, 1, timeout=0.3):
        pass  # free again once the other transaction ended
