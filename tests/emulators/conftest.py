"""Business API emulators on loopback, one per configuration for the whole run (a server takes up to
half a second to stop), each reset to its start state before a test uses it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from rosterbot.config import EMULATOR_PARTNER_TOKEN, EMULATOR_SESSION_COOKIE, EMULATOR_USER_TOKEN
from rosterbot.emulators.business_api import EmulatorConfig, EmulatorState, start_emulator
from rosterbot.emulators.serving import RunningServer

# Building an SSL context per client costs ~20 ms; these clients speak plain HTTP on loopback anyway.
_SSL_CONTEXT = httpx.create_ssl_context()
V2_MEDIA_TYPE = "application/vnd.api.v2+json"
V2_HEADERS = {
    "Accept": V2_MEDIA_TYPE,
    "Authorization": f"Bearer {EMULATOR_PARTNER_TOKEN}, User {EMULATOR_USER_TOKEN}",
}
V1_COOKIES = {"session_token": EMULATOR_SESSION_COOKIE}


@dataclass
class Emulator:
    server: RunningServer
    state: EmulatorState
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, **kwargs: Any) -> httpx.Client:
        """A plain client (no credentials unless given), closed after the test."""
        kwargs.setdefault("timeout", 5.0)
        kwargs.setdefault("verify", _SSL_CONTEXT)
        client = httpx.Client(base_url=self.url, **kwargs)
        self.clients.append(client)
        return client

    def v1(self) -> httpx.Client:
        return self.client(cookies=V1_COOKIES)

    def v2(self) -> httpx.Client:
        return self.client(headers=V2_HEADERS)

    def close_clients(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()


@pytest.fixture(scope="session")
def _running_emulators() -> Iterator[dict[str, Emulator]]:
    running: dict[str, Emulator] = {}
    yield running
    # In parallel: each stop waits up to half a second for its server loop to notice.
    with ThreadPoolExecutor() as pool:
        list(pool.map(lambda emulator: emulator.server.stop(), running.values()))
    for emulator in running.values():
        emulator.state.close()


@pytest.fixture
def start_emulator_with(_running_emulators: dict[str, Emulator]) -> Iterator[Callable[..., Emulator]]:
    """`start_emulator_with(v1_style="live", ...)`: a running emulator with that configuration, reset."""
    used: list[Emulator] = []

    def start(**overrides: Any) -> Emulator:
        key = json.dumps(overrides, sort_keys=True)
        if key not in _running_emulators:
            server, state = start_emulator(EmulatorConfig(**overrides))
            _running_emulators[key] = Emulator(server, state)
        emulator = _running_emulators[key]
        emulator.state.reset()
        used.append(emulator)
        return emulator

    yield start
    for emulator in used:
        emulator.close_clients()


@pytest.fixture
def emulator(start_emulator_with: Callable[..., Emulator]) -> Emulator:
    """The default emulator: seed-style v1 bodies, demo data, no faults."""
    return start_emulator_with()
