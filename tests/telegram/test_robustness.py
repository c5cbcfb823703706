"""Throttling, retries, the reminder sender's outcomes, the commands menu, text splitting."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, SendMessage

from bot.channel_runtime import webhook_url_of
from bot.channels import SendOutcome
from bot.config import Settings
from bot.telegram import TelegramSender, set_commands
from bot.telegram.render import MESSAGE_LIMIT, quote, split_text
from bot.telegram.retry import RetryRequests
from dialogs.replies import Reply
from tests.telegram import updates
from tests.telegram.conftest import FakeClock
from tests.telegram.fakes import FakeEngine
from tests.telegram.recording import TOKEN, RecordingSession

FLOODER = 2001
NEIGHBOUR = 2002
SEND = SendMessage(chat_id=1, text="x")


async def test_a_flooding_chat_gets_one_notice_and_cannot_starve_others(
    feed: Any, engine: FakeEngine, session: RecordingSession, throttle_clock: FakeClock
) -> None:
    for update_id in range(1, 61):
        await feed(updates.message(update_id, FLOODER, f"спам {update_id}"))
    await feed(updates.message(100, NEIGHBOUR, "45230"))
    flooder = [e for e in engine.events if e.chat.user_id == str(FLOODER)]
    assert len(flooder) == 20  # the burst; the other 40 dropped before the dialog
    assert [e.chat.user_id for e in engine.events][-1] == str(NEIGHBOUR)
    notices = [c for c in session.sent() if "Слишком много" in c.text]
    assert len(notices) == 1
    throttle_clock.now += 1.0  # two tokens back: the flooder is heard again, no new notice
    await feed(updates.message(200, FLOODER, "ещё"))
    assert engine.events[-1].chat.user_id == str(FLOODER)
    throttle_clock.now += 0.01
    for update_id in range(201, 205):
        await feed(updates.message(update_id, FLOODER, "ещё"))
    assert len([c for c in session.sent() if "Слишком много" in c.text]) == 1


async def test_a_users_next_update_waits_for_the_one_in_hand_and_others_do_not(
    dp: Any, bot: Bot, engine: FakeEngine
) -> None:
    engine.gate = asyncio.Event()  # the dialog holds every update until released
    first = asyncio.create_task(dp.feed_raw_update(bot, updates.message(1, FLOODER, "45230")))
    second = asyncio.create_task(dp.feed_raw_update(bot, updates.message(2, FLOODER, "21100")))
    neighbour = asyncio.create_task(dp.feed_raw_update(bot, updates.message(3, NEIGHBOUR, "1")))
    async with asyncio.timeout(2):
        while len(engine.events) < 2:  # noqa: ASYNC110 - FakeEngine has no event to await
            await asyncio.sleep(0.001)
    for _ in range(20):  # ample chances for the second update to overtake, were it free to
        await asyncio.sleep(0)
    # the first update and the neighbour's reached the dialog; the second waits its turn
    assert [e.update_id for e in engine.events] == ["1", "3"]
    engine.gate.set()
    await asyncio.gather(first, second, neighbour)
    assert [e.update_id for e in engine.events] == ["1", "3", "2"]


def retrying_bot(session: RecordingSession, sleeps: list[float]) -> Bot:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    session.middleware(RetryRequests(sleep=sleep))
    return Bot(TOKEN, session=session)


async def test_network_errors_5xx_and_retry_after_are_retried() -> None:
    session, sleeps = RecordingSession(), list[float]()
    bot = retrying_bot(session, sleeps)
    session.script(
        TelegramNetworkError(SEND, "ClientConnectorError"),
        TelegramServerError(SEND, "Internal Server Error"),
        TelegramRetryAfter(SEND, "Too Many Requests", retry_after=3),
    )
    message = await bot.send_message(1, "x")
    assert message.text == "x"
    assert session.names() == ["sendMessage"] * 4
    assert sleeps[2] == 3.0
    assert 0 < sleeps[0] < sleeps[1]


async def test_retries_give_up_and_long_bans_are_not_waited_out() -> None:
    session, sleeps = RecordingSession(), list[float]()
    bot = retrying_bot(session, sleeps)
    session.script(*(TelegramServerError(SEND, "Bad Gateway") for _ in range(4)))
    with pytest.raises(TelegramServerError):
        await bot.send_message(1, "x")
    assert len(session.calls) == 4
    session.script(TelegramRetryAfter(SEND, "Flood", retry_after=3600))
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "x")
    session.script(TelegramServerError(SEND, "Bad Gateway"))
    with pytest.raises(TelegramServerError):
        await bot(GetUpdates())  # polling has a backoff of its own


@pytest.mark.parametrize(
    ("error", "outcome", "permanent"),
    [
        pytest.param(None, SendOutcome.SENT, False, id="sent"),
        pytest.param(
            TelegramRetryAfter(SEND, "Too Many Requests", retry_after=7),
            SendOutcome.RETRY_AFTER,
            False,
            id="429",
        ),
        pytest.param(
            TelegramForbiddenError(SEND, "Forbidden: bot was blocked by the user"),
            SendOutcome.BLOCKED,
            True,
            id="blocked",
        ),
        pytest.param(
            TelegramServerError(SEND, "Bad Gateway"), SendOutcome.FAILED, False, id="5xx"
        ),
        pytest.param(
            TelegramNetworkError(SEND, "timeout"), SendOutcome.FAILED, False, id="network"
        ),
        pytest.param(
            TelegramBadRequest(SEND, "Bad Request: chat not found"),
            SendOutcome.FAILED,
            True,
            id="chat-not-found",
        ),
    ],
)
async def test_reminder_sender_outcomes_without_retrying_in_place(
    bot: Bot,
    session: RecordingSession,
    settings: Settings,
    error: Exception | None,
    outcome: SendOutcome,
    permanent: bool,
) -> None:
    sender = TelegramSender(bot, settings)
    if error is not None:
        session.script(error)
    result = await sender.send("3003", [Reply("Приём показаний открыт")])
    assert (result.outcome, result.permanent) == (outcome, permanent)
    assert len(session.calls) == 1  # the campaign paces and retries itself
    if outcome is SendOutcome.RETRY_AFTER:
        assert result.retry_after == 7
    assert sender.messages_per_second == 30


async def test_commands_menu_in_russian_by_default_and_in_english(
    bot: Bot, session: RecordingSession
) -> None:
    await set_commands(bot)
    default, english = session.calls
    assert default.language_code is None
    assert english.language_code == "en"
    assert [c.command for c in default.commands] == [c.command for c in english.commands]
    assert "submit" in [c.command for c in default.commands]
    assert default.commands[0].description == "Передать показания"
    assert english.commands[0].description == "Submit readings"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\n".join(f"строка {i} & <b>" for i in range(900)), id="lines"),
        pytest.param("&" * 9000, id="one-line-of-entities"),
        pytest.param("слово " * 2000, id="words"),
    ],
)
def test_split_text_fits_the_limit_after_escaping(text: str) -> None:
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(quote(piece)) <= MESSAGE_LIMIT for piece in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


@pytest.mark.parametrize(
    ("webhook_url", "expected"),
    [
        pytest.param(
            "https://bot.example.org", "https://bot.example.org/telegram/webhook", id="origin"
        ),
        pytest.param(
            "https://bot.example.org/",
            "https://bot.example.org/telegram/webhook",
            id="origin-slash",
        ),
        pytest.param(
            "https://bot.example.org/telegram/webhook",
            "https://bot.example.org/telegram/webhook",
            id="full-url",
        ),
        pytest.param("", "", id="unset"),
    ],
)
def test_webhook_url_is_the_origin_plus_the_path(webhook_url: str, expected: str) -> None:
    settings = Settings(telegram={"token": TOKEN, "webhook_url": webhook_url})  # type: ignore[arg-type]
    assert (
        webhook_url_of(settings.telegram.webhook_url, settings.telegram.webhook_path) == expected
    )
