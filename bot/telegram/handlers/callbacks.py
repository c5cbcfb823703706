"""An inline button press → Choice(callback_data); the press is acknowledged at once."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message, Update

from bot.telegram.deps import DialogHandler, chat_ref
from bot.telegram.handlers.common import show
from dialogs.events import Choice
from storage.base import Storage


async def on_press(
    query: CallbackQuery, bot: Bot, engine: DialogHandler, storage: Storage, event_update: Update
) -> None:
    # Answer first: the client shows a spinner on the button until it is answered.
    await query.answer()
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
