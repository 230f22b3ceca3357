"""A fault proxy in front of the business API emulator, on loopback HTTP.

The emulator's own faults hit every request alike (latency, an outage, every Nth request). Some
faults must hit one request only, and some the emulator cannot make at all, so the app reaches
the emulator through this proxy, which passes everything through unless a rule matches:

- `answer(...)`: the request never reaches the emulator; the proxy answers (any status, any bytes:
  HTML, truncated JSON, a wrong shape).
- `forward(...)`: the request reaches the emulator (so a create does happen), then the proxy
  answers late (`delay`: after the client's timeout) or with another status or body.

Rules match a method and a path regular expression, `times` times (None: until cleared).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from flask import Flask, Response, request

from rosterbot.emulators.serving import RunningServer, serve_in_thread

PASSED_HEADERS = ("authorization", "cookie", "accept", "content-type")


@dataclass
class Rule:
    method: str
    path: re.Pattern[str]
    times: int | None
    forward: bool
    status: int | None = None  # None: the emulator's status (forward only)
    body: bytes | None = None  # None: the emulator's body (forward only)
    content_type: str = "application/json"
    headers: dict[str, str] | None = None
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.times is None or self.times > 0)
            and self.method == method
            and self.path.search(path) is not None
        )


@dataclass(frozen=True)
class Passed:
    method: str
    path: str
    forwarded: bool
    status: int


class FaultProxy:
    def __init__(self) -> None:
        self.upstream = ""
        self._lock = threading.Condition()  # notified on every answer, for wait_for
        self._rules: list[Rule] = []
        self.seen: list[Passed] = []
        self._http = httpx.Client(timeout=30)
        self.server: RunningServer = serve_in_thread(self._app())

    @property
    def url(self) -> str:
        return self.server.url

    def answer(
        self,
        method: str,
        path: str,
        status: int,
        body: bytes | str = b"",
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer `method path` here, without reaching the emulator."""
        raw = body.encode() if isinstance(body, str) else body
        self._add(Rule(method, re.compile(path), times, False, status, raw, content_type, headers))

    def forward(
        self,
        method: str,
        path: str,
        *,
        delay: float = 0.0,
        status: int | None = None,
        body: bytes | str | None = None,
        content_type: str = "application/json",
        times: int | None = None,
    ) -> None:
        """Let `method path` reach the emulator, then answer after `delay` seconds, with `status`
        and `body` instead of the emulator's when given."""
        raw = body.encode() if isinstance(body, str) else body
        self._add(Rule(method, re.compile(path), times, True, status, raw, content_type, None, delay))

    def wait_for(self, predicate: Callable[[list[Passed]], bool], timeout: float = 5.0) -> bool:
        """Wait until `predicate(seen)` holds (re-checked at each answer given) or `timeout` passes."""
        with self._lock:
            return self._lock.wait_for(lambda: predicate(self.seen), timeout)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.seen.clear()

    def stop(self) -> None:
        self.server.stop()
        self._http.close()

    def _add(self, rule: Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def _take(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
            return None

    def _app(self) -> Flask:
        app = Flask("fault_proxy")

        @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        def proxy(path: str) -> Response:
            full_path = "/" + path
            rule = self._take(request.method, full_path)
            if rule is not None and not rule.forward:
                status, body = rule.status or 500, rule.body or b""
                return self._reply(full_path, False, status, body, rule.content_type, rule.headers)
            upstream = self._pass(full_path)
            upstream_type = upstream.headers.get("content-type")
            if rule is None:
                return self._reply(full_path, True, upstream.status_code, upstream.content, upstream_type)
            if rule.delay:
                time.sleep(rule.delay)
            status = rule.status if rule.status is not None else upstream.status_code
            if rule.body is None:
                return self._reply(full_path, True, status, upstream.content, upstream_type)
            return self._reply(full_path, True, status, rule.body, rule.content_type)

        return app

    def _pass(self, path: str) -> httpx.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in PASSED_HEADERS}
        return self._http.request(
            request.method,
            self.upstream.rstrip("/") + path,
            params=list(request.args.items(multi=True)),
            content=request.get_data(),
            headers=headers,
        )

    def _reply(
        self,
        path: str,
        forwarded: bool,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, Any] | None = None,
    ) -> Response:
        with self._lock:
            self.seen.append(Passed(request.method, path, forwarded, status))
            self._lock.notify_all()
        response = Response(body, status=status, headers=headers or {})
        if content_type:
            response.headers["Content-Type"] = content_type
        return response
