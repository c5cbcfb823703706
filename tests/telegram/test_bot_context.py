"""Every parsed or built Telegram object knows its bot after the one-call set-up, as it did
under pydantic's wrappers, and a model with a private attribute of its own keeps them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject, Update
from pydantic import PrivateAttr

from bot.config import Settings
from bot.telegram import build_bot
from bot.telegram.bot_context import bot_from_context, flatten
from tests.telegram import updates


def objects(value: Any) -> Iterator[TelegramObject]:
    """`value` and every Telegram object inside it."""
    if isinstance(value, TelegramObject):
        yield value
        for field in type(value).model_fields:
            yield from objects(getattr(value, field))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from objects(item)


def test_a_parsed_press_and_everything_in_it_know_their_bot(settings: Settings) -> None:
    bot = build_bot(settings)  # as every Telegram process builds its bots
    raw = updates.press(7, 3001, "m:bill")
    raw["callback_query"]["message"]["reply_markup"] = {
        "inline_keyboard": [[{"text": "Мой счёт", "callback_data": "m:bill"}]]
    }
    update = Update.model_validate(raw, context={"bot": bot})
    found = list(objects(update))
    names = {type(found_object).__name__ for found_object in found}
    assert {"Update", "CallbackQuery", "User", "Message", "Chat", "InlineKeyboardButton"} <= names
    for parsed in found:
        assert type(parsed).model_post_init is bot_from_context, type(parsed).__name__
        assert parsed.__pydantic_private__ == {"_bot": bot}, type(parsed).__name__
        assert parsed.bot is bot
    copied = update.model_copy()
    assert copied.bot is bot
    assert copied.as_(None).bot is None


def test_objects_built_without_a_bot_keep_none(settings: Settings) -> None:
    build_bot(settings)
    button = InlineKeyboardButton(text="1", callback_data="kp:1")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[button]])
    call = SendMessage(chat_id=1, text="hi", reply_markup=keyboard)
    for built in (button, keyboard, call):
        assert built.__pydantic_private__ == {"_bot": None}


class Noted(TelegramObject):
    """A model with a private attribute besides its bot."""

    _note: str = PrivateAttr(default="kept")


def test_a_model_with_more_private_attributes_keeps_pydantics_set_up() -> None:
    flatten()
    assert Noted.model_post_init is not bot_from_context
    noted = Noted.model_validate({}, context={"bot": "the bot"})
    assert noted.__pydantic_private__ == {"_bot": "the bot", "_note": "kept"}


def test_flattening_again_changes_nothing() -> None:
    flatten()
    assert flatten() == 0
