"""Every long-running task of `meterbot run` runs under one supervisor.

A task that raises — whatever it raises — is logged with its name (and channel, when it has
one), counted in `/metrics` (`meterbot_task_restarts_total{task}`) and started again after a
capped exponential backoff. Nothing ends silently: an exception that escapes an
`asyncio.create_task` of its own is only seen when the task is awaited, often at shutdown.

Two kinds of task:
- `forever`: polling loops, housekeeping, publishing progress. Returning is a fault as well
  (it stopped serving), so it is restarted too.
- until done: webhook registration, a campaign, the month's closing. Returning ends it;
  raising starts it again (a campaign resumes where it stopped, as it is durable).

Channels register their tasks here and their health in `bot.health`, so a new channel plugs in
with a few lines: `supervisor.spawn("max-polling", poll, forever=True, channel="max")`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


class RestartCounter(Protocol):
    def on_task_restart(self, task: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between restarts: `first`, doubling, at most `cap`, with ±`jitter` spread."""

    first: float = 1.0
    cap: float = 60.0
    factor: float = 2.0
    jitter: float = 0.1
    # A run this long counts as healthy: the next failure starts from `first` again.
    healthy_after: float = 60.0

    def delay(self, failures: int) -> float:
        base = min(self.cap, self.first * self.factor ** max(0, failures - 1))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))  # noqa: S311


Work = Callable[[], Awaitable[object]]


class Supervisor:
    def __init__(
        self,
        metrics: RestartCounter | None = None,
        *,
        backoff: Backoff = Backoff(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.metrics = metrics
        self.backoff = backoff
        self._sleep = sleep
        self._tasks: dict[asyncio.Task[None], str] = {}
        self.restarts: dict[str, int] = {}

    def spawn(
        self,
        name: str,
        work: Work,
        *,
        forever: bool = False,
        channel: str | None = None,
        backoff: Backoff | None = None,
    ) -> asyncio.Task[None]:
        """Run `work()` in a task of its own, restarted as the module docstring says."""
        task = asyncio.create_task(
            self._supervise(name, work, forever, channel, backoff or self.backoff), name=name
        )
        self._tasks[task] = name
        task.add_done_callback(self._tasks.pop)
        return task

    @property
    def running(self) -> list[str]:
        return sorted(self._tasks.values())

    async def _supervise(
        self, name: str, work: Work, forever: bool, channel: str | None, backoff: Backoff
    ) -> None:
        failures = 0
        extra = {"channel": channel} if channel else {}
        while True:
            started = time.monotonic()
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # whatever it raises, it comes back
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                reason = f"{type(exc).__name__}: {exc}"
                log_failure = log.exception
            else:
                if not forever:
                    return
                reason = "returned while it should serve"
                log_failure = log.error
            if time.monotonic() - started >= backoff.healthy_after:
                failures = 0
            failures += 1
            delay = backoff.delay(failures)
            self.restarts[name] = self.restarts.get(name, 0) + 1
            if self.metrics is not None:
                self.metrics.on_task_restart(name)
            log_failure(
                "task %s stopped (%s); restart %d in %.1f s",
                name, reason, failures, delay, extra=extra,
            )  # fmt: skip
            await self._sleep(delay)

    async def stop(self, names: set[str] | None = None) -> None:
        """Cancel the tasks (those named, or all) and wait until they have ended."""
        tasks = [t for t, n in self._tasks.items() if names is None or n in names]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
