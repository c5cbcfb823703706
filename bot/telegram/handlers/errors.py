"""Any handler error: a log line with the update id and a polite reply, never silence."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, User

from bot.telegram.render import quote
from bot.telegram.texts import locale_of
from dialogs.texts import say

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot) -> None:
    update = event.update
    log.error(
        "telegram update %s failed: %s",
        update.update_id,
        event.exception,
        exc_info=event.exception,
    )
    user = _sender(event)
    if user is None:
        return
    try:
        await bot.send_message(user.id, quote(say(locale_of(user.language_code), "oops")))
    except TelegramAPIError as exc:
        log.warning("telegram update %s: the apology failed too: %s", update.update_id, exc)


def _sender(event: ErrorEvent) -> User | None:
    update = event.update
    if update.message is not None and update.message.chat.type == "private":
        return update.message.from_user
    if update.callback_query is not None:
        return update.callback_query.from_user
    return None


def register(router: Router) -> None:
    router.errors.register(on_error)
