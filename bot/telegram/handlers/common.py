"""The filters every handler shares, and the delivery of the dialog's replies to one chat."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import CallbackQuery, Message

from bot.telegram.delivery import deliver
from dialogs.channel import Deliver, Unreachable
from dialogs.replies import Reply

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


async def typed_text(message: Message) -> bool:
    """Typed text, commands included: most of what residents send (readings)."""
    return message.text is not None


async def shared_contact(message: Message) -> bool:
    return message.contact is not None


def delivery_to(
    bot: Bot,
    user_id: int,
    *,
    pressed: Message | None = None,
    language_code: str | None = None,
) -> Deliver:
    """How the dialog's replies reach `user_id`; a resident who blocked the bot is
    `Unreachable`."""

    async def send(replies: Sequence[Reply]) -> None:
        try:
            await deliver(bot, user_id, replies, pressed=pressed, language_code=language_code)
        except TelegramForbiddenError as exc:
            raise Unreachable(exc.message) from exc

    return send
