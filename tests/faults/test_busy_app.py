"""Many users at once while the business API is slow: every command is still acknowledged at once
(listeners ack on the HTTP thread and leave their API calls to the work pool, `slack/work.py`:
were the API calls made before the answer, or the pool too small to take them, later commands
would wait behind earlier ones stuck on the API and Slack would give up after 3 s), and every
user is told what happened.
"""

from __future__ import annotations

import threading

import httpx

from rosterbot.emulators.demo import DEMO_TEAM
from rosterbot.sandbox import Sandbox

from .conftest import UNAVAILABLE, ErrorLog, assert_plain, said_to, wait_said

USERS = [person.slack_user_id for person in DEMO_TEAM]  # 9 listeners stuck on the API at once


def test_nine_commands_at_once_against_a_slow_api_are_all_acknowledged_at_once(
    box: Sandbox, error_log: ErrorLog
) -> None:
    box.api_state.set_faults(latency=0.8)  # every try times out: each listener waits ~1.7 s
    answers: list[tuple[int, bool]] = []
    lock = threading.Lock()
    start = threading.Barrier(len(USERS))

    def type_command(user: str, text: str) -> None:
        start.wait()
        try:
            status = box.slack.command(user, "/team", text).status_code
        except httpx.HTTPError:
            status = 0
        # Whether this user's outcome (which takes 1.5 s of API tries and more) came before the ack.
        told = any(UNAVAILABLE.casefold() in t.casefold() for t in said_to(box, user))
        with lock:
            answers.append((status, told))

    threads = [threading.Thread(target=type_command, args=(user, "list")) for user in USERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(status for status, _ in answers) == [200] * len(threads)
    assert not any(told for _, told in answers), "an ack waited for its listener's API calls"
    for user in USERS:
        assert_plain(box, wait_said(box, user, UNAVAILABLE, timeout=15))
    # Every command was answered (and none is still running when the next test starts).
    assert box.slack_state.wait_for(
        lambda s: sum(UNAVAILABLE in post.text for post in s.responses) == len(threads), timeout=15
    )
    assert error_log.tracebacks() == []
