"""A shared contact → ContactShared. It is the sender's own number only when Telegram says the
contact's user id is the sender's: a forwarded or typed-in contact card proves nothing."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message, Update

from bot.telegram.deps import chat_ref
from bot.telegram.handlers.common import delivery_to, shared_contact
from dialogs.channel import DialogHandler
from dialogs.events import ContactShared


async def on_contact(
    message: Message, bot: Bot, engine: DialogHandler, event_update: Update
) -> None:
    contact, user = message.contact, message.from_user
    if contact is None or user is None:
        return
    is_own = contact.user_id is not None and contact.user_id == user.id
    update_id = str(event_update.update_id)
    event = ContactShared(chat_ref(user.id), contact.phone_number, is_own, update_id)
    await engine.handle(event, delivery_to(bot, user.id))


def register(router: Router) -> None:
    router.message.register(on_contact, shared_contact)
