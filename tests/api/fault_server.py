"""A scripted fault server on real loopback HTTP, and a client built for it with fast retries.

Each test scripts replies per (method, path): status, body, headers, delay and content type. The
server records every request it saw (method, path, query, headers, body, arrival time), so tests
assert on what actually went out.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from pydantic import SecretStr

from rosterbot.api.client import BusinessApi

PARTNER_TOKEN = "partner-secret-123"
USER_TOKEN = "user-secret-456"
SESSION_COOKIE = "cookie-secret-789"
COMPANY_ID = 7


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict or list: JSON; str: sent as it is; None: no body
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str | None = None  # default: application/json for a JSON body


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float  # time.monotonic() when the server got it


class FaultServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Seen] = []
        self.url = ""

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self.requests.clear()

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Answer (method, path) with `replies` in turn; the last one repeats."""
        with self._lock:
            self._scripts[(method.upper(), path)] = list(replies)

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    def _next(self, method: str, path: str) -> Reply | None:
        with self._lock:
            replies = self._scripts.get((method, path))
            if not replies:
                return None
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def handle(self) -> Response:
        raw = request.get_data()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        seen = Seen(
            method=request.method,
            path=request.path,
            query=dict(request.args),
            headers=dict(request.headers),
            body=body,
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(seen)
        reply = self._next(request.method, request.path)
        if reply is None:
            return Response(
                json.dumps({"error": {"message": "not scripted"}}), 599, content_type="application/json"
            )
        if reply.delay:
            time.sleep(reply.delay)
        if reply.body is None:
            payload = b""
        elif isinstance(reply.body, str):
            payload = reply.body.encode()
        else:
            payload = json.dumps(reply.body).encode()
        content_type = reply.content_type or ("application/json" if reply.body is not None else None)
        response = Response(payload, reply.status, headers=reply.headers)
        if content_type:
            response.headers["Content-Type"] = content_type
        else:
            response.headers.pop("Content-Type", None)
        return response


def fault_app(server: FaultServer) -> Flask:
    app = Flask("fault_server")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "DELETE"])
    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
    def any_route(path: str) -> Response:
        return server.handle()

    return app


MakeApi = Callable[..., BusinessApi]


def build_api(url: str, **overrides: Any) -> BusinessApi:
    """A client with the test credentials and fast retries; `overrides` replace any argument."""
    kwargs: dict[str, Any] = {
        "company_id": COMPANY_ID,
        "partner_token": SecretStr(PARTNER_TOKEN),
        "user_token": SecretStr(USER_TOKEN),
        "session_cookie": SecretStr(SESSION_COOKIE),
        "timeout": 2.0,
        "rate_limit": 1000.0,
        "max_retries": 2,
        "backoff_base": 0.01,
        "max_wait": 5.0,
    }
    kwargs.update(overrides)
    return BusinessApi(url, **kwargs)


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
