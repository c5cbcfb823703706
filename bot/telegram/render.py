"""Neutral replies as Bot API calls: inline keyboards for buttons, a one-time reply keyboard for
phone sharing, sendPhoto for a chart, HTML with every text escaped, long texts split.

A message without a keyboard of its own carries `ReplyKeyboardRemove`, so a "share my phone"
keyboard never outlives the question that showed it (stateless: it works across restarts and
processes, and removing an absent keyboard is a no-op for the client).

Keyboards are built once per distinct set of buttons and shared by every call that shows them:
the dialog repeats a handful of them (menus, the keypad), and building a dozen pydantic buttons
cost more than the rest of rendering a reply. The shared markups are frozen models, so no caller
can change another's keyboard by accident.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
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
from pydantic import ConfigDict

from bot.telegram.texts import locale_of_label, tg_say
from dialogs.replies import Button, Reply

MESSAGE_LIMIT = 4096  # characters of a message text after entity parsing (Bot API sendMessage)
CAPTION_LIMIT = 1024  # characters of a photo caption
# Distinct keyboards kept. The dialog's fixed menus and keypads stay in; per-account ones (an
# account list, a reminder's "submit" button) mostly miss and are built as they always were.
KEYBOARDS_CACHED = 1024

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class SharedInlineKeyboard(InlineKeyboardMarkup):
    model_config = ConfigDict(frozen=True)


class SharedContactKeyboard(ReplyKeyboardMarkup):
    model_config = ConfigDict(frozen=True)


class SharedKeyboardRemove(ReplyKeyboardRemove):
    model_config = ConfigDict(frozen=True)


KEYBOARD_REMOVE = SharedKeyboardRemove()


def quote(text: str) -> str:
    return html_decoration.quote(text)


def inline_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return _inline_keyboard(reply.buttons)


@lru_cache(maxsize=KEYBOARDS_CACHED)
def _inline_keyboard(rows: tuple[tuple[Button, ...], ...]) -> SharedInlineKeyboard:
    return SharedInlineKeyboard(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(text=b.label, callback_data=b.action_id)
                for b in row
            ]
            for row in rows
        ]
    )


@lru_cache(maxsize=16)  # one label per language
def contact_keyboard(label: str) -> ReplyKeyboardMarkup:
    return SharedContactKeyboard(
        keyboard=[[KeyboardButton(text=label, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces whose escaped length fits `limit`, cut at line breaks where possible."""
    return [piece for piece, _ in _escaped_pieces(text, limit)]


def _escaped_pieces(text: str, limit: int = MESSAGE_LIMIT) -> list[tuple[str, str]]:
    """(piece, escaped piece) pairs of `split_text`: a text that fits is escaped only once."""
    escaped = quote(text)
    if len(escaped) <= limit:
        return [(text, escaped)]
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
    return [(piece, quote(piece)) for piece in pieces]


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
        caption, escaped_caption = _caption(text, reply.picture.caption)
        text = "" if caption == text else text
        calls.append(
            SendPhoto(
                chat_id=chat_id,
                photo=BufferedInputFile(reply.picture.png, filename="chart.png"),
                caption=escaped_caption or None,
                reply_markup=inline if not text else None,
            )
        )
        if not text:
            return calls
    pieces = _escaped_pieces(text) if text else []
    label = reply.request_contact
    contact = contact_keyboard(label) if label is not None else None
    # The question itself can carry the contact keyboard when it has no inline one.
    last_markup: Markup
    if inline is not None:
        last_markup = inline
    elif contact is not None:
        last_markup = contact
    else:
        last_markup = KEYBOARD_REMOVE
    for index, (_, escaped) in enumerate(pieces):
        markup = last_markup if index == len(pieces) - 1 else None
        calls.append(SendMessage(chat_id=chat_id, text=escaped, reply_markup=markup))
    if label is not None and (inline is not None or not pieces):
        # One message holds one keyboard: the inline one stays on the question and a short
        # hint, in the language of the button, brings up the contact keyboard.
        hint = tg_say(locale_of_label(label, language_code), "contact_hint", share=label)
        calls.append(SendMessage(chat_id=chat_id, text=quote(hint), reply_markup=contact))
    return calls


def _caption(text: str, short: str) -> tuple[str, str]:
    """The photo's caption and its escaped form: the whole text when it fits, else the
    picture's own short caption, else none."""
    for candidate in (text, short):
        escaped = quote(candidate)
        if len(escaped) <= CAPTION_LIMIT:
            return candidate, escaped
    return "", ""
