"""Any other message → Text. A sticker, photo or voice note arrives as its caption (often empty),
which the dialog answers as something it did not understand."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message, Update

from bot.telegram.deps import DialogHandler, chat_ref
from bot.telegram.handlers.common import plain_text, show
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


def register(router: Router) -> None:
    """Typed text, ahead of the other message handlers: it is most of what arrives, and each
    handler aiogram tries first costs a filter check."""
    router.message.register(on_text, plain_text)


def register_fallback(router: Router) -> None:
    """After every other message handler: stickers, photos, voice notes and the like."""
    router.message.register(on_text)
