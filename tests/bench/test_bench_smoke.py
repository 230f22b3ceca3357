"""The benchmarks, each run with tiny parameters so that their code cannot rot unnoticed.

Real servers over loopback, as `make bench` runs them (gunicorn subprocesses, the emulator and the
Slack stand-in in this process), on a SQLite file of their own. Nothing here looks at wall-clock
figures: only that every request was sent, answered and counted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `bench` is a top-level package beside src/
    sys.path.insert(0, str(REPO))

from bench.harness import Row, percentile, print_table  # noqa: E402

from bench import ack, api_calls, burst, chaos, compare, load, throughput  # noqa: E402


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/rosterbot.db"


def test_ack_times_one_request_per_scenario_on_rosterbot_and_the_floor(sqlite_url: str) -> None:
    results = ack.measure(
        levels=(1,),
        api_latency=0.0,
        durations={1: 30.0},
        think=0.0,
        max_per_user=1,
        database_url=sqlite_url,
    )
    assert [ours.scenario for ours, _ in results] == [spec.label for spec in ack.SPECS.values()]
    for ours, floor in results:
        assert ours.statuses == {"200": 1}, ours.scenario
        assert ours.unanswered == 0 and ours.open_failed == 0, ours.scenario
        assert floor.statuses == {"200": 1}, ours.scenario  # the floor got the same one request
        assert len(ours.acks) == len(floor.acks) == 1
    rows = ack.rows(results, 0.0)
    assert len(rows) == 3 and all("n=1 failed=0" in row.note for row in rows)


def test_throughput_counts_every_request_answered_and_the_workers_memory(sqlite_url: str) -> None:
    ours, floor = throughput.measure_both(requests=20, floor_requests=10, threads=2, database_url=sqlite_url)
    assert ours.statuses == {"200": 20} and ours.answered == 20
    assert floor.statuses == {"200": 10}
    for measured in (ours, floor):
        assert len(measured.rss_start_kib) == len(measured.rss_end_kib) == 2  # two gunicorn workers
        assert all(kib > 0 for kib in measured.rss_end_kib)
        assert measured.ready_seconds > 0 and measured.cpu_seconds >= 0
    assert [row.benchmark for row in throughput.rows(ours, floor, 2)] == [
        "2 throughput",
        "2 throughput",
        "5 memory",
        "5 start",
    ]


def test_api_calls_are_counted_where_they_land() -> None:
    (first,) = api_calls.count_calls(20, commands=(("/team", "list"),))
    assert first.members == 20
    assert first.first_calls >= 1 and first.again_calls >= 1
    assert first.again_calls <= first.first_calls  # the repeat finds the owner linked and cached
    median, worst = api_calls.time_availability(members=30, blocks=60, repeats=2)
    assert 0 < median <= worst


def test_burst_classifies_every_operation(sqlite_url: str) -> None:
    result = burst.measure(
        ops=3, admins=1, api_rate=50.0, max_seconds=60.0, database_url=sqlite_url, server_env={}
    )
    assert result.statuses == {"200": 3}
    assert result.outcomes == {"ok": 3}  # one show, one deactivate, one reactivate, all answered
    assert result.calls_ok > 0 and result.calls_429 == 0
    assert len(burst.rows(result, {})) == 2


def test_load_files_approves_and_cancels_time_off(sqlite_url: str) -> None:
    result = load.measure(
        users=5,
        duration=4.0,
        drain=30.0,
        database_url=sqlite_url,
        web_processes=1,
        workers=1,
        think=(0.1, 0.3),
        fault_every=None,
    )
    submitted = result.tally.counts["requests submitted"]
    assert submitted >= 1
    assert sum(result.statuses.values()) == submitted  # every submission stored once
    assert result.approved_many_blocks == 0 and result.cancelled_with_block == 0
    assert result.duplicate_posts == 0
    assert len(load.rows(result)) == 9


def test_table_and_percentiles() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 99) == 4.0
    assert percentile([], 50) != percentile([], 50)  # NaN for nothing measured

    class Out:
        text = ""

        def write(self, chunk: str) -> None:
            self.text += chunk

        def flush(self) -> None:
            pass

    out = Out()
    print_table([Row("1 ack", "p99", "12 ms", "< 300 ms", "n=1")], out)
    header, rule, line = out.text.splitlines()
    assert header.split() == ["benchmark", "measure", "value", "goal", "note"]
    assert set(rule.replace(" ", "")) == {"-"} and line.startswith("1 ack")


def test_chaos_accounts_for_every_acknowledged_operation(sqlite_url: str) -> None:
    result = chaos.measure(
        users=4,
        duration=4.0,
        drain=60.0,
        database_url=sqlite_url,
        think=(0.1, 0.3),
        kill_gap=(1.0, 1.5),
        server_env={"ROSTERBOT_JOB_LEASE_SECONDS": "2"},  # a killed worker's jobs come back soon
    )
    assert result.kills, "the killer killed nothing"
    acknowledged = 0
    for kind in chaos.KINDS:
        counts = result.counts[kind]
        acknowledged += counts["acknowledged"]
        # Each acknowledged operation is done, refused with a message, or lost: nothing uncounted.
        assert counts["done"] + counts["refused, user told"] + counts["lost"] == counts["acknowledged"], kind
    assert acknowledged >= 1
    assert result.drained_seconds >= 0  # the queue emptied
    assert any(row.measure == "SIGKILLs" for row in chaos.rows(result))


def test_compare_counts_lines_that_are_code(tmp_path: Path) -> None:
    (tmp_path / "blocks").mkdir()
    (tmp_path / "app.py").write_text('"""Doc."""\n\n# why\nx = 1\n')
    (tmp_path / "blocks" / "team.py").write_text("y = 2\n")
    (tmp_path / "notes.txt").write_text("not python\n")
    assert compare.slack_lines(tmp_path) == (5, 3)
