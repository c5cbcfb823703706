"""Long polling: `GET /updates` with the marker of the last batch, one request at a time.

The marker MAX returns points past the batch: passing it acknowledges everything before. It is
kept in memory only; after a restart the first request goes without one and MAX sends what it
still holds, and the dialog's record of update ids answers a redelivered one once. A failed
request (no network, 5xx after maxapi's retries, 429) waits and tries again, longer each time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.health import ChannelHealth
from bot.max.channel import MaxChannel
from bot.max.client import POLL_TIMEOUT_SECONDS, MaxApi

log = logging.getLogger(__name__)

FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0


class Poller:
    def __init__(
        self,
        api: MaxApi,
        channel: MaxChannel,
        *,
        timeout: int = POLL_TIMEOUT_SECONDS,
        first_pause: float = FIRST_PAUSE_SECONDS,
        health: ChannelHealth | None = None,
    ) -> None:
        self.api = api
        self.channel = channel
        self.timeout = timeout
        self.first_pause = first_pause
        self.marker: int | None = None
        self.failures = 0
        self.health = health

    async def run(self) -> None:
        """Poll until cancelled (under the supervisor): a request cancelled under way is not
        acknowledged, so MAX sends its batch again."""
        while True:
            try:
                answer = await self.api.updates(self.marker, self.timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network, 5xx and 429 after retries, a bad token…
                self.failures += 1
                if self.health is not None:
                    self.health.failed(f"GET /updates: {type(exc).__name__}: {exc}")
                pause = min(LONGEST_PAUSE_SECONDS, self.first_pause * 2 ** (self.failures - 1))
                log.warning("max: GET /updates failed (%s); again in %.1f s", exc, pause)
                await asyncio.sleep(pause)
                continue
            self.failures = 0
            if self.health is not None:
                self.health.served()
            self._take(answer)

    def _take(self, answer: Any) -> None:
        if not isinstance(answer, dict):
            return
        marker = answer.get("marker")
        if isinstance(marker, int):
            self.marker = marker
        for raw in answer.get("updates") or ():
            self.channel.dispatch(raw)
