"""An inline button press → Choice(callback_data); the press is acknowledged in the chat's turn,
before the dialog answers it."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, Update

from bot.telegram.deps import chat_ref
from bot.telegram.handlers.common import delivery_to
from dialogs.channel import DialogHandler
from dialogs.events import Choice

log = logging.getLogger(__name__)


async def on_press(
    query: CallbackQuery, bot: Bot, engine: DialogHandler, event_update: Update
) -> None:
    async def acknowledge() -> None:
        # The client shows a spinner on the button until it is answered. Telegram refuses an
        # answer after a few seconds (a press that waited its turn behind a slow update); the
        # spinner has gone by then, and the choice itself still counts.
        try:
            await query.answer()
        except TelegramBadRequest as exc:
            log.info(
                "telegram press %s answered too late: %s", event_update.update_id, exc.message
            )

    if not query.data:
        await acknowledge()
        return
    user = query.from_user
    event = Choice(chat_ref(user.id), query.data, str(event_update.update_id))
    pressed = query.message if isinstance(query.message, Message) else None
    deliver = delivery_to(bot, user.id, pressed=pressed, language_code=user.language_code)
    await engine.handle(event, deliver, acknowledge=acknowledge)


def register(router: Router) -> None:
    router.callback_query.register(on_press)
