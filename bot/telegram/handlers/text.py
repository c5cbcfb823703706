"""Any other message → Text. A sticker, photo or voice note arrives as its caption (often empty),
which the dialog answers as something it did not understand."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message, Update

from bot.telegram.deps import DialogHandler, chat_ref
from bot.telegram.handlers.common import private_message, show
from dialogs.events import Text
from storage.base import Storage


async def on_text(
    message: Message, bot: Bot, engine: DialogHandler, storage: Storage, event_update: Update
) -> None:
    if message.from_user is None:
        return
    text = message.text or message.caption or ""
    event = Text(chat_ref(message.from_user.id), text, str(event_update.update_id))
    await show(bot, storage, message.from_user.id, await engine.handle(event))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(private_message)
    router.message.register(on_text)
    return router
