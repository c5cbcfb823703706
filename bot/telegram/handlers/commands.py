"""`/start` → Start; any other `/command args` → Command."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandStart
from aiogram.types import Message, Update

from bot.telegram.deps import DialogHandler, chat_ref
from bot.telegram.handlers.common import show, slash_command
from bot.telegram.texts import locale_of
from dialogs.events import Command, Start
from storage.base import Storage


async def on_start(
    message: Message, bot: Bot, engine: DialogHandler, storage: Storage, event_update: Update
) -> None:
    user = message.from_user
    if user is None:
        return
    hint = locale_of(user.language_code)
    event = Start(chat_ref(user.id), str(event_update.update_id), language_hint=hint)
    await show(bot, storage, user.id, await engine.handle(event))


async def on_command(
    message: Message, bot: Bot, engine: DialogHandler, storage: Storage, event_update: Update
) -> None:
    if message.from_user is None or message.text is None:
        return
    head, *args = message.text.split()
    name = head[1:].partition("@")[0]  # "/bind@meter_bot" in a client that adds the bot name
    chat = chat_ref(message.from_user.id)
    event = Command(chat, name, tuple(args), str(event_update.update_id))
    await show(bot, storage, message.from_user.id, await engine.handle(event))


def register(router: Router) -> None:
    router.message.register(on_start, CommandStart())
    router.message.register(on_command, slash_command)
