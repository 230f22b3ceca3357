"""The timed requests of `bench.ack`, sent and timed in a process of their own.

The simulated users share the benchmark's process (and its GIL) with the Slack stand-in and the
business API emulator. While rosterbot works after its acks it calls both, so a user thread
timing its own request also waited for that busy process: a packet capture of the `/timeoff`
submissions at 50 users (BENCHMARKS.md) put p50 60 ms of a p50 91 ms acknowledgement in the
benchmark's process, before the request left and after the answer had arrived, and the server's
part (first byte in to answer out) at p50 17 ms. The floor makes no outside calls, so its users
never waited so: the ratio charged rosterbot for its stand-ins' work.

`Sender` hands each signed request to a child process (`python -m bench.sender`) that only sends
and times: from handing the request to httpx to having read the whole answer, as Slack would
time it. Both rosterbot and the floor are timed through it. The child reads one JSON request a
line on stdin and writes one JSON answer a line on stdout, a thread per request in flight.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 30.0


@dataclass(frozen=True)
class Answer:
    """What came back: the HTTP status (None: no answer, `error` says why), the body, and the
    seconds from sending to the whole answer read, as the child timed them."""

    status_code: int | None
    content: bytes
    elapsed: float
    error: str = ""

    def json(self) -> Any:
        return json.loads(self.content)


class Sender:
    """Posts requests through the child process; `post` blocks until its answer is back."""

    def __init__(self, connections: int = 110) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self._child = subprocess.Popen(
            [sys.executable, "-m", "bench.sender", str(connections)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=REPO,
            start_new_session=True,  # a scheduling group of its own (harness.as_remote)
        )
        self._ids = itertools.count()
        self._waiting: dict[int, Future[Answer]] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="sender-answers", daemon=True)
        self._reader.start()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        number = next(self._ids)
        future: Future[Answer] = Future()
        line = json.dumps(
            {"id": number, "url": url, "headers": dict(headers), "body": base64.b64encode(body).decode()}
        )
        assert self._child.stdin is not None
        with self._lock:
            self._waiting[number] = future
            self._child.stdin.write(line.encode() + b"\n")
            self._child.stdin.flush()
        return future.result(timeout=TIMEOUT + 30)

    def close(self) -> None:
        if self._child.stdin is not None:
            self._child.stdin.close()
        try:
            self._child.wait(timeout=TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            self._child.kill()

    def __enter__(self) -> Sender:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _read(self) -> None:
        assert self._child.stdout is not None
        for line in self._child.stdout:
            answer = json.loads(line)
            with self._lock:
                future = self._waiting.pop(answer["id"], None)
            if future is not None:
                future.set_result(
                    Answer(
                        answer["status"],
                        base64.b64decode(answer["content"]),
                        answer["elapsed"],
                        answer.get("error", ""),
                    )
                )
        with self._lock:  # the child is gone: nobody will answer the rest
            for future in self._waiting.values():
                future.set_result(Answer(None, b"", 0.0, "the sender process ended"))
            self._waiting.clear()


# ---- the child ------------------------------------------------------------------------------------


def serve(source: IO[bytes], out: IO[bytes], connections: int) -> None:
    """Send each request read from `source`, and write its answer to `out`, concurrently."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    lock = threading.Lock()
    with httpx.Client(timeout=TIMEOUT, limits=limits) as client, ThreadPoolExecutor(connections) as pool:

        def send(request: dict[str, Any]) -> None:
            body = base64.b64decode(request["body"])
            answer: dict[str, Any] = {"id": request["id"], "status": None, "content": ""}
            started = time.perf_counter()
            try:
                reply = client.post(request["url"], content=body, headers=request["headers"])
            except httpx.HTTPError as exc:
                answer["error"] = type(exc).__name__
            else:
                answer["status"] = reply.status_code
                answer["content"] = base64.b64encode(reply.content).decode()
            answer["elapsed"] = time.perf_counter() - started
            with lock:
                out.write(json.dumps(answer).encode() + b"\n")
                out.flush()

        for line in source:
            pool.submit(send, json.loads(line))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer, int(sys.argv[1]) if len(sys.argv) > 1 else 110)
