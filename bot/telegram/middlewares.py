"""Per-update work around every handler, as outer middlewares on `dp.update`:

- `InFlight` counts updates being handled, so shutdown can wait for them (polling and webhook);
- `SlowDown` applies the per-resident token bucket (`dialogs.throttle`): a flooding chat gets one
  "please slow down" notice and its excess updates are dropped before they reach storage, so it
  cannot starve the others.

Each user's updates are answered one after another by the dialog engine itself, which holds a
chat's turn from the moment a handler calls it until the replies are delivered.

aiogram 3 has no throttling middleware of its own; its docs show the same hand-made pattern.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, TelegramObject, Update, User

from bot.logs import log_context
from bot.telegram.render import quote
from bot.telegram.texts import tg_say
from dialogs.throttle import Admission, Throttle

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlight(BaseMiddleware):
    """Counts updates in progress; `drain()` waits until none is left. (Handled updates are
    counted and timed by the dialog engine, as for every channel.)"""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.count += 1
        self._idle.clear()
        update_id = event.update_id if isinstance(event, Update) else None
        try:
            with log_context(channel="telegram", update_id=update_id):
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


class SlowDown(BaseMiddleware):
    """Drops a flooding user's updates before the dialog, with one notice per flood."""

    def __init__(self, throttle: Throttle | None = None) -> None:
        self.throttle = throttle or Throttle()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        admission = self.throttle.admit(user.id)
        if admission.allowed:
            return await handler(event, data)
        if admission is Admission.DROP_AND_NOTICE:
            await self._notice(data.get("bot"), data.get("event_chat"), user)
        return None

    async def _notice(self, bot: Bot | None, chat: Chat | None, user: User) -> None:
        if bot is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        try:
            await bot.send_message(chat.id, quote(tg_say(user.language_code, "slow_down")))
        except TelegramAPIError as exc:
            log.info("could not send the slow-down notice: %s", exc)
