"""Replies to one Telegram resident outside a conversation (reminder campaigns), as
`bot.channels.ChannelSender`: no retry in place, the outcome says what to do next."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.channels import SendOutcome, SendResult
from bot.config import Settings
from bot.telegram.delivery import deliver
from bot.telegram.deps import CHANNEL, chat_ref
from bot.telegram.retry import no_retry
from dialogs.replies import Reply
from storage.base import Storage

log = logging.getLogger(__name__)


class TelegramSender:
    channel = CHANNEL

    def __init__(self, bot: Bot, storage: Storage, settings: Settings) -> None:
        self.bot = bot
        self.storage = storage
        self.messages_per_second = settings.telegram.messages_per_second

    async def send(self, user_id: str, replies: Sequence[Reply]) -> SendResult:
        """Send every reply in order; stop at the first failure and say what it was."""
        try:
            with no_retry():
                await deliver(self.bot, int(user_id), replies)
        except TelegramRetryAfter as exc:
            return SendResult(
                SendOutcome.RETRY_AFTER, retry_after=float(exc.retry_after), detail=exc.message
            )
        except TelegramForbiddenError as exc:
            # "bot was blocked by the user", "user is deactivated": never try again.
            log.info("telegram resident %s is gone (%s): marked blocked", user_id, exc.message)
            await self.storage.set_blocked(chat_ref(int(user_id)), True)
            return SendResult(SendOutcome.BLOCKED, permanent=True, detail=exc.message)
        except (
            TelegramNetworkError,
            TelegramServerError,
            ClientDecodeError,  # an answer not in the Bot API's shape (a proxy's HTML page)
            UnicodeDecodeError,  # an answer that is not even UTF-8
        ) as exc:
            log.warning("telegram send to %s failed: %s", user_id, exc)
            return SendResult(SendOutcome.FAILED, detail=str(exc))
        except TelegramAPIError as exc:  # "chat not found" and the like: retrying cannot help
            log.warning("telegram refused a message to %s: %s", user_id, exc)
            return SendResult(SendOutcome.FAILED, permanent=True, detail=exc.message)
        return SendResult(SendOutcome.SENT)


@asynccontextmanager
async def open_telegram_sender(
    settings: Settings, storage: Storage
) -> AsyncIterator[TelegramSender]:
    """A sender with a bot of its own, for `meterbot remind` (which serves no channel)."""
    from bot.telegram.runtime import build_bot

    bot = build_bot(settings)
    try:
        yield TelegramSender(bot, storage, settings)
    finally:
        await bot.session.close()
