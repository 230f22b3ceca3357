"""Run the emulator: in a background thread (tests, console, benchmarks) or in the foreground (CLI)."""

from __future__ import annotations

import logging

from werkzeug.serving import BaseWSGIServer, make_server

from rosterbot.emulators.business_api.app import create_app, emulator_state
from rosterbot.emulators.business_api.config import EmulatorConfig
from rosterbot.emulators.business_api.state import EmulatorState
from rosterbot.emulators.serving import RunningServer, serve_in_thread

log = logging.getLogger(__name__)


def start_emulator(
    config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> tuple[RunningServer, EmulatorState]:
    """Serve a new emulator on `host:port` (0: a free port) in a daemon thread; return at once.
    Stop it with `server.stop()`."""
    app = create_app(config or EmulatorConfig())
    return serve_in_thread(app, host=host, port=port), emulator_state(app)


def make_emulator_server(
    config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 8080
) -> tuple[BaseWSGIServer, EmulatorState]:
    """A threaded WSGI server for a new emulator, bound but not yet serving."""
    app = create_app(config or EmulatorConfig())
    return make_server(host, port, app, threaded=True), emulator_state(app)


def serve(config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve in the foreground until interrupted (`rosterbot emulator --port 8080`)."""
    server, state = make_emulator_server(config, host, port)
    # Never the credentials: only where it listens.
    log.warning("business API emulator listening on http://%s:%s", host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        state.close()
