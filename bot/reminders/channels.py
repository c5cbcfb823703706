"""The channel senders a standalone `meterbot remind` needs: one per configured token.

`meterbot run` may use `telegram_sender` too (campaign traffic then has a session of its own);
`channel_senders` is for the command line, which serves no channel.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.channels import ChannelCalls, ChannelSender
from bot.config import Settings
from storage.base import CampaignStore


@asynccontextmanager
async def channel_senders(
    settings: Settings, storage: CampaignStore
) -> AsyncIterator[dict[str, ChannelSender]]:
    """Senders for every channel with a token (none: an empty dict), closed on exit."""
    telegram_token = settings.telegram.token.get_secret_value()
    viber_token = settings.viber.auth_token.get_secret_value()
    max_token = settings.max.token.get_secret_value()
    if not telegram_token and not viber_token and not max_token:
        yield {}
        return
    senders: dict[str, ChannelSender] = {}
    async with contextlib.AsyncExitStack() as stack:
        if max_token:
            from bot.max.sender import max_sender

            senders["max"] = await stack.enter_async_context(max_sender(settings))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        if viber_token:
            from bot.viber.client import ViberClient
            from bot.viber.sender import ViberSender

            client = ViberClient(session, viber_token, settings.viber.api_base)
            senders["viber"] = ViberSender(client, settings)
        if telegram_token:
            senders["telegram"] = await stack.enter_async_context(
                telegram_sender(settings, storage)
            )
        yield senders


@asynccontextmanager
async def telegram_sender(
    settings: Settings, storage: CampaignStore, calls: ChannelCalls | None = None
) -> AsyncIterator[ChannelSender]:
    """The Telegram sender for campaigns, on a bot (and HTTP session) of its own, so that the
    paid-broadcast flag, when opted in, marks campaign messages and nothing else."""
    from bot.telegram.runtime import build_bot
    from bot.telegram.sender import TelegramSender

    bot = build_bot(settings, calls=calls)
    if settings.telegram.allow_paid_broadcast:
        bot.session.middleware(PaidBroadcast())
    try:
        yield TelegramSender(bot, settings)
    finally:
        await bot.session.close()


class PaidBroadcast(BaseRequestMiddleware):
    """Sets `allow_paid_broadcast` on every message call: Telegram then allows up to 1000
    messages a second, for a fee in Stars (`[telegram] allow_paid_broadcast`, an opt-in)."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, SendMessage | SendPhoto):
            method.allow_paid_broadcast = True
        return await make_request(bot, method)
