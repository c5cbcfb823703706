"""The JSON session against the Bot API emulator: what goes out, and what comes back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    EditMessageText,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
)

from bot.telegram.render import inline_keyboard
from bot.telegram.retry import no_retry
from bot.telegram.session import JsonSession, json_params, results_unread
from dialogs.replies import Button, Reply
from tests.telegram.emulator import BotApiEmulator
from tests.telegram.recording import TOKEN

KEYPAD = tuple(tuple(Button(str(3 * r + c), f"k:{3 * r + c}") for c in range(3)) for r in range(3))


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, BotApiEmulator]]:
    api = BotApiEmulator()
    base = await api.start()
    session = JsonSession(api=TelegramAPIServer.from_base(base))
    made = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        yield made, api
    finally:
        await session.close()
        await api.close()


def keypad_as_aiogram_builds_it() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.action_id) for b in row]
            for row in KEYPAD
        ]
    )


def test_a_shared_keyboard_goes_out_as_aiogram_would_send_it(bot: tuple[Bot, object]) -> None:
    made, _ = bot
    shared = inline_keyboard(Reply("?", buttons=KEYPAD))
    assert shared is not None
    assert shared.model_config.get("frozen")
    ours = SendMessage(chat_id=7, text="Введите показание", reply_markup=shared)
    theirs = SendMessage(
        chat_id=7, text="Введите показание", reply_markup=keypad_as_aiogram_builds_it()
    )

    first = json_params(made.session, made, ours)
    again = json_params(made.session, made, ours)

    assert first == json_params(made.session, made, theirs)
    assert first is not None
    assert again is not None
    assert first["parse_mode"] == "HTML"  # the bot's default, resolved as for any call
    assert again["reply_markup"] is first["reply_markup"]  # turned into JSON once
    other = inline_keyboard(Reply("?", buttons=KEYPAD[:1]))
    assert other is not None
    rows = json_params(made.session, made, SendMessage(chat_id=7, text="?", reply_markup=other))
    assert rows is not None
    assert len(rows["reply_markup"]["inline_keyboard"]) == 1


@pytest.mark.parametrize(
    "method",
    [
        SendMessage(chat_id=7, text="<b>Счёт</b>"),
        SendMessage(
            chat_id="@channel",
            text="Поделитесь номером",
            parse_mode=None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="Номер", request_contact=True)]],
                one_time_keyboard=True,
            ),
        ),
        EditMessageText(
            chat_id=7, message_id=5, text="1", reply_markup=keypad_as_aiogram_builds_it()
        ),
        BanChatMember(chat_id=7, user_id=8, until_date=datetime(2027, 1, 1, tzinfo=UTC)),
        AnswerCallbackQuery(callback_query_id="cb1"),
    ],
    ids=["plain", "nested-objects", "edit", "date", "bare"],
)
def test_every_call_goes_out_as_aiogram_would_encode_it(
    bot: tuple[Bot, object], method: TelegramMethod[Any]
) -> None:
    made, _ = bot
    reference = made.session.prepare_value(
        method.model_dump(warnings=False), bot=made, files={}, _dumps_json=False
    )
    assert json_params(made.session, made, method) == reference


def test_a_call_that_uploads_a_file_has_no_json_form(bot: tuple[Bot, object]) -> None:
    made, _ = bot
    upload = SendPhoto(chat_id=7, photo=BufferedInputFile(b"png", "chart.png"), caption="График")
    assert json_params(made.session, made, upload) is None


async def test_a_call_whose_result_is_read_gets_the_message(
    bot: tuple[Bot, BotApiEmulator],
) -> None:
    made, api = bot
    sent = await made.send_message(7, "Показания приняты")
    assert isinstance(sent, Message)
    assert sent.text == "Показания приняты"
    assert [c.method for c in api.calls] == ["sendMessage"]


async def test_unread_results_are_not_built_and_failures_still_raise(
    bot: tuple[Bot, BotApiEmulator],
) -> None:
    made, api = bot
    with results_unread():
        assert await made.send_message(7, "Показания приняты") is None
        api.fail("sendMessage", 400, "Bad Request: message is not modified")
        with pytest.raises(TelegramBadRequest, match="not modified"):
            await made.send_message(7, "again")
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        with no_retry(), pytest.raises(TelegramForbiddenError):
            await made.send_message(7, "and again")
    # Outside the block results are built again.
    assert isinstance(await made.send_message(7, "after"), Message)
    assert next(c.text for c in api.called("sendMessage")) == "Показания приняты"


@pytest.mark.parametrize(
    ("answer", "succeeded"),
    [
        ('{"ok":true,"result":{"message_id":1,"text":"Меню","reply_markup":{}}}', True),
        ('{"ok": true, "result": true}', True),
        ('{"ok":true,"result":{"message_id":1,"te', True),  # by its opening: the rest unread
        ('{"result":true,"ok":true}', True),  # another order: read whole
        ('{"ok":false,"error_code":400,"description":"Bad Request"}', False),
        ('{"ok":"true"}', False),
        ("Bad Gateway", False),
    ],
)
def test_an_answer_says_ok_by_its_opening_or_else_when_read_whole(
    answer: str, succeeded: bool
) -> None:
    assert JsonSession()._succeeded(answer) is succeeded
