"""An inline button press → Choice(callback_data), and the press acknowledged.

The client shows a spinner on the pressed button until the press is answered. Behind a webhook
the answer rides back in the webhook request's own response (`answer_in_reply`, the Bot API's
"making requests when getting updates"): one Bot API call fewer for every press, which is
almost half of a resident's updates. Polling has no response to carry it, so it is a call of
its own, made in the chat's turn before the dialog answers.
"""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, Message, Update

from bot.telegram.deps import chat_ref
from bot.telegram.handlers.common import delivery_to
from dialogs.channel import DialogHandler
from dialogs.events import Choice

log = logging.getLogger(__name__)


async def on_press(
    query: CallbackQuery,
    bot: Bot,
    engine: DialogHandler,
    event_update: Update,
    answer_in_reply: bool = False,
) -> AnswerCallbackQuery | None:
    async def acknowledge() -> None:
        # Telegram refuses an answer after a few seconds (a press that waited its turn behind a
        # slow update); the spinner has gone by then, and the choice itself still counts.
        try:
            await query.answer()
        except TelegramBadRequest as exc:
            log.info(
                "telegram press %s answered too late: %s", event_update.update_id, exc.message
            )

    if query.data:
        user = query.from_user
        event = Choice(chat_ref(user.id), query.data, str(event_update.update_id))
        pressed = query.message if isinstance(query.message, Message) else None
        deliver = delivery_to(bot, user.id, pressed=pressed, language_code=user.language_code)
        await engine.handle(event, deliver, acknowledge=None if answer_in_reply else acknowledge)
    if answer_in_reply:
        return query.answer()
    if not query.data:
        await acknowledge()
    return None


def register(router: Router) -> None:
    router.callback_query.register(on_press)
