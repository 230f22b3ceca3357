"""`rosterbot serve`'s worker process: `rosterbot worker` in a fresh interpreter that the serving
process started (`rosterbot.server.WorkerProcess` keeps one running). Apart from `server` so that
it imports neither gunicorn nor Flask."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING

from rosterbot.logs import configure_logging

if TYPE_CHECKING:
    from rosterbot.config import Settings

# The worker process's priority below the web workers': 50 busy work threads at nice 5 kept acks
# waiting 300-600 ms in a burst of 50 time-off forms; at nice 15 no longer than the floor's.
WORK_NICE = 15


def start_worker_process(pickled_settings: bytes, log_level: int) -> subprocess.Popen[bytes]:
    """`run_worker_process` in a fresh interpreter (never fork a process that has threads), its
    settings (`pickle.dumps(settings)`) on its stdin. A plain subprocess, not multiprocessing's
    spawn: that starts a resource tracker process too (12 MiB), which nothing here needs."""
    argv = [sys.executable, "-m", "rosterbot.worker_process", str(log_level), str(os.getpid())]
    process = subprocess.Popen(argv, stdin=subprocess.PIPE)
    assert process.stdin is not None
    with process.stdin:
        process.stdin.write(pickled_settings)
    return process


def run_worker_process(settings: Settings, log_level: int, parent: int) -> None:
    """`rosterbot serve`'s worker process: `rosterbot worker` until SIGTERM, or until the process
    that started it is gone. Ctrl-C in a terminal is for gunicorn's master, which then stops this."""
    from rosterbot.runtime import build_runtime
    from rosterbot.worker import run

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()

    def stop_on(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    os.nice(WORK_NICE)
    configure_logging(log_level)

    def watch_parent() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=watch_parent, name="parent", daemon=True).start()
    runtime = build_runtime(settings)
    try:
        run(settings, runtime, stop_event=stop)
    finally:
        runtime.close()


if __name__ == "__main__":
    # What `start_worker_process` runs: python -m rosterbot.worker_process LOG_LEVEL PARENT_PID,
    # the settings on stdin, pickled by the parent from settings it loaded and checked.
    run_worker_process(pickle.load(sys.stdin.buffer), int(sys.argv[1]), int(sys.argv[2]))
