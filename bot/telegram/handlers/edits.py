"""An edited message. Telegram delivers the edit as an update of its own, but the step that
message answered has passed, so the dialog does not read it again; the resident is asked to send
the correction as a new message instead of meeting silence."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message, Update

from bot.telegram.deps import CHANNEL, chat_ref
from bot.telegram.render import quote
from bot.telegram.texts import tg_say
from storage.base import Storage


async def on_edit(message: Message, storage: Storage, event_update: Update) -> None:
    user = message.from_user
    if user is None or not await storage.claim_update(CHANNEL, str(event_update.update_id)):
        return  # nobody to answer, or a redelivered update: answered already
    profile = await storage.get_profile(chat_ref(user.id))
    language = profile.locale if profile is not None else user.language_code
    await message.answer(quote(tg_say(language, "edited")))


def register(router: Router) -> None:
    router.edited_message.register(on_edit)
