"""rosterbot's benchmarks (issue 7): `make bench` runs `python -m bench` and prints one table.

One module per benchmark, each with a `run(...) -> list[Row]` whose parameters the smoke test
shrinks (tests/bench/test_bench_smoke.py):

- `bench.ack`: acknowledgement time of a slash command and a modal submission at 1, 20 and 50
  users, the business API answering after 2 s, through gunicorn, beside the ack-only floor.
- `bench.throughput`: signed slash commands a second, rosterbot and the floor; the worker's
  resident memory after start and after 10,000 requests; time from start to a first /healthz 200.
- `bench.api_calls`: business API calls per command for 20, 200 and 1,000 members, the cache
  effect of a repeated command, and computing a week's availability for 1,000 members.
- `bench.burst`: a burst of team operations against an API limited to 5 requests a second.

`bench.load` (`make load`, not in CI) is the 60-second time-off soak on PostgreSQL.
Everything runs on loopback; every loop is bounded in count and time.
"""
