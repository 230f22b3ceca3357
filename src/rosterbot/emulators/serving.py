"""Serve a WSGI app on loopback in a background thread (emulators, tests, the console, benchmarks)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request: the stand-ins would drown the console and test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class RunningServer:
    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start `app` on `host:port` (0: any free port) in a daemon thread; return at once."""
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    # A short poll interval makes stop() quick (tests start and stop many servers).
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"wsgi:{server.server_port}",
        daemon=True,
    )
    thread.start()
    return RunningServer(server=server, thread=thread)
