"""Webhook mode: aiogram's `SimpleRequestHandler` on the shared aiohttp application.

Two changes to it. The secret is compared as bytes: `secrets.compare_digest` on `str` raises
TypeError for a non-ASCII header, which would answer 500 instead of 401. And updates are handled
before the answer (not in the background), so Telegram redelivers what a crash interrupted and
aiohttp's graceful shutdown waits for what is in flight; the engine's update-id claim keeps a
redelivery from being handled twice.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler


class SecretWebhookHandler(SimpleRequestHandler):
    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str, **data: Any) -> None:
        super().__init__(
            dispatcher, bot, handle_in_background=False, secret_token=secret or None, **data
        )

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.secret_token.encode())

    async def close(self) -> None:
        # The bot session belongs to TelegramRuntime, which closes it after draining updates.
        return None
