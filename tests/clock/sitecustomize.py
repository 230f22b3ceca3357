"""Imported at start by every Python process the tests start while `pytest --today` is in force
(tests/conftest.py puts this folder on PYTHONPATH): the child's clock runs at the same offset from
the machine's as the test process's, so what the tests sign "now" is "now" to a server in a child
process too (the work process of `rosterbot serve`, the benchmark's processes)."""

import os

_offset = os.environ.get("TEST_CLOCK_OFFSET_SECONDS")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
