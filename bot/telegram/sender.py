"""Replies to one Telegram resident outside a conversation (reminder campaigns), as
`bot.channels.ChannelSender`: no retry in place, the outcome says what to do next (a resident
who blocked the bot is `BLOCKED`, and the campaign marks them)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

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
from bot.telegram.deps import CHANNEL
from bot.telegram.retry import no_retry
from dialogs.replies import Reply

log = logging.getLogger(__name__)


class TelegramSender:
    channel = CHANNEL

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot = bot
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
            log.info("telegram resident %s is gone (%s)", user_id, exc.message)
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
