"""Webhook mode: aiogram's `SimpleRequestHandler` on the shared aiohttp application.

Three changes to it. The secret is compared as bytes: `secrets.compare_digest` on `str` raises
TypeError for a non-ASCII header, which would answer 500 instead of 401. And updates are handled
before the answer (not in the background), so Telegram redelivers what a crash interrupted and
aiohttp's graceful shutdown waits for what is in flight; the engine's update-id claim keeps a
redelivery from being handled twice. A body that is not an update (not JSON, or not the shape
of one) is answered 400 with a log line, where aiogram would answer 500 and log a traceback.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.health import ChannelHealth

log = logging.getLogger(__name__)


class SecretWebhookHandler(SimpleRequestHandler):
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        secret: str,
        *,
        health: ChannelHealth | None = None,
        **data: Any,
    ) -> None:
        super().__init__(
            dispatcher, bot, handle_in_background=False, secret_token=secret or None, **data
        )
        self.health = health

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.secret_token.encode())

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            body = await request.json(loads=bot.session.json_loads)
            update = Update.model_validate(body, context={"bot": bot})
        except ValueError as exc:  # JSON, UTF-8 and pydantic's errors all are ValueErrors
            log.warning("telegram webhook: not an update (%s); answered 400", type(exc).__name__)
            return web.Response(status=400, text="Bad Request: not a Telegram update")
        if self.health is not None:  # an authenticated update: evidence the channel serves
            self.health.served()
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data
        )
        return web.Response(body=self._build_response_writer(bot=bot, result=result))

    async def close(self) -> None:
        # The bot session belongs to TelegramRuntime, which closes it after draining updates.
        return None
