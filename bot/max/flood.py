"""Per-resident throttling: a token bucket per user, so a flooding chat (a script, a stuck
key) gets one "please slow down" and its excess updates are dropped before they reach the
dialog, while everyone else is served as usual. Same budget as the Telegram channel's."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# A resident typing a three-zone reading on the keypad presses ~20 buttons within a minute;
# the bucket lets that through untouched and stops a script or a stuck key.
BURST = 20
RATE_PER_SECOND = 2.0
MAX_BUCKETS = 50_000  # beyond this, idle (full) buckets are forgotten


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    noticed: bool = False


class FloodGate:
    def __init__(
        self,
        burst: int = BURST,
        rate: float = RATE_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self.dropped = 0
        self._buckets: dict[str, _Bucket] = {}

    def admit(self, user: str) -> tuple[bool, bool]:
        """(let it through, tell the resident to slow down — once per flood)."""
        now = self.clock()
        bucket = self._buckets.get(user)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._forget_idle(now)
            bucket = self._buckets[user] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.noticed = False  # quiet long enough: a new flood earns a new notice
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, False
        self.dropped += 1
        notice = not bucket.noticed
        bucket.noticed = True
        return False, notice

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.rate
        for user in [u for u, b in self._buckets.items() if now - b.at >= full_after]:
            del self._buckets[user]
