"""A token bucket per resident: the policy every channel applies before a message reaches the
dialog, so that one flooding chat cannot starve the others.

A resident typing a three-zone reading on the keypad presses about twenty buttons within a
minute; the default bucket lets that through untouched and stops a script or a stuck key.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

BURST = 20
RATE_PER_SECOND = 2.0
MAX_BUCKETS = 50_000  # beyond this, the least recently seen buckets are forgotten


class Throttle:
    def __init__(
        self,
        burst: int = BURST,
        rate: float = RATE_PER_SECOND,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        self.burst = burst
        self.rate = rate
        self._clock = clock
        self._max = max_buckets
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def allow(self, key: Hashable) -> bool:
        """Take a token from `key`'s bucket: False when it is empty (drop the message)."""
        now = self._clock()
        tokens, then = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return allowed
