"""Showing the dialog's replies in one chat: render them and call the Bot API in order.

A button press whose answer is one message with buttons edits the pressed message in place
(the keypad, menus), so the chat does not fill with stale keyboards; anything else is sent anew,
and so is a reply that must leave the pressed message as it is (`Reply.keep_pressed`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup, Message

from bot.telegram.render import render
from bot.telegram.session import results_unread
from dialogs.replies import Reply

log = logging.getLogger(__name__)


async def deliver(
    bot: Bot,
    chat_id: int | str,
    replies: Sequence[Reply],
    *,
    pressed: Message | None = None,
    language_code: str | None = None,
) -> None:
    """Send `replies` to `chat_id`; with `pressed` (the message whose button was pressed), edit
    it instead when the answer fits in it. Bot API errors propagate to the caller."""
    calls = [call for reply in replies for call in render(chat_id, reply, language_code)]
    if any(reply.keep_pressed for reply in replies):
        pressed = None
    with results_unread():
        if pressed is not None and len(calls) == 1 and await _edited(bot, pressed, calls[0]):
            return
        for call in calls:
            await bot(call)


async def _edited(bot: Bot, pressed: Message, call: object) -> bool:
    if not isinstance(call, SendMessage) or not isinstance(
        call.reply_markup, InlineKeyboardMarkup
    ):
        return False
    if pressed.text is None:  # a photo: its caption is not a text to replace
        return False
    try:
        await bot(
            EditMessageText(
                chat_id=pressed.chat.id,
                message_id=pressed.message_id,
                text=call.text,
                reply_markup=call.reply_markup,
            )
        )
    except TelegramBadRequest as exc:
        if "message is not modified" in exc.message:
            return True  # the same keypad pressed twice: nothing to change
        log.info("could not edit message %s (%s): sending anew", pressed.message_id, exc.message)
        return False
    return True
