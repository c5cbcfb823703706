"""Webhook mode: aiogram's `SimpleRequestHandler` on the shared aiohttp application.

Its changes. The secret is compared as bytes: `secrets.compare_digest` on `str` raises
TypeError for a non-ASCII header, which would answer 500 instead of 401. And updates are handled
before the answer (not in the background), so Telegram redelivers what a crash interrupted and
aiohttp's graceful shutdown waits for what is in flight; the engine's update-id claim keeps a
redelivery from being handled twice. A body that is not an update (not JSON, or not the shape
of one, or nested too deep to parse) is answered 400 with a log line, where aiogram would answer
500 and log a traceback; an update of a kind this aiogram does not know is answered 200 and
ignored. What no handler reads of a pressed message, its keyboard and its sender (the bot), is
left out before parsing (`trim_pressed_message`).
A call the handler returns (a button press's acknowledgement) is answered as one JSON
document. Bodies over the application's `client_max_size` (`bot.http_guard`) are refused with
413 while being read.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.health import ChannelHealth
from bot.http_guard import loads_json, read_body
from bot.telegram.session import json_params

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
        if not secret:  # run refuses to start so (bot.config.require_webhook_secret)
            raise ValueError("[telegram] webhook_secret is empty: anyone could post updates")
        super().__init__(
            dispatcher, bot, handle_in_background=False, secret_token=secret or None, **data
        )
        self.health = health

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return False
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.secret_token.encode())

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            body = trim_pressed_message(loads_json(await read_body(request)))
            update = Update.model_validate(body, context={"bot": bot})
        except (ValueError, RecursionError) as exc:  # JSON, UTF-8, pydantic; nesting too deep
            log.warning("telegram webhook: not an update (%s); answered 400", type(exc).__name__)
            return web.Response(status=400, text="Bad Request: not a Telegram update")
        if self.health is not None:  # an authenticated update: evidence the channel serves
            self.health.served()
        try:
            update.event_type  # noqa: B018 - raises for a kind this aiogram does not know
        except UpdateTypeLookupError:
            # A kind of update newer than this bot: nothing to do, and no retries wanted.
            log.info("telegram webhook: update %s of an unknown kind ignored", update.update_id)
            return web.Response(status=200)
        # Straight into the dispatcher: `feed_webhook_update` would run the update as a task of
        # its own beside a timer, only to move it to the background after 55 s, and the answer
        # waits for the handling here.
        try:
            result = await self.dispatcher.feed_update(bot, update, **self.data)
        except Exception:  # answered here, so that aiohttp does not log the traceback again
            log.exception("telegram webhook: update %s failed; answered 500", update.update_id)
            return web.Response(status=500)
        if not isinstance(result, TelegramMethod):  # None, or the dispatcher's UNHANDLED
            return web.json_response({})
        # A call carried in the answer (a button press's acknowledgement): one JSON document,
        # as the Bot API takes it, where aiogram would build a multipart form.
        params = json_params(bot.session, bot, result)
        if params is None:
            return web.Response(body=self._build_response_writer(bot=bot, result=result))
        return web.json_response({"method": result.__api_method__, **params})

    async def close(self) -> None:
        # The bot session belongs to TelegramRuntime, which closes it after draining updates.
        return None


def trim_pressed_message(body: Any) -> Any:
    """The update with what no handler reads of a pressed message left out: its keyboard and
    its sender. Telegram sends the message whose button was pressed whole; the keyboard is the
    bot's own, yet parsing it took more than half of parsing the update (160 µs of 280 for a
    press on the main menu's eight buttons), and the sender is the bot itself, one more object
    to build for every press."""
    if isinstance(body, dict):
        query = body.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("message"), dict):
            query["message"].pop("reply_markup", None)
            query["message"].pop("from", None)
    return body
