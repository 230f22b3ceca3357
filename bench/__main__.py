"""`make bench` (`python -m bench [NAME ...]`): run the benchmarks and print one table.

python -m bench                      # all of them, about 6 minutes on 2 cores
python -m bench ack burst            # only these
python -m bench burst --burst-ops 300 --server-env ROSTERBOT_API_RATE_LIMIT=4
python -m bench burst --burst-machines 2 --database postgresql+psycopg://...   # two machines, one limit
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import ack, api_calls, burst, harness, throughput
from bench.harness import Row, choose_database, database_kind, print_table

NAMES = ("ack", "throughput", "calls", "burst")


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"some of: {', '.join(NAMES)} (default: all)"
    )
    parser.add_argument(
        "--database", help="rosterbot's database (default: the bench PostgreSQL db, else SQLite)"
    )
    parser.add_argument("--burst-ops", type=int, default=burst.OPS, help="operations in the burst")
    parser.add_argument(
        "--burst-machines",
        type=int,
        default=1,
        help="complete sets (serve + worker each, one PostgreSQL) in the burst (default 1: serve alone)",
    )
    parser.add_argument(
        "--burst-kinds",
        default=",".join(burst.KINDS),
        help=f"the burst's operations, comma-separated (default {','.join(burst.KINDS)})",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for rosterbot serve in the ack and burst benchmarks (repeatable)",
    )
    parser.add_argument(
        "--remote-nice",
        type=int,
        default=harness.REMOTE_NICE,
        help=f"nice value of the Slack and business API stand-ins' threads (default {harness.REMOTE_NICE})",
    )
    args = parser.parse_args(argv)
    harness.REMOTE_NICE = args.remote_nice
    harness.yield_to_servers(args.remote_nice)
    unknown = sorted(set(args.names) - set(NAMES))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    names = args.names or list(NAMES)
    server_env = dict(item.split("=", 1) for item in args.server_env)
    database = choose_database(args.database)

    runs: dict[str, Callable[[], list[Row]]] = {
        "ack": lambda: ack.run(database_url=database, server_env=server_env),
        "throughput": lambda: throughput.run(database_url=database),
        "calls": lambda: api_calls.run(),
        "burst": lambda: burst.run(
            ops=args.burst_ops,
            database_url=database,
            server_env=server_env,
            machines=args.burst_machines,
            kinds=tuple(args.burst_kinds.split(",")),
        ),
    }
    print(f"machine: {machine()}; database: {database_kind(database)}", file=sys.stderr)
    rows: list[Row] = []
    started = time.monotonic()
    for name in names:
        began = time.monotonic()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += runs[name]()
        print(f"  {name} took {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    print(f"\nmachine: {machine()}; rosterbot's database: {database_kind(database)}")
    print(f"benchmarks: {', '.join(names)} in {time.monotonic() - started:.0f} s\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
