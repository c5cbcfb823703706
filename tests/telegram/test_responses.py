"""The Bot API's answer types are built once per process, not again after every collection."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import AnswerCallbackQuery, EditMessageText, Response, SendMessage

import bot.telegram  # noqa: F401 - what every process serving Telegram imports


def test_answer_types_survive_the_garbage_collector() -> None:
    for method in (SendMessage, EditMessageText, AnswerCallbackQuery):
        built = weakref.ref(Response[method.__returning__])  # as aiogram asks, inside a call
        gc.collect()
        assert built() is not None, method.__name__
