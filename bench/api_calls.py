"""Benchmark 3: business API calls per command, and computing availability.

For a business of 20, 200 and 1,000 members, the owner runs `/team list` and `/availability week`
twice each through the sandbox (the real web app in this process, the emulator and the Slack
stand-in on loopback, a fresh database): the first run starts with every cache cold (the Slack
user is linked by e-mail on the way), the second shows what the caches save. Calls are counted
where they land, in the emulator; the time is until the answer reached Slack, with the client's
own limit of 5 calls a second and no API latency.

Then `compute_availability` (the pure domain function behind `/availability`) for a week of
1,000 members with 5,000 blocked times.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.harness import Row
from rosterbot.domain.availability import compute_availability
from rosterbot.emulators.business_api import EmulatorConfig
from rosterbot.emulators.demo import DEMO_TEAM
from rosterbot.sandbox import Sandbox

SIZES = (20, 200, 1000)
COMMANDS = (("/team", "list"), ("/availability", "week"))
OWNER = DEMO_TEAM[0].slack_user_id
ANSWER_TIMEOUT = 60.0


@dataclass(frozen=True)
class Counted:
    command: str
    members: int
    first_calls: int
    first_seconds: float
    again_calls: int
    again_seconds: float


def answers(box: Sandbox) -> int:
    """Everything the app has said so far: response_url posts, ephemeral and channel messages."""
    state = box.slack_state
    with state.lock:
        posted = sum(len(messages) for messages in state._messages.values())
    return len(state.responses) + len(state.ephemerals()) + posted


def run_command(box: Sandbox, command: str, text: str) -> tuple[int, float]:
    """(API calls, seconds until the answer reached Slack) for one command by the owner."""
    before_calls, before_answers = len(box.api_state.requests), answers(box)
    started = time.perf_counter()
    reply = box.slack.command(OWNER, command, text)
    if reply.status_code != 200:
        raise RuntimeError(f"{command} {text} was answered {reply.status_code}")
    if not box.slack_state.wait_for(lambda _s: answers(box) > before_answers, timeout=ANSWER_TIMEOUT):
        raise RuntimeError(f"{command} {text}: no answer within {ANSWER_TIMEOUT:.0f} s")
    return len(box.api_state.requests) - before_calls, time.perf_counter() - started


def count_calls(members: int, commands: Sequence[tuple[str, str]] = COMMANDS) -> list[Counted]:
    """Every command twice in a fresh sandbox whose business has `members` members."""
    database = f"sqlite:///{tempfile.mkdtemp(prefix='rosterbot-bench-calls-')}/rosterbot.db"
    # No reads shared across commands (a few seconds' worth, services/single_flight.py), so that
    # each run counts its own calls; the sandbox has no per-user limit on the owner's commands.
    settings = {"read_cache_seconds": 0.0}
    box = Sandbox.start(database_url=database, emulator=EmulatorConfig(), settings=settings)
    try:
        fill_business(box, members)
        counted = []
        for command, text in commands:
            first = run_command(box, command, text)
            again = run_command(box, command, text)
            counted.append(Counted(f"{command} {text}", members, first[0], first[1], again[0], again[1]))
        return counted
    finally:
        box.stop()


def fill_business(box: Sandbox, members: int) -> None:
    """Staff up to `members` members, a third of them with a blocked day this week."""
    have = len(box.api_state.members())
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for number in range(have + 1, members + 1):
        member = box.api_state.add_member("staff", "Member", f"{number:05d}", f"m{number:05d}@bench.example")
        if number % 3 == 0:
            start = today + timedelta(days=number % 7)
            box.api_state.add_blocked_times("Off", start, start + timedelta(days=1), True, [member.id])


@dataclass(frozen=True)
class _Member:
    id: int
    name: str


@dataclass(frozen=True)
class _Block:
    employee_id: int | None
    name: str
    from_date: datetime
    to_date: datetime
    all_day: bool


def time_availability(members: int = 1000, blocks: int = 5000, repeats: int = 5) -> tuple[float, float]:
    """(median, max) seconds of `compute_availability` for a week of `members` with `blocks`
    blocked times spread over that week and the weeks around it (seeded: the same every run)."""
    rng = random.Random(7)
    zone = ZoneInfo("Europe/Berlin")
    monday = date(2026, 3, 23)  # a week with a DST change in Europe/Berlin
    days = [monday + timedelta(days=n) for n in range(7)]
    people = [_Member(n, f"Member {n:05d}") for n in range(1, members + 1)]
    start = datetime(2026, 3, 16, tzinfo=UTC)
    made = []
    for _ in range(blocks):
        begins = start + timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 21))
        all_day = rng.random() < 0.3
        length = timedelta(days=rng.randint(1, 3)) if all_day else timedelta(minutes=30 * rng.randint(1, 16))
        made.append(_Block(rng.randint(1, members), "Off", begins, begins + length, all_day))
    positions = {p.id: ("Stylist" if p.id % 2 else None) for p in people}
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        compute_availability(people, made, positions, days, zone)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), max(timings)


def run(
    *,
    sizes: Sequence[int] = SIZES,
    availability_members: int = 1000,
    availability_blocks: int = 5000,
    repeats: int = 5,
) -> list[Row]:
    out = []
    for members in sizes:
        for counted in count_calls(members):
            out.append(
                Row(
                    "3 API calls",
                    f"{counted.command}, {members:,} members",
                    f"first {counted.first_calls} calls ({counted.first_seconds:.1f} s); "
                    f"repeated {counted.again_calls} ({counted.again_seconds:.1f} s)",
                    "",
                    "first: caches cold, user linked by e-mail; repeated: same user at once",
                )
            )
    median, worst = time_availability(availability_members, availability_blocks, repeats)
    out.append(
        Row(
            "3 availability",
            f"compute_availability, {availability_members:,} members x 7 days, "
            f"{availability_blocks:,} blocks",
            f"median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms",
            "",
            f"{repeats} runs, Europe/Berlin week with a DST change",
        )
    )
    return out
