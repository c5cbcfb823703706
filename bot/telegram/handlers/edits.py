"""An edited message → Edited. Telegram delivers the edit as an update of its own, but the step
that message answered has passed, so the dialog does not read it again; it asks the resident to
send the correction as a new message instead of meeting silence."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import Message, Update

from bot.telegram.deps import chat_ref
from bot.telegram.render import quote
from bot.telegram.texts import locale_of
from dialogs.channel import DialogHandler, Unreachable
from dialogs.events import Edited
from dialogs.replies import Reply


async def on_edit(message: Message, engine: DialogHandler, event_update: Update) -> None:
    user = message.from_user
    if user is None:
        return

    async def answer(replies: Sequence[Reply]) -> None:
        # A plain answer to the edited message: the keyboard the resident has stays as it is.
        try:
            for reply in replies:
                await message.answer(quote(reply.text))
        except TelegramForbiddenError as exc:
            raise Unreachable(exc.message) from exc

    language = locale_of(user.language_code)
    event = Edited(chat_ref(user.id), str(event_update.update_id), language_hint=language)
    await engine.handle(event, answer)


def register(router: Router) -> None:
    router.edited_message.register(on_edit)
