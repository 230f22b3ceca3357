"""Fault injection: latency, an outage, every Nth request failing, and a rate limit like the live one."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

DOWN_MESSAGE = "Service unavailable"


@dataclass(frozen=True)
class FaultSettings:
    latency: float = 0.0
    fault_status: int | None = None
    fault_every: int = 1
    fault_retry_after: float | None = 1.0
    rate_limit_per_second: float | None = None

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise ValueError("latency must be >= 0")
        if self.fault_status is not None and not 100 <= self.fault_status <= 599:
            raise ValueError("fault_status must be an HTTP status")
        if self.fault_every < 1:
            raise ValueError("fault_every must be >= 1")
        if self.fault_retry_after is not None and self.fault_retry_after < 0:
            raise ValueError("fault_retry_after must be >= 0")
        if self.rate_limit_per_second is not None and self.rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be > 0")


@dataclass(frozen=True)
class FaultAnswer:
    """An answer given instead of the real one."""

    status: int
    message: str
    retry_after: str | None = None  # the Retry-After header value, when one is sent


def seconds_text(seconds: float) -> str:
    """1.0 -> "1", 0.25 -> "0.25": what the message and Retry-After header say."""
    return f"{seconds:g}"


def too_many_requests(wait: float, send_header: bool) -> FaultAnswer:
    text = seconds_text(wait)
    return FaultAnswer(429, f"Too many requests. Retry in {text} seconds", text if send_header else None)


class FaultGate:
    """Decides, per API request, whether it is delayed and whether it gets a fault answer.

    Thread-safe. The every-Nth counter and the rate-limit bucket start afresh on each `configure`.
    """

    def __init__(self, settings: FaultSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self.clock = clock  # the rate limit's time; a test may set its own (then `configure` again)
        self._down = False
        self._settings = settings
        self._count = 0
        self._tokens = 0.0
        self._refilled_at = 0.0
        self.configure(settings)

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    @property
    def is_down(self) -> bool:
        return self._down

    def configure(self, settings: FaultSettings) -> None:
        with self._lock:
            self._settings = settings
            self._count = 0
            rate = settings.rate_limit_per_second
            self._tokens = max(1.0, rate) if rate else 0.0
            self._refilled_at = self.clock()

    def set_down(self, down: bool) -> None:
        with self._lock:
            self._down = down

    def admit(self) -> tuple[float, FaultAnswer | None]:
        """(seconds to wait before answering, the fault answer or None to answer for real)."""
        with self._lock:
            settings = self._settings
            if self._down:
                return settings.latency, FaultAnswer(503, DOWN_MESSAGE)
            self._count += 1
            if settings.fault_status is not None and self._count % settings.fault_every == 0:
                return settings.latency, self._injected(settings)
            if settings.rate_limit_per_second is not None:
                wait = self._take_token(settings.rate_limit_per_second)
                if wait is not None:
                    # The live service names whole seconds.
                    whole = float(max(1, math.ceil(wait)))
                    return settings.latency, too_many_requests(whole, settings.fault_retry_after is not None)
            return settings.latency, None

    def _injected(self, settings: FaultSettings) -> FaultAnswer:
        status = settings.fault_status or 500
        if status == 429:
            wait = settings.fault_retry_after if settings.fault_retry_after is not None else 1.0
            return too_many_requests(wait, settings.fault_retry_after is not None)
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return FaultAnswer(status, phrase)

    def _take_token(self, rate: float) -> float | None:
        """Token bucket (burst max(1, rate)): None when admitted, else seconds until a token."""
        now = self.clock()
        capacity = max(1.0, rate)
        self._tokens = min(capacity, self._tokens + (now - self._refilled_at) * rate)
        self._refilled_at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return None
        return (1.0 - self._tokens) / rate
