"""`CommandThrottle`: each Slack user's share of the bot, a token bucket per user.

One user sending `/availability week` 100 times in half a second made the bot do 100 commands'
worth of API calls, and everybody else's answers (an owner's `/team list`, an admin's Approve)
waited 40 s behind them. Each user now has `burst` commands at once, then one every 1/`rate`
seconds; a command beyond that is refused before any API call, with a message, and costs the
others nothing. The buckets live in the process that does the work (one work process under
`rosterbot serve`): a restart gives everyone a full bucket, which is harmless.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from rosterbot.config import Settings
from rosterbot.services.errors import TooFast

TOO_FAST = "You're sending commands faster than I can answer; try again in a few seconds."
MAX_BUCKETS = 4096  # then the full ones are dropped (a full bucket is the same as none)


class CommandThrottle:
    """`burst` 0: nobody is limited."""

    def __init__(self, burst: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # user -> (tokens, at)

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> CommandThrottle:
        return cls(settings.command_burst, settings.command_rate, clock)

    def admit(self, slack_team_id: str, slack_user_id: str) -> None:
        """Take one command from the user's share; `TooFast` when it is used up."""
        if self.burst <= 0:
            return
        now = self._clock()
        key = (slack_team_id, slack_user_id)
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise TooFast(TOO_FAST)
            if len(self._buckets) >= MAX_BUCKETS:
                self._buckets = {k: v for k, v in self._buckets.items() if self._tokens(k, now) < self.burst}
            self._buckets[key] = (tokens - 1.0, now)

    def forget(self) -> None:
        """Everyone's share full again."""
        with self._lock:
            self._buckets.clear()

    def _tokens(self, key: tuple[str, str], now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
