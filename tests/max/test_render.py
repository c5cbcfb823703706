"""Replies as MAX messages, and MAX updates as dialog events, without a network."""

from __future__ import annotations

from typing import Any

import pytest

from bot.max.events import (
    Converse,
    Edited,
    GroupMessage,
    Ignored,
    Started,
    Stopped,
    read_update,
)
from bot.max.render import TEXT_LIMIT, render
from dialogs.events import ChatRef, Choice, Command, ContactShared, Start, Text
from dialogs.replies import Button, Picture, Reply
from tests.max import updates

CHAT = ChatRef("max", "7301")


def keyboard(reply: Reply) -> list[list[dict[str, Any]]]:
    [message] = render(reply)
    assert message.keyboard is not None
    dumped: list[list[dict[str, Any]]] = message.keyboard.model_dump()["payload"]["buttons"]
    return dumped


def test_buttons_are_callback_buttons_in_rows_of_at_most_seven() -> None:
    digits = tuple(Button(str(n), f"kp:{n}") for n in range(10))
    rows = keyboard(Reply("keypad", buttons=(digits, (Button("Готово", "kp:ok"),))))
    assert [len(row) for row in rows] == [7, 3, 1]
    assert rows[0][0] == {"type": "callback", "text": "0", "payload": "kp:0", "intent": "default"}


def test_the_phone_request_is_a_request_contact_button_above_the_others() -> None:
    reply = Reply("Номер?", buttons=((Button("Меню", "menu"),),), request_contact="Поделиться")
    rows = keyboard(reply)
    assert rows[0] == [{"type": "request_contact", "text": "Поделиться"}]
    assert rows[1][0]["payload"] == "menu"


def test_text_is_escaped_and_a_long_one_split_with_the_keyboard_on_the_last() -> None:
    line = "Показание <45 230> & ещё"
    reply = Reply("\n".join([line] * 400), buttons=((Button("Меню", "menu"),),))
    messages = render(reply)
    assert len(messages) > 1
    assert all(len(message.text) <= TEXT_LIMIT for message in messages)
    assert all("<45" not in message.text for message in messages)
    assert "&lt;45 230&gt; &amp; ещё" in messages[0].text
    assert [message.keyboard is not None for message in messages][-1]
    assert not any(message.keyboard for message in messages[:-1])


def test_a_picture_goes_with_its_text_in_one_message() -> None:
    [message] = render(Reply("История", picture=Picture(b"\x89PNG", "График")))
    assert message.png == b"\x89PNG"
    assert message.text == "История"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("46700", Text(CHAT, "46700", "mid.1")),
        ("/start", Start(CHAT, "mid.1", language_hint="ru")),
        ("/bind 12345 678", Command(CHAT, "bind", ("12345", "678"), "mid.1")),
    ],
)
def test_typed_text(text: str, expected: object) -> None:
    incoming = read_update(updates.message_created(7301, "mid.1", text))
    assert incoming == Converse(expected)  # type: ignore[arg-type]


def test_a_press_a_start_a_stop_and_an_edit() -> None:
    press = read_update(updates.callback(7301, "cb.1", "m:bill"))
    assert press == Converse(Choice(CHAT, "m:bill", "cb.1"), callback_id="cb.1")
    started = read_update(updates.bot_started(7301, locale="en-US"))
    assert isinstance(started, Started)
    assert started.event.language_hint == "en"
    assert read_update(updates.bot_stopped(7301)) == Stopped(CHAT)
    edit = read_update(updates.message_edited(7301, "mid.9", "1"))
    assert isinstance(edit, Edited)
    assert edit.update_id.startswith("edited:mid.9:")


def test_a_contact_is_the_senders_own_only_when_max_says_it_is_theirs() -> None:
    own = read_update(updates.contact(7301, "mid.2", "+79990000001", owner=7301))
    other = read_update(updates.contact(7301, "mid.3", "+79990000001", owner=7302))
    card = read_update(updates.contact(7301, "mid.4", "+79990000001", owner=None))
    assert own == Converse(ContactShared(CHAT, "+79990000001", True, "mid.2"))
    assert other == Converse(ContactShared(CHAT, "+79990000001", False, "mid.3"))
    assert card == Converse(ContactShared(CHAT, "+79990000001", False, "mid.4"))


def test_groups_other_types_and_garbage() -> None:
    group = read_update(updates.message_created(7301, "mid.5", "hi", group=-5))
    assert group == GroupMessage(-5, "mid.5", "ru")
    assert isinstance(read_update({"update_type": "chat_title_changed"}), Ignored)
    assert isinstance(read_update({"update_type": "something_new", "timestamp": 1}), Ignored)
    assert isinstance(read_update([1, 2]), Ignored)
    sticker = updates.message_created(7301, "mid.6", None, [{"type": "sticker", "payload": {}}])
    assert read_update(sticker) == Converse(Text(CHAT, "", "mid.6"))
