"""Neutral replies as Bot API calls: inline keyboards for buttons, a one-time reply keyboard for
phone sharing, sendPhoto for a chart, HTML with every text escaped, long texts split.

A message without a keyboard of its own carries `ReplyKeyboardRemove`, so a "share my phone"
keyboard never outlives the question that showed it (stateless: it works across restarts and
processes, and removing an absent keyboard is a no-op for the client).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.text_decorations import html_decoration

from bot.telegram.texts import locale_of_label, tg_say
from dialogs.replies import Reply

MESSAGE_LIMIT = 4096  # characters of a message text after entity parsing (Bot API sendMessage)
CAPTION_LIMIT = 1024  # characters of a photo caption

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def quote(text: str) -> str:
    return html_decoration.quote(text)


def inline_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.action_id) for b in row]
            for row in reply.buttons
        ]
    )


def contact_keyboard(label: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=label, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces whose escaped length fits `limit`, cut at line breaks where possible."""
    if len(quote(text)) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in _fitting_lines(text, limit):
        candidate = f"{current}\n{line}" if current else line
        if len(quote(candidate)) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


def _fitting_lines(text: str, limit: int) -> Iterator[str]:
    for line in text.split("\n"):
        while len(quote(line)) > limit:
            cut = _longest_prefix(line, limit)
            yield line[:cut]
            line = line[cut:]
        yield line


def _longest_prefix(line: str, limit: int) -> int:
    # Escaping can only lengthen a text, so at least `limit // 5` characters always fit
    # ("&amp;" is the longest entity); grow from there, preferring a cut at a space.
    cut = limit // 5
    while cut < len(line) and len(quote(line[: cut + 1])) <= limit:
        cut += 1
    space = line.rfind(" ", 0, cut)
    return space + 1 if space > cut // 2 else cut


def render(
    chat_id: int | str, reply: Reply, language_code: str | None = None
) -> list[TelegramMethod[Any]]:
    """The calls that show one reply, in order."""
    inline = inline_keyboard(reply)
    calls: list[TelegramMethod[Any]] = []
    text = reply.text
    if reply.picture is not None:
        caption = text if len(quote(text)) <= CAPTION_LIMIT else reply.picture.caption
        caption = caption if len(quote(caption)) <= CAPTION_LIMIT else ""
        text = "" if caption == text else text
        photo_markup: Markup | None = inline if not text else None
        calls.append(
            SendPhoto(
                chat_id=chat_id,
                photo=BufferedInputFile(reply.picture.png, filename="chart.png"),
                caption=quote(caption) or None,
                reply_markup=photo_markup,
            )
        )
        if not text:
            return calls
    pieces = split_text(text) if text else []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        markup: Markup | None = None
        if last:
            markup = inline if inline is not None else None
            if markup is None and reply.request_contact is None:
                markup = ReplyKeyboardRemove()
        calls.append(SendMessage(chat_id=chat_id, text=quote(piece), reply_markup=markup))
    if reply.request_contact is not None:
        label = reply.request_contact
        last_call = calls[-1] if calls else None
        if inline is None and isinstance(last_call, SendMessage):
            # The question itself can carry the contact keyboard.
            last_call.reply_markup = contact_keyboard(label)
        else:
            # One message holds one keyboard: the inline one stays on the question and a short
            # hint, in the language of the button, brings up the contact keyboard.
            hint = tg_say(locale_of_label(label, language_code), "contact_hint", share=label)
            keyboard = contact_keyboard(label)
            calls.append(SendMessage(chat_id=chat_id, text=quote(hint), reply_markup=keyboard))
    return calls
