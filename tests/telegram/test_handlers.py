"""Updates in, exact Bot API calls out: each handler translates and renders, nothing more."""

from __future__ import annotations

import html
import logging
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from pydantic import ValidationError

from dialogs.events import ChatRef, Choice, Command, ContactShared, Start, Text
from dialogs.replies import Button, Picture, Reply
from storage.base import ChatProfile
from tests.telegram import updates
from tests.telegram.fakes import FakeEngine, FakeStorage
from tests.telegram.recording import RecordingSession

ALICE = 1001
BOB = 1002
MENU = Reply("Главное меню", ((Button("Передать показания", "m:submit"),),))


def callback_data(markup: Any) -> list[list[str | None]]:
    assert isinstance(markup, InlineKeyboardMarkup)
    return [[button.callback_data for button in row] for row in markup.inline_keyboard]


async def test_start_becomes_start_with_update_id_and_language(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    engine.answer([MENU])
    await feed(updates.message(7, ALICE, "/start", lang="en-GB"))
    assert engine.events == [Start(ChatRef("telegram", str(ALICE)), "7", language_hint="en")]
    [call] = session.calls
    assert isinstance(call, SendMessage)
    assert (call.chat_id, call.text) == (ALICE, "Главное меню")
    assert callback_data(call.reply_markup) == [["m:submit"]]


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        pytest.param("/bind 12345-678-90 0012345", "bind", ("12345-678-90", "0012345"), id="args"),
        pytest.param("/bill@meter_test_bot", "bill", (), id="bot-suffix"),
        pytest.param("/submit  45230   21100", "submit", ("45230", "21100"), id="spaces"),
    ],
)
async def test_other_commands_become_command(
    feed: Any, engine: FakeEngine, text: str, name: str, args: tuple[str, ...]
) -> None:
    await feed(updates.message(8, ALICE, text))
    assert engine.events == [Command(ChatRef("telegram", str(ALICE)), name, args, "8")]


async def test_text_is_escaped_and_removes_a_reply_keyboard(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    engine.answer([Reply("Адрес: <Утренняя> & 8А")])
    await feed(updates.message(9, ALICE, "12345-678-90 <b>"))
    assert engine.events == [Text(ChatRef("telegram", str(ALICE)), "12345-678-90 <b>", "9")]
    [call] = session.calls
    assert call.text == "Адрес: &lt;Утренняя&gt; &amp; 8А"
    assert isinstance(call.reply_markup, ReplyKeyboardRemove)


async def test_press_answers_the_callback_then_edits_in_place(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    keypad = Reply("Т1: 4_", ((Button("5", "kp:5"), Button("OK", "kp:ok")),))
    engine.answer([keypad])
    await feed(updates.press(10, ALICE, "kp:4", message_id=777))
    assert engine.events == [Choice(ChatRef("telegram", str(ALICE)), "kp:4", "10")]
    assert session.names() == ["answerCallbackQuery", "editMessageText"]
    edit = session.calls[1]
    assert isinstance(edit, EditMessageText)
    assert (edit.chat_id, edit.message_id, edit.text) == (ALICE, 777, "Т1: 4_")
    assert callback_data(edit.reply_markup) == [["kp:5", "kp:ok"]]


async def test_press_with_an_unchanged_answer_sends_nothing_more(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    engine.answer([MENU])
    session.script(True, TelegramBadRequest(EditMessageText(text="x"), "message is not modified"))
    await feed(updates.press(11, ALICE, "kp:del"))
    assert session.names() == ["answerCallbackQuery", "editMessageText"]


async def test_a_press_answered_too_late_still_reaches_the_dialog(
    feed: Any, engine: FakeEngine, session: RecordingSession, caplog: pytest.LogCaptureFixture
) -> None:
    # A press that waited its turn behind a slow update may outlive Telegram's few seconds for
    # answering it; the spinner is gone by then, but what the resident chose still counts.
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    session.script(TelegramBadRequest(AnswerCallbackQuery(callback_query_id="q"), too_old))
    engine.answer([Reply("Принято")])
    with caplog.at_level(logging.INFO):
        await feed(updates.press(13, ALICE, "sub:ok"))
    assert engine.events == [Choice(ChatRef("telegram", str(ALICE)), "sub:ok", "13")]
    assert session.names() == ["answerCallbackQuery", "sendMessage"]
    assert session.calls[1].text == "Принято"
    assert "query is too old" in caplog.text


async def test_press_whose_answer_keeps_the_pressed_message_sends_it_anew(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    buttons = ((Button("Мой счёт", "m:bill"),),)
    engine.answer([Reply("Эти показания уже приняты", buttons, keep_pressed=True)])
    await feed(updates.press(14, ALICE, "sub:ok", message_id=777))
    assert session.names() == ["answerCallbackQuery", "sendMessage"]  # the receipt stays
    assert callback_data(session.calls[1].reply_markup) == [["m:bill"]]


async def test_press_with_several_replies_sends_them_anew(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    engine.answer([Reply("Принято"), MENU])
    await feed(updates.press(12, ALICE, "sub:ok"))
    assert session.names() == ["answerCallbackQuery", "sendMessage", "sendMessage"]
    assert [c.text for c in session.calls[1:]] == ["Принято", "Главное меню"]


@pytest.mark.parametrize(
    ("caption", "text"),
    [
        pytest.param("счётчик <Т1>", "счётчик <Т1>", id="caption"),
        pytest.param(None, "", id="bare"),
    ],
)
async def test_a_picture_becomes_text_of_its_caption(
    feed: Any, engine: FakeEngine, caption: str | None, text: str
) -> None:
    await feed(updates.photo(24, ALICE, caption))
    assert engine.events == [Text(ChatRef("telegram", str(ALICE)), text, "24")]


async def test_an_edited_message_is_answered_with_a_hint_once(
    feed: Any, engine: FakeEngine, session: RecordingSession, storage: FakeStorage
) -> None:
    await feed(updates.edited(27, ALICE, "46701"))
    await feed(updates.edited(27, ALICE, "46701"))  # redelivered
    storage.profiles[ChatRef("telegram", str(BOB))] = ChatProfile(
        ChatRef("telegram", str(BOB)), locale="en"
    )
    await feed(updates.edited(28, BOB, "46701"))

    assert engine.events == []  # the dialog's step has moved on: nothing re-read
    assert [(c.chat_id, c.text) for c in session.calls] == [
        (ALICE, "Исправленные сообщения я не перечитываю. Отправьте, пожалуйста, верное значение "
         "новым сообщением."),
        (BOB, "I do not read edited messages again. Please send the correct value as a new "
         "message."),
    ]  # fmt: skip


async def test_the_same_buttons_share_one_keyboard_that_nobody_can_alter(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    engine.answer([MENU], [Reply("Другой текст", MENU.buttons)])
    await feed(updates.message(25, ALICE, "меню"))
    await feed(updates.message(26, BOB, "меню"))
    first, second = (call.reply_markup for call in session.calls)
    assert first is second
    with pytest.raises(ValidationError):
        first.inline_keyboard = []
    assert callback_data(second) == [["m:submit"]]


@pytest.mark.parametrize(
    ("owner", "is_own"),
    [
        pytest.param(ALICE, True, id="own"),
        pytest.param(BOB, False, id="someone-else"),
        pytest.param(None, False, id="typed-in-card"),
    ],
)
async def test_contact_is_own_only_with_the_senders_user_id(
    feed: Any, engine: FakeEngine, owner: int | None, is_own: bool
) -> None:
    await feed(updates.contact(13, ALICE, "+79990000001", owner_id=owner))
    assert engine.events == [
        ContactShared(ChatRef("telegram", str(ALICE)), "+79990000001", is_own, "13")
    ]


async def test_request_contact_without_buttons_is_one_message(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    engine.answer([Reply("Введите номер счёта", request_contact="Поделиться номером")])
    await feed(updates.message(14, ALICE, "/bind"))
    [call] = session.calls
    markup = call.reply_markup
    assert isinstance(markup, ReplyKeyboardMarkup)
    assert markup.one_time_keyboard is True
    [[button]] = markup.keyboard
    assert (button.text, button.request_contact) == ("Поделиться номером", True)


async def test_request_contact_with_buttons_adds_a_hint_in_the_buttons_language(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    ask = Reply("Enter the account", ((Button("Main menu", "menu"),),), "Share my number")
    engine.answer([ask])
    await feed(updates.message(15, ALICE, "/bind"))  # a Russian client that chose English
    first, second = session.calls
    assert callback_data(first.reply_markup) == [["menu"]]
    assert second.text == "The “Share my number” button is below the input field."
    assert isinstance(second.reply_markup, ReplyKeyboardMarkup)


async def test_picture_is_sent_as_a_photo_with_an_escaped_caption(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    png = b"\x89PNG fake"
    engine.answer(
        [
            Reply(
                "Расход <кВт·ч>",
                ((Button("Меню", "menu"),),),
                None,
                Picture(png, "Расход <кВт·ч>"),
            )
        ]
    )
    await feed(updates.message(16, ALICE, "/history"))
    [photo] = session.calls
    assert photo.__api_method__ == "sendPhoto"
    assert isinstance(photo.photo, BufferedInputFile)
    assert photo.photo.data == png
    assert photo.caption == "Расход &lt;кВт·ч&gt;"
    assert callback_data(photo.reply_markup) == [["menu"]]


async def test_long_text_is_split_and_the_buttons_go_last(
    feed: Any, engine: FakeEngine, session: RecordingSession
) -> None:
    lines = [f"{i:04d} <строка> истории & показаний" for i in range(400)]
    engine.answer([Reply("\n".join(lines), ((Button("Меню", "menu"),),))])
    await feed(updates.message(17, ALICE, "/history"))
    assert len(session.calls) >= 3
    assert all(len(call.text) <= 4096 for call in session.calls)
    assert [call.reply_markup is not None for call in session.calls][-1] is True
    assert all(call.reply_markup is None for call in session.calls[:-1])
    shown = "\n".join(call.text for call in session.calls)
    assert shown == html.escape("\n".join(lines), quote=False)


async def test_group_gets_one_refusal_and_the_bot_leaves(
    feed: Any, engine: FakeEngine, storage: FakeStorage, session: RecordingSession
) -> None:
    group = -100500
    await feed(updates.message(18, ALICE, "/start", chat_id=group, kind="supergroup"))
    await feed(updates.message(18, ALICE, "/start", chat_id=group, kind="supergroup"))  # again
    assert engine.events == []
    assert session.names() == ["sendMessage", "leaveChat"]
    assert session.calls[0].chat_id == group
    assert "личной переписке" in session.calls[0].text


async def test_handler_error_becomes_a_polite_reply_and_a_log_line(
    feed: Any, engine: FakeEngine, session: RecordingSession, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(_: object) -> None:
        raise RuntimeError("disk on fire")

    engine.on_event = explode
    with caplog.at_level(logging.ERROR, logger="bot.telegram"):
        await feed(updates.message(19, ALICE, "привет", lang="en"))
    [call] = session.calls
    assert call.chat_id == ALICE
    assert call.text.startswith("Something went wrong")
    assert any(
        "update 19" in r.getMessage() and "disk on fire" in r.getMessage() for r in caplog.records
    )


async def test_blocked_resident_is_marked(
    feed: Any, storage: FakeStorage, session: RecordingSession
) -> None:
    session.script(
        TelegramForbiddenError(
            SendMessage(chat_id=ALICE, text="x"), "Forbidden: bot was blocked by the user"
        )
    )
    await feed(updates.message(20, ALICE, "привет"))
    assert storage.blocked == {ChatRef("telegram", str(ALICE)): True}


@pytest.mark.parametrize(("status", "blocked"), [("kicked", True), ("member", False)])
async def test_blocking_and_unblocking_the_bot(
    feed: Any, storage: FakeStorage, engine: FakeEngine, status: str, blocked: bool
) -> None:
    chat = ChatRef("telegram", str(ALICE))
    storage.profiles[chat] = ChatProfile(chat, blocked=not blocked)
    await feed(updates.membership(21, ALICE, status))
    assert storage.blocked == {chat: blocked}
    assert engine.events == []  # nothing for the conversation to answer


async def test_a_newcomer_opening_the_chat_gets_no_profile_before_their_first_message(
    feed: Any, storage: FakeStorage
) -> None:
    # Telegram reports the opening of a new private chat as a membership change just before
    # the /start: the profile is made by the /start, in the client's language.
    await feed(updates.membership(21, ALICE, "member"))
    assert storage.blocked == {}
