"""Retrying Bot API calls made during a conversation: network errors, 5xx, `retry_after`, and
answers that are not the Bot API's JSON (an HTML 502 page from a proxy, a gateway's own JSON:
aiogram raises `ClientDecodeError` for those, and lets a body that is not UTF-8 through as
`UnicodeDecodeError`).

A session middleware (`bot.session.middleware(RetryRequests())`), the aiogram way: it wraps every
call the bot makes, with aiogram's own `Backoff` for the delays. `getUpdates` is left alone
(polling has its own backoff), and so is everything inside `no_retry()`: a reminder campaign
wants the answer at once and paces itself (see `TelegramSender`).

A request that timed out may have reached Telegram: a retried message can then arrive twice.
That is the lesser harm than a resident left without an answer.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.utils.backoff import Backoff, BackoffConfig

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

ATTEMPTS = 4
MAX_RETRY_AFTER = 30.0  # seconds; Telegram asking for longer means a flood ban: give up
BACKOFF = BackoffConfig(min_delay=0.5, max_delay=8.0, factor=2.0, jitter=0.1)

_retrying = contextvars.ContextVar("telegram_retrying", default=True)


@contextmanager
def no_retry() -> Iterator[None]:
    """Calls made inside fail at once instead of being retried."""
    token = _retrying.set(False)
    try:
        yield
    finally:
        _retrying.reset(token)


class RetryRequests(BaseRequestMiddleware):
    def __init__(
        self,
        attempts: int = ATTEMPTS,
        backoff: BackoffConfig = BACKOFF,
        max_retry_after: float = MAX_RETRY_AFTER,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self.retries = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates) or not _retrying.get():
            return await make_request(bot, method)
        backoff: Backoff | None = None  # made on the first failure: nearly every call succeeds
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_retry_after:
                    raise
                delay = float(exc.retry_after)
            except (
                TelegramNetworkError,
                TelegramServerError,
                ClientDecodeError,
                UnicodeDecodeError,
            ) as exc:
                if attempt == self.attempts or isinstance(exc, TelegramEntityTooLarge):
                    raise
                if backoff is None:
                    backoff = Backoff(self.backoff)
                delay = next(backoff)
                log.info(
                    "%s failed (%s); retry %d in %.1f s",
                    method.__api_method__,
                    exc,
                    attempt,
                    delay,
                )
            self.retries += 1
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
