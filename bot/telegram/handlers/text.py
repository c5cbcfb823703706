"""A typed message → Start, Command or Text (`dialogs.typed.parse_typed`); any other message →
Text of its caption. A sticker, photo or voice note arrives so (its caption often empty), which
the dialog answers as something it did not understand."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message, Update

from bot.telegram.deps import chat_ref
from bot.telegram.handlers.common import delivery_to, typed_text
from bot.telegram.texts import locale_of
from dialogs.channel import DialogHandler
from dialogs.events import Text
from dialogs.typed import parse_typed


async def on_text(message: Message, bot: Bot, engine: DialogHandler, event_update: Update) -> None:
    user, text = message.from_user, message.text
    if user is None or text is None:
        return
    event = parse_typed(
        chat_ref(user.id),
        text,
        str(event_update.update_id),
        language_hint=locale_of(user.language_code),
    )
    await engine.handle(event, delivery_to(bot, user.id))


async def on_other(
    message: Message, bot: Bot, engine: DialogHandler, event_update: Update
) -> None:
    user = message.from_user
    if user is None:
        return
    event = Text(chat_ref(user.id), message.caption or "", str(event_update.update_id))
    await engine.handle(event, delivery_to(bot, user.id))


def register(router: Router) -> None:
    """Typed text, ahead of the other message handlers: it is most of what arrives, and each
    handler aiogram tries first costs a filter check."""
    router.message.register(on_text, typed_text)


def register_fallback(router: Router) -> None:
    """After every other message handler: stickers, photos, voice notes and the like."""
    router.message.register(on_other)
