"""Per-channel pacing: evenly spaced sends with a small burst allowance, and pauses on 429.

A token bucket in its GCRA form (one "theoretical arrival time" instead of a token count) on an
injected monotonic clock. Why not `aiolimiter`: its AsyncLimiter reads the event loop's clock, has
no way to pause until a server's `retry_after` has passed, and cannot be driven by a fake clock,
which the pace tests need to measure the rate without sleeping in wall time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Timer(Protocol):
    """A monotonic clock and a way to wait on it (real, or virtual in tests)."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealTimer:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Pacer:
    """At most `rate` acquisitions per second on average, and never more than `burst` at once.

    Over any interval of length T it lets through at most `T * rate + burst` callers. Waiters are
    served in arrival order (asyncio.Lock is FIFO).
    """

    def __init__(self, rate: float, timer: Timer, *, burst: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self._interval = 1.0 / rate
        self._tolerance = max(0.0, burst - 1.0) * self._interval
        self._timer = timer
        self._arrival = timer.monotonic()  # when the next caller would be exactly on pace
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._timer.monotonic()
                earliest = self._arrival - self._tolerance
                if earliest <= now:
                    self._arrival = max(self._arrival, now) + self._interval
                    return
                # Re-checked after waking: a pause may have moved the arrival time meanwhile.
                await self._timer.sleep(earliest - now)

    def pause(self, seconds: float) -> None:
        """Let nobody through for `seconds` from now, and no burst right after (a 429)."""
        now = self._timer.monotonic()
        self._arrival = max(self._arrival, now + max(0.0, seconds) + self._tolerance)
