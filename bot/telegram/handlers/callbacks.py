"""An inline button press → Choice(callback_data); the press is acknowledged at once."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, Update

from bot.telegram.deps import DialogHandler, chat_ref
from bot.telegram.handlers.common import show
from dialogs.events import Choice
from storage.base import Storage

log = logging.getLogger(__name__)


async def on_press(
    query: CallbackQuery, bot: Bot, engine: DialogHandler, storage: Storage, event_update: Update
) -> None:
    # Answer first: the client shows a spinner on the button until it is answered. Telegram
    # refuses an answer after a few seconds (a press that waited its turn behind a slow
    # update); the spinner has gone by then, and the choice itself still counts.
    try:
        await query.answer()
    except TelegramBadRequest as exc:
        log.info("telegram press %s answered too late: %s", event_update.update_id, exc.message)
    if not query.data:
        return
    event = Choice(chat_ref(query.from_user.id), query.data, str(event_update.update_id))
    replies = await engine.handle(event)
    pressed = query.message if isinstance(query.message, Message) else None
    await show(
        bot,
        storage,
        query.from_user.id,
        replies,
        pressed=pressed,
        language_code=query.from_user.language_code,
    )


def register(router: Router) -> None:
    router.callback_query.register(on_press)
