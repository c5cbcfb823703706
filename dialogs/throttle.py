"""A token bucket per resident: the policy every channel applies before a message reaches the
dialog, so that one flooding chat cannot starve the others.

A resident typing a three-zone reading on the keypad presses about twenty buttons within a
minute; the default bucket lets that through untouched and stops a script or a stuck key.

`admit` also says when a drop is the first of a flood, so that a channel tells the resident to
slow down once per flood, not once per dropped message; a bucket that has refilled whole (the
resident was quiet for `burst / rate` seconds) makes the next flood a new one. The channels
keep only the sending of that notice, in their own words and API.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum

BURST = 20
RATE_PER_SECOND = 2.0
MAX_BUCKETS = 50_000  # beyond this, the least recently seen buckets are forgotten


class Admission(Enum):
    LET_THROUGH = "let through"
    DROP_AND_NOTICE = "drop and notice"  # the first message dropped in this flood
    DROP = "drop"

    @property
    def allowed(self) -> bool:
        return self is Admission.LET_THROUGH


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    noticed: bool = False


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
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()
        self.dropped = 0  # messages dropped so far, every resident's

    def allow(self, key: Hashable) -> bool:
        """Take a token from `key`'s bucket: False when it is empty (drop the message)."""
        return self.admit(key).allowed

    def admit(self, key: Hashable) -> Admission:
        """Take a token from `key`'s bucket, and say whether to tell the resident to slow down."""
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
        self._buckets[key] = bucket
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.noticed = False  # quiet long enough: a new flood earns a new notice
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Admission.LET_THROUGH
        self.dropped += 1
        if bucket.noticed:
            return Admission.DROP
        bucket.noticed = True
        return Admission.DROP_AND_NOTICE
