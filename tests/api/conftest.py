"""Fixtures: one fault server per test session (reset for each test) and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rosterbot.api.client import BusinessApi
from rosterbot.emulators.serving import serve_in_thread

from .fault_server import FaultServer, MakeApi, build_api, fault_app


@pytest.fixture(scope="session")
def _fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    running = serve_in_thread(fault_app(server))
    server.url = running.url
    yield server
    running.stop()


@pytest.fixture
def fault(_fault_server: FaultServer) -> FaultServer:
    _fault_server.reset()
    return _fault_server


@pytest.fixture
def make_api(fault: FaultServer) -> Iterator[MakeApi]:
    made: list[BusinessApi] = []

    def make(url: str | None = None, **overrides: Any) -> BusinessApi:
        api = build_api(url or fault.url, **overrides)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: MakeApi) -> BusinessApi:
    return make_api()
