"""Groups, supergroups and channels: one polite refusal, then the bot leaves. Readings and bills
are personal; nothing from a group reaches the dialog or storage beyond the update id."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update

from bot.telegram.deps import CHANNEL
from bot.telegram.handlers.common import group_message, group_press
from bot.telegram.render import quote
from bot.telegram.texts import tg_say
from dialogs.channel import DialogHandler

log = logging.getLogger(__name__)


async def refuse_group(
    message: Message, bot: Bot, engine: DialogHandler, event_update: Update
) -> None:
    if not await engine.claim(CHANNEL, str(event_update.update_id)):
        return  # a redelivered update: refused already
    language = message.from_user.language_code if message.from_user else None
    await message.answer(quote(tg_say(language, "private_only")))
    try:
        await bot.leave_chat(message.chat.id)
    except TelegramAPIError as exc:  # a channel post, or rights already gone
        log.info("could not leave chat %s: %s", message.chat.id, exc)


async def refuse_group_press(query: CallbackQuery) -> None:
    await query.answer(tg_say(query.from_user.language_code, "private_only"), show_alert=True)


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(group_message)
    router.callback_query.filter(group_press)
    router.message.register(refuse_group)
    router.callback_query.register(refuse_group_press)
    return router
