"""`python -m bench.compare --old PATH` (not in CI): issue 14's "still fast" and "smaller", today's
runtime beside an older one, measured in one run by the same harness on the same machine.

`PATH` is another checkout's `src/` (`git worktree add /work/wt/old 2ebbb20`: the runtime before
the job queue, with its UNIX-socket work process). For each runtime in turn, on a fresh PostgreSQL
database (`--database`, emptied and migrated by that runtime's own migrations):

- `bench.ack` at 50 users sending without pause (think 0), the API answering after 2 s: ack p99
  against the ack-only floor, per scenario; and from the ack to the first Slack update the user
  sees (the reply to `/team list`; the modal `/timeoff` and `/team add` open, which no API call
  precedes), p50, with the business API calls made per request;
- `bench.throughput`: signed `/team help`s a second against the floor; CPU per answered request of
  all the server's processes together (gunicorn's master, its web workers, the worker process)
  against the floor's per ack, PostgreSQL's beside it; resident memory of all of
  `rosterbot serve --workers 2`'s processes after start and after 10,000 requests;
- lines in `rosterbot/slack/` of each.

    python -m bench.compare --old /work/wt/old/src [--old /work/wt/start/src] [--database URL]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import ack, harness, throughput
from bench.harness import Row, ms, percentile, print_table
from bench.load import ensure_database

DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/chaos_bench"
GOAL_P99 = 1.5
GOAL_RATE = 0.9
GOAL_CPU = 2.0
GOAL_RSS_MIB = 250
GOAL_UPDATE = 0.050


@dataclass
class Runtime:
    name: str
    src: Path
    acks: list[tuple[ack.LevelResult, ack.LevelResult]]
    ours: throughput.Measured
    floor: throughput.Measured

    @property
    def lines(self) -> tuple[int, int]:
        return slack_lines(self.src / "rosterbot" / "slack")


def slack_lines(folder: Path) -> tuple[int, int]:
    """(all lines, lines that are neither blank nor only a comment) of the .py files under `folder`."""
    total = code = 0
    for path in sorted(folder.rglob("*.py")):
        for line in path.read_text().splitlines():
            total += 1
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                code += 1
    return total, code


def measure(name: str, src: Path, database_url: str, *, quick: bool = False) -> Runtime:
    """`quick`: a few users and requests (the smoke test)."""
    harness.SERVER_SRC = str(src)
    try:
        if quick:
            acks = ack.measure(levels=(2,), durations={2: 2.0}, think=0.0, database_url=database_url)
            ours, floor = throughput.measure_both(requests=40, floor_requests=20, database_url=database_url)
        else:
            acks = ack.measure(levels=(50,), think=0.0, database_url=database_url)
            ours, floor = throughput.measure_both(database_url=database_url)
    finally:
        harness.SERVER_SRC = None
    return Runtime(name, src, acks, ours, floor)


def rows(runtimes: Sequence[Runtime], api_latency: float = ack.API_LATENCY) -> list[Row]:
    out = []
    for number in range(len(runtimes[0].acks)):
        for runtime in runtimes:
            ours, floor = runtime.acks[number]
            ratio = ours.p(99) / floor.p(99)
            out.append(
                Row(
                    f"ack {runtime.name}",
                    f"{ours.scenario}, {ours.users} users, no pause, API {api_latency:g} s",
                    f"p99 {ms(ours.p(99))} vs floor {ms(floor.p(99))}: {ratio:.2f}x",
                    f"<= {GOAL_P99:g}x",
                    f"p50 {ms(ours.p(50))} vs {ms(floor.p(50))}; n={len(ours.acks)} failed={ours.failed}; "
                    f"floor n={len(floor.acks)} failed={floor.failed}",
                )
            )
    for number in range(len(runtimes[0].acks)):
        for runtime in runtimes:
            ours, _ = runtime.acks[number]
            calls = ours.api_calls / max(1, len(ours.acks))
            first = percentile(ours.first_update, 50)
            what = "reply" if "submission" not in ours.scenario else "modal opened"
            note = f"n={len(ours.first_update)}; {calls:.1f} API calls a request"
            if ours.outcome:
                note += f"; the submission's outcome p50 {ms(percentile(ours.outcome, 50))}"
            out.append(
                Row(
                    f"update {runtime.name}",
                    f"{ours.scenario}: ack to first Slack update ({what}) p50",
                    ms(first),
                    "<= 50 ms + API time",
                    note,
                )
            )
    for runtime in runtimes:
        served, base = runtime.ours, runtime.floor
        sustained = served.answered / served.answer_seconds if served.answer_seconds else 0.0
        out.append(
            Row(
                f"rate {runtime.name}",
                "signed /team help, 16 clients",
                f"{served.rate:.0f} vs floor {base.rate:.0f} req/s acked: {served.rate / base.rate:.2f}x",
                f">= {GOAL_RATE:g}x",
                f"answered {sustained:.0f}/s, {served.answered} of {served.requests}",
            )
        )
    for runtime in runtimes:
        served, base = runtime.ours, runtime.floor
        per = served.all_cpu_seconds * 1000 / max(1, served.answered)
        floor_per = base.all_cpu_seconds * 1000 / max(1, base.ok)
        out.append(
            Row(
                f"cpu {runtime.name}",
                "CPU per answered request, all processes",
                f"{per:.2f} ms vs floor {floor_per:.2f} ms per ack: {per / floor_per:.2f}x",
                f"<= {GOAL_CPU:g}x",
                f"web workers {served.cpu_ms_per_request:.2f} + worker {served.work_cpu_ms_per_request:.2f}; "
                f"PostgreSQL (all of it) {served.postgres_cpu_seconds * 1000 / max(1, served.answered):.2f}, "
                f"floor's {base.postgres_cpu_seconds * 1000 / max(1, base.ok):.2f} ms",
            )
        )
    for runtime in runtimes:
        served = runtime.ours
        out.append(
            Row(
                f"rss {runtime.name}",
                "rosterbot serve --workers 2, all processes",
                f"{served.all_rss_start_kib / 1024:.0f} MiB after start, "
                f"{served.all_rss_end_kib / 1024:.0f} MiB after {served.requests:,} requests",
                f"< {GOAL_RSS_MIB} MiB",
                f"web workers at the end {'/'.join(f'{k / 1024:.0f}' for k in served.rss_end_kib)} MiB, "
                f"worker process and helpers {'/'.join(f'{k / 1024:.0f}' for k in served.work_rss_end_kib)}",
            )
        )
    for runtime in runtimes:
        total, code = runtime.lines
        out.append(
            Row(f"lines {runtime.name}", "src/rosterbot/slack/", f"{total} lines, {code} of code", "", "")
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--old",
        required=True,
        type=Path,
        action="append",
        help="an older runtime's src/ (a git worktree's); again for another, named after its folder",
    )
    parser.add_argument("--database", default=DATABASE, help=f"PostgreSQL, emptied (default {DATABASE})")
    parser.add_argument("--quick", action="store_true", help="a few users and requests: does it run?")
    args = parser.parse_args(argv)
    harness.yield_to_servers(harness.REMOTE_NICE)
    if args.database.startswith("postgresql"):
        ensure_database(args.database)
    today = Path(__file__).resolve().parents[1] / "src"
    runtimes = []
    olds = (
        [("old", args.old[0].resolve())]
        if len(args.old) == 1
        else [(p.resolve().parent.name, p.resolve()) for p in args.old]
    )
    for name, src in (*olds, ("now", today)):
        print(f"measuring {name} ({src}) ...", file=sys.stderr, flush=True)
        runtimes.append(measure(name, src, args.database, quick=args.quick))
    print_table(rows(runtimes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
