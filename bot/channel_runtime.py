"""What every messenger channel's runtime does the same way, whatever its API.

- Its long-running work (polling, the webhook's registration, the commands menu) runs under the
  supervisor (`bot.supervisor`) with the channel's name, and is cancelled at the stop.
- A registration reports to the channel's health (`bot.health`): a failure names the call and
  the error, and makes the channel not serving until one succeeds.
- In webhook mode with no public URL configured nothing is registered: a warning, and a health
  that says why the channel does not serve.
- The public URL is the configured origin (or the full URL written there) plus the webhook's
  path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.health import ChannelHealth
from bot.supervisor import Backoff, Supervisor

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[object]]


def public_base(webhook_url: str, webhook_path: str) -> str:
    """The public origin the webhook is reached at: `webhook_url` without the webhook path
    when someone wrote the full URL there."""
    base = webhook_url.strip().rstrip("/")
    path = webhook_path.rstrip("/")
    if path and base.endswith(path):
        base = base[: -len(path)]
    return base


def webhook_url_of(webhook_url: str, webhook_path: str) -> str:
    """The URL to register: the public origin plus the webhook's path; empty when no origin
    is configured."""
    base = public_base(webhook_url, webhook_path)
    return f"{base}{webhook_path}" if base else ""


@dataclass(slots=True)
class ChannelTasks:
    """One channel's supervised tasks and the health they report to."""

    channel: str
    health: ChannelHealth
    supervisor: Supervisor
    tasks: list[asyncio.Task[None]] = field(default_factory=list, repr=False)

    def spawn(
        self, name: str, work: Work, *, forever: bool = False, backoff: Backoff | None = None
    ) -> None:
        self.tasks.append(
            self.supervisor.spawn(
                name, work, forever=forever, channel=self.channel, backoff=backoff
            )
        )

    async def reported(self, what: str, work: Work) -> None:
        """`work()`, its success or its failure (raised on) told to the channel's health."""
        try:
            await work()
        except Exception as exc:
            self.health.failed(f"{what}: {type(exc).__name__}: {exc}")
            raise
        self.health.served()

    def has_url(self, url: str) -> bool:
        """False (warned and told to health) when no public URL is configured."""
        if url:
            return True
        log.warning("%s: [%s] webhook_url is empty; no webhook is registered", *[self.channel] * 2)
        self.health.failed(f"[{self.channel}] webhook_url is empty")
        return False

    async def register_once(self, url: str, register: Work) -> bool:
        """`register()` once; a failure is logged, not raised: the rest of the bot serves on."""
        if not self.has_url(url):
            return False
        try:
            await register()
        except Exception as exc:  # a gateway's own answer is no API error of the library's
            log.error("%s: could not register the webhook %s: %s", self.channel, url, exc)
            return False
        return True

    def register_supervised(self, url: str, register: Work) -> None:
        """`register()` under the supervisor, tried again until the API takes it."""
        if self.has_url(url):
            self.spawn(f"{self.channel}-webhook", register)

    async def stop(self) -> None:
        """Not serving any more; every task cancelled and ended."""
        self.health.stopped = True
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
