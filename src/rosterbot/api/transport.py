"""Sending one API call: a shared client-side rate limit, a timeout, retries with jittered backoff.

Retries are safe only where repeating a request cannot do a thing twice: GET, PUT and DELETE retry
on connection errors, timeouts, 5xx and 429; a POST retries only when it cannot have done anything:
the connection was never made, or the API refused it with 429 (rate limited: not processed).
Waits are capped by `max_wait` so a Slack user is never
left waiting long: past it the caller gets the error at once. A DELETE retried after an answer was
lost (a timeout after sending, a 502/504) and then answered 404 was done by the lost try: it succeeds.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from rosterbot.api import wire
from rosterbot.api.errors import ApiError, NotFound, RateLimited, Unavailable

logger = logging.getLogger("rosterbot.api")

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Failures that happen before a byte of the request left: repeating them cannot create anything twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Limiter(Protocol):
    """What the transport asks before each try: return when this request may leave."""

    def acquire(self) -> None: ...


class RateLimiter:
    """A token bucket of one token refilled `rate` times a second, shared by the threads of one
    process: a client on its own (tests, scripts). A deployment shares one limit among all its
    processes through the database (`rosterbot.store.rate_limit`, wired in `runtime.py`).

    Each caller reserves the next free slot under the lock and sleeps outside it, so requests
    leave at most `rate` a second however many threads send them.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        if slot > now:
            self._sleep(slot - now)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    backoff_base: float = 0.5
    max_wait: float = 10.0

    def backoff(self, attempt: int) -> float:
        """Exponential with jitter: between half and all of base * 2**attempt."""
        return self.backoff_base * (2**attempt) * random.uniform(0.5, 1.0)


# Answers that may come after the request was carried out: a gateway that gave up waiting.
MAYBE_DONE_STATUSES = frozenset({502, 504})


@dataclass(frozen=True)
class _Failure:
    error: ApiError
    retryable: bool
    wait: float  # seconds before the next try
    maybe_done: bool = False  # the request may have been carried out: only its answer was lost
    response: httpx.Response | None = None


class Transport:
    """Sends requests through one pooled `httpx.Client`; safe to share between threads."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        limiter: Limiter,
        policy: RetryPolicy,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._limiter = limiter
        self._policy = policy
        self._secrets = [s for s in secrets if s]
        self._sleep = sleep
        self._count_lock = threading.Lock()
        self._count = 0

    @property
    def request_count(self) -> int:
        with self._count_lock:
            return self._count

    def scrub(self, text: str) -> str:
        """`text` with any of our credentials blanked out (an API may echo what it was sent)."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A 2xx response, or the typed `ApiError` once retries (if any are allowed) are spent."""
        idempotent = method.upper() in IDEMPOTENT
        waited = 0.0
        attempt = 0
        maybe_done = False
        while True:
            outcome = self._attempt(method, path, params, json, headers, idempotent, attempt)
            if isinstance(outcome, httpx.Response):
                return outcome
            error, wait = outcome.error, outcome.wait
            if maybe_done and method.upper() == "DELETE" and isinstance(error, NotFound):
                # Our earlier try did it and its answer was lost: the retry finds it gone. Done.
                logger.info("%s %s: gone on retry after a lost answer; taken as done", method, path)
                request = outcome.response.request if outcome.response is not None else None
                return httpx.Response(204, request=request)
            maybe_done = maybe_done or outcome.maybe_done
            if not outcome.retryable or attempt >= self._policy.max_retries:
                raise error
            budget = self._policy.max_wait - waited
            if isinstance(error, RateLimited) and error.retry_after is not None and wait > budget:
                raise error  # the API asked for longer than we may keep the user waiting
            if budget <= 0:
                raise error
            wait = min(wait, budget)
            logger.debug("%s %s: retrying in %.2f s after %s", method, path, wait, type(error).__name__)
            self._sleep(wait)
            waited += wait
            attempt += 1

    def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: Any,
        headers: dict[str, str] | None,
        idempotent: bool,
        attempt: int,
    ) -> httpx.Response | _Failure:
        """The 2xx response, or what went wrong and whether and when to try again."""
        self._limiter.acquire()
        with self._count_lock:
            self._count += 1
        started = time.perf_counter()
        try:
            response = self._client.request(method, path, params=params, json=body, headers=headers)
        except httpx.TransportError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            logger.debug("%s %s failed in %.0f ms: %s", method, path, elapsed, type(exc).__name__)
            retry = idempotent or isinstance(exc, NOT_SENT)
            sent = not isinstance(exc, NOT_SENT)
            return _Failure(Unavailable(_describe(exc)), retry, self._policy.backoff(attempt), sent)
        elapsed = (time.perf_counter() - started) * 1000
        logger.debug("%s %s -> %d in %.0f ms", method, path, response.status_code, elapsed)
        if response.is_success:
            return response
        error = wire.error_for(response, self.scrub)
        if isinstance(error, RateLimited):
            wait = error.retry_after if error.retry_after is not None else self._policy.backoff(attempt)
            return _Failure(error, True, wait)  # refused, not processed: safe to send again
        if isinstance(error, Unavailable):
            maybe_done = response.status_code in MAYBE_DONE_STATUSES
            return _Failure(error, idempotent, self._policy.backoff(attempt), maybe_done, response)
        return _Failure(error, False, 0.0, response=response)


def _describe(exc: httpx.TransportError) -> str:
    # Only the kind of failure: httpx's own text can carry the URL, and nothing else is needed.
    if isinstance(exc, httpx.TimeoutException):
        return "the business API did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect to the business API"
    return "the connection to the business API failed"
