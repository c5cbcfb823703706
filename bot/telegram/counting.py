"""Counting Bot API calls for /metrics: messages that reached a chat, and calls that failed.

A session middleware, registered inside `RetryRequests` (bot/telegram/runtime.py), so that each
failed attempt counts as one channel error and a message retried into a chat counts once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.channels import ChannelCalls

if TYPE_CHECKING:
    from aiogram import Bot


class CountCalls(BaseRequestMiddleware):
    def __init__(self, calls: ChannelCalls) -> None:
        self.calls = calls

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.calls.on_channel_error("telegram")
            raise
        # sendMessage, sendPhoto, …, editMessageText: what a resident sees appear or change.
        if method.__api_method__.startswith(("send", "edit")):
            self.calls.on_message_sent("telegram")
        return response
