"""What every handler does after translating: show the replies, note a resident who left."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import CallbackQuery, Message

from bot.telegram.delivery import deliver
from bot.telegram.deps import chat_ref
from dialogs.replies import Reply
from storage.base import Storage

log = logging.getLogger(__name__)

# Filters are coroutine functions, not `F` magic: aiogram 3.31 runs a synchronous filter in a
# worker thread (`asyncio.to_thread`, dispatcher/event/handler.py), a thread hop per check that
# cost more than the rest of the Telegram layer together (bench/bench_telegram.py).


async def private_message(message: Message) -> bool:
    """Router-level filter: residents talk to the bot in private chats only (handlers.groups)."""
    return message.chat.type == ChatType.PRIVATE


async def group_message(message: Message) -> bool:
    return message.chat.type != ChatType.PRIVATE


async def private_press(query: CallbackQuery) -> bool:
    return query.message is not None and query.message.chat.type == ChatType.PRIVATE


async def group_press(query: CallbackQuery) -> bool:
    return query.message is not None and query.message.chat.type != ChatType.PRIVATE


async def slash_command(message: Message) -> bool:
    return message.text is not None and message.text.startswith("/")


async def plain_text(message: Message) -> bool:
    """A typed text that is not a command: most of what residents send (readings)."""
    return message.text is not None and not message.text.startswith("/")


async def shared_contact(message: Message) -> bool:
    return message.contact is not None


async def show(
    bot: Bot,
    storage: Storage,
    user_id: int,
    replies: Sequence[Reply],
    *,
    pressed: Message | None = None,
    language_code: str | None = None,
) -> None:
    """Deliver the replies; a resident who blocked the bot meanwhile is marked blocked."""
    try:
        await deliver(bot, user_id, replies, pressed=pressed, language_code=language_code)
    except TelegramForbiddenError as exc:
        log.info("resident %s has blocked the bot (%s): marked blocked", user_id, exc.message)
        await storage.set_blocked(chat_ref(user_id), True)
