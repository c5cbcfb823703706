"""Whether each configured channel is actually serving residents, for `/healthz` and `/metrics`.

A channel registers once (`health.channel("telegram", "polling", fresh_for=75)`) and then reports
evidence: `served()` after a successful poll, a registered webhook or an authenticated webhook
request; `failed(reason)` after a poll or a registration that did not succeed.

- A polling channel serves while its last poll succeeded and that was less than `fresh_for`
  seconds ago (a few long-polling timeouts: an idle long poll still answers every timeout).
- A webhook channel serves once its webhook is registered (its route is mounted before the site
  starts); a failed registration makes it not serving until one succeeds.

`/healthz` answers 503 once a configured channel has not served for longer than `[http]
unhealthy_after_seconds`: counted from its last success, or from the start when it never had one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol


class SuccessGauge(Protocol):
    def on_channel_success(self, channel: str, timestamp: float) -> None: ...


@dataclass(slots=True)
class ChannelHealth:
    name: str
    mode: str
    fresh_for: float | None  # seconds a success stays evidence; None: until a failure
    clock: Callable[[], float]
    wall: Callable[[], float]
    gauge: SuccessGauge | None = None
    started: float = 0.0
    last_success: float | None = None  # monotonic
    last_success_wall: float | None = None
    failing: str = ""  # why the last attempt failed; empty after a success
    stopped: bool = False

    def served(self) -> None:
        self.last_success = self.clock()
        self.last_success_wall = self.wall()
        self.failing = ""
        if self.gauge is not None:
            self.gauge.on_channel_success(self.name, self.last_success_wall)

    def failed(self, reason: str) -> None:
        self.failing = reason or "failed"

    def serving(self) -> bool:
        if self.stopped or self.failing or self.last_success is None:
            return False
        return self.fresh_for is None or self.clock() - self.last_success <= self.fresh_for

    def down_for(self) -> float:
        """Seconds since the channel last served (since the start when it never did); 0 while
        it serves."""
        if self.serving():
            return 0.0
        since = self.last_success if self.last_success is not None else self.started
        return max(0.0, self.clock() - since)

    def report(self) -> dict[str, object]:
        report: dict[str, object] = {"mode": self.mode, "serving": self.serving()}
        if self.last_success_wall is not None:
            report["last_success"] = datetime.fromtimestamp(self.last_success_wall, UTC).isoformat(
                timespec="seconds"
            )
        if not report["serving"]:
            report["down_seconds"] = round(self.down_for())
            if self.failing:
                report["error"] = self.failing[:200]
        return report


@dataclass(slots=True)
class Health:
    """Every configured channel's health; `unhealthy_after` is `[http] unhealthy_after_seconds`."""

    unhealthy_after: float = 60.0
    gauge: SuccessGauge | None = None
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    channels: dict[str, ChannelHealth] = field(default_factory=dict)

    def channel(self, name: str, mode: str, *, fresh_for: float | None = None) -> ChannelHealth:
        """Register a configured channel; it counts as down until its first success."""
        health = ChannelHealth(
            name, mode, fresh_for, self.clock, self.wall, self.gauge, started=self.clock()
        )
        self.channels[name] = health
        return health

    def report(self) -> dict[str, dict[str, object]]:
        return {name: channel.report() for name, channel in sorted(self.channels.items())}

    def down(self) -> list[str]:
        """Channels that have not served for longer than `unhealthy_after` seconds."""
        return sorted(
            name
            for name, channel in self.channels.items()
            if channel.down_for() > self.unhealthy_after
        )
