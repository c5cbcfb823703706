"""Per-update work around every handler, as outer middlewares on `dp.update`:

- `InFlight` counts updates being handled, so shutdown can wait for them (polling and webhook);
- `Throttle` is a token bucket per user: a flooding chat gets one "please slow down" notice and
  its excess updates are dropped before they reach storage, so it cannot starve the others.

Each user's updates are answered one after another by the dialog engine itself, which holds a
chat's turn from the moment a handler calls it until the replies are delivered.

aiogram 3 has no throttling middleware of its own; its docs show the same hand-made pattern.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, TelegramObject, Update, User

from bot.logs import log_context
from bot.observability import Metrics
from bot.telegram.render import quote
from bot.telegram.texts import tg_say

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# A resident typing a three-zone reading on the keypad presses ~20 buttons within a minute;
# the bucket lets that through untouched and stops a script or a stuck key.
BURST = 20
RATE_PER_SECOND = 2.0
MAX_BUCKETS = 50_000  # beyond this, idle (full) buckets are forgotten


class InFlight(BaseMiddleware):
    """Counts updates in progress (and times them into `metrics`); `drain()` waits until none
    is left."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.count += 1
        self._idle.clear()
        update_id = event.update_id if isinstance(event, Update) else None
        try:
            with log_context(channel="telegram", update_id=update_id):
                if self.metrics is None:
                    return await handler(event, data)
                with self.metrics.handling("telegram"):
                    return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def drain(self, grace: float) -> bool:
        """True when every update finished within `grace` seconds."""
        try:
            async with asyncio.timeout(grace):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    noticed: bool = False


class Throttle(BaseMiddleware):
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
        self._buckets: dict[int, _Bucket] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        bucket, allowed = self._take(user.id)
        if allowed:
            return await handler(event, data)
        self.dropped += 1
        if not bucket.noticed:
            bucket.noticed = True
            await self._notice(data.get("bot"), data.get("event_chat"), user)
        return None

    def _take(self, user_id: int) -> tuple[_Bucket, bool]:
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.noticed = False  # quiet long enough: a new flood earns a new notice
        if bucket.tokens < 1:
            return bucket, False
        bucket.tokens -= 1
        return bucket, True

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.rate
        for user_id in [u for u, b in self._buckets.items() if now - b.at >= full_after]:
            del self._buckets[user_id]

    async def _notice(self, bot: Bot | None, chat: Chat | None, user: User) -> None:
        if bot is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        try:
            await bot.send_message(chat.id, quote(tg_say(user.language_code, "slow_down")))
        except TelegramAPIError as exc:
            log.info("could not send the slow-down notice: %s", exc)
