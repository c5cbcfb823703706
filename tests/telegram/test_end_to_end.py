"""Both modes against the Bot API emulator on 127.0.0.1, with the real dialog engine on SQLite."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.config import DEFAULTS_FILE, Settings, TelegramSettings, load_settings
from bot.demo import seed_demo
from bot.telegram import start_telegram
from bot.telegram.webhook import trim_pressed_message
from bot.wiring import build_engine
from dialogs.texts import say
from storage.base import Storage, open_storage
from tests.telegram import updates
from tests.telegram.emulator import BotApiEmulator
from tests.telegram.fakes import FakeEngine
from tests.telegram.recording import TOKEN
from tests.telegram.updates import OPEN_DAY

ALICE = 3001
BOB = 3002
SECRET = "s3cret-token_for-webhook"


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    api = BotApiEmulator()
    api.base_url = await api.start()  # type: ignore[attr-defined]
    try:
        yield api
    finally:
        await api.close()


def settings_for(api_base: str, tmp_path: Path, **telegram: Any) -> Settings:
    base = load_settings(DEFAULTS_FILE)
    tg = TelegramSettings(token=SecretStr(TOKEN), api_base=api_base, **telegram)
    storage = base.storage.model_copy(update={"url": f"sqlite:///{tmp_path}/tg.sqlite3"})
    return base.model_copy(update={"telegram": tg, "storage": storage})


@pytest.fixture
def settings(emulator: BotApiEmulator, tmp_path: Path) -> Settings:
    return settings_for(emulator.base_url, tmp_path)  # type: ignore[attr-defined]


@pytest.fixture
async def storage(settings: Settings) -> AsyncIterator[Storage]:
    opened = await open_storage(settings.storage.url)
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


async def test_polling_conversation_with_menu_contact_and_commands(
    emulator: BotApiEmulator, settings: Settings, storage: Storage
) -> None:
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    runtime = await start_telegram(settings, engine, web.Application())
    try:
        emulator.push(updates.message(1, ALICE, "/start"))
        await emulator.wait_for(lambda: emulator.sent_to(ALICE))
        welcome = emulator.sent_to(ALICE)[0]
        assert welcome.text.startswith("Здравствуйте!")
        buttons = welcome.params["reply_markup"]["inline_keyboard"]
        assert buttons[0][0]["callback_data"] == "consent:yes"
        emulator.push(updates.press(2, ALICE, "consent:yes"))
        # thanks and the account question in one message with a "menu" button, then the
        # contact keyboard's hint
        await emulator.wait_for(lambda: len(emulator.sent_to(ALICE)) == 3)
        question = emulator.sent_to(ALICE)[1]
        assert question.text.startswith("Спасибо! Согласие получено.\nВведите номер лицевого")
        hint = emulator.sent_to(ALICE)[2].params["reply_markup"]
        assert hint["keyboard"] == [[{"text": "Поделиться номером", "request_contact": True}]]
        emulator.push(updates.contact(3, ALICE, "+79990000001", owner_id=ALICE + 1))
        not_own = say("ru", "bind_phone_not_own", share="Поделиться номером")
        await emulator.wait_for(lambda: len(emulator.sent_to(ALICE)) == 5)
        assert emulator.sent_to(ALICE)[3].text == not_own
        assert await storage.bindings(updates_chat(ALICE)) == []
    finally:
        await runtime.stop()
    assert emulator.called("deleteWebhook")
    menus = emulator.called("setMyCommands")
    assert [m.params.get("language_code") for m in menus] == [None, "en"]
    assert [c.method for c in emulator.called("answerCallbackQuery")] == ["answerCallbackQuery"]


async def test_a_residents_updates_in_one_batch_are_handled_in_order(
    emulator: BotApiEmulator, settings: Settings, storage: Storage
) -> None:
    # Polling hands each update of a batch to a task of its own; a press waits for its
    # answerCallbackQuery, and the contact sent after it must not overtake it.
    emulator.slow("answerCallbackQuery", 0.3)
    emulator.push(updates.message(1, ALICE, "/start"))
    emulator.push(updates.press(2, ALICE, "consent:yes"))
    emulator.push(updates.contact(3, ALICE, "+79990000001", owner_id=ALICE))
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    runtime = await start_telegram(settings, engine, web.Application())
    try:
        await emulator.wait_for(lambda: len(emulator.sent_to(ALICE)) >= 4)
        await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
    texts = [call.text for call in emulator.sent_to(ALICE)]
    assert texts[0].startswith("Здравствуйте!")
    assert texts[1].startswith(say("ru", "consent_given") + "\n")
    assert "Готово: лицевой счёт 12345-678-90" in texts[3]
    assert len(texts) == 4
    assert len(await storage.bindings(updates_chat(ALICE))) == 1


def updates_chat(user_id: int) -> Any:
    from dialogs.events import ChatRef

    return ChatRef("telegram", str(user_id))


async def test_an_update_redelivered_after_a_restart_is_handled_once(
    emulator: BotApiEmulator, settings: Settings, storage: Storage
) -> None:
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    runtime = await start_telegram(settings, engine, web.Application())
    emulator.push(updates.message(1, ALICE, "/start"))
    await emulator.wait_for(lambda: emulator.sent_to(ALICE))
    await runtime.stop()
    emulator.confirmed = 0  # the confirming getUpdates never reached Telegram
    restarted = await start_telegram(settings, engine, web.Application())
    try:
        emulator.push(updates.message(2, ALICE, "/help"))
        await emulator.wait_for(lambda: len(emulator.sent_to(ALICE)) >= 2)
        await asyncio.sleep(0.1)
    finally:
        await restarted.stop()
    texts = [call.text for call in emulator.sent_to(ALICE)]
    assert len(texts) == 2
    assert texts[0].startswith("Здравствуйте!")
    assert "/submit" in texts[1]


async def test_429_and_5xx_from_the_bot_api_are_retried_and_delivered_once(
    emulator: BotApiEmulator, settings: Settings, storage: Storage
) -> None:
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    runtime = await start_telegram(settings, engine, web.Application())
    try:
        emulator.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        emulator.fail("sendMessage", 502, "Bad Gateway")
        emulator.push(updates.message(1, ALICE, "/help"))
        await emulator.wait_for(lambda: len(emulator.called("sendMessage")) >= 3, seconds=8)
    finally:
        await runtime.stop()
    statuses = emulator.called("sendMessage")
    assert len(statuses) == 3  # two refused, then delivered
    assert statuses[0].text == statuses[2].text
    assert "/submit" in statuses[2].text


async def test_shutdown_finishes_the_update_in_flight(
    emulator: BotApiEmulator, settings: Settings
) -> None:
    engine = FakeEngine()
    engine.gate = asyncio.Event()
    runtime = await start_telegram(settings, engine, web.Application())
    emulator.push(updates.message(1, ALICE, "привет"))
    await emulator.wait_for(lambda: engine.events)
    stopping = asyncio.create_task(runtime.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()  # waiting for the update, not cutting it off
    engine.gate.set()
    await stopping
    assert [c.text for c in emulator.sent_to(ALICE)] == ["ок"]


@pytest.fixture
async def webhook(
    emulator: BotApiEmulator, tmp_path: Path, storage: Storage
) -> AsyncIterator[tuple[Any, TestServer, Storage, Settings]]:
    settings = settings_for(
        emulator.base_url,
        tmp_path,
        mode="webhook",  # type: ignore[attr-defined]
        webhook_secret=SecretStr(SECRET),
        webhook_url="https://bot.example.org",
    )
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    app = web.Application()
    runtime = await start_telegram(settings, engine, app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield runtime, server, storage, settings
    finally:
        await server.close()
        await runtime.stop()


async def post(server: TestServer, update: dict[str, Any], secret: str | None) -> int:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            server.make_url("/telegram/webhook"), json=update, headers=headers
        ) as response,
    ):
        return response.status


async def test_webhook_registers_and_serves_with_the_secret(
    emulator: BotApiEmulator, webhook: Any
) -> None:
    runtime, server, _, _ = webhook
    assert await runtime.register_webhook()
    [registered] = emulator.called("setWebhook")
    assert registered.params["url"] == "https://bot.example.org/telegram/webhook"
    assert registered.params["secret_token"] == SECRET
    assert "callback_query" in registered.params["allowed_updates"]
    assert await post(server, updates.message(40, ALICE, "/start"), SECRET) == 200
    assert emulator.sent_to(ALICE)[0].text.startswith("Здравствуйте!")
    assert await post(server, updates.message(40, ALICE, "/start"), SECRET) == 200  # redelivery
    assert len(emulator.sent_to(ALICE)) == 1


async def answer_to(server: TestServer, update: dict[str, Any]) -> dict[str, Any]:
    """The webhook's answer to `update`, posted with the secret."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with (
        aiohttp.ClientSession() as client,
        client.post(server.make_url("/telegram/webhook"), json=update, headers=headers) as answer,
    ):
        assert answer.status == 200
        document: dict[str, Any] = await answer.json()
        return document


CONSENT_KEYBOARD = [[("Согласен(на)", "consent:yes"), ("Подробнее", "consent:info")]]


@pytest.mark.parametrize(
    "keyboard", [None, CONSENT_KEYBOARD], ids=["bare", "with-the-pressed-keyboard"]
)
async def test_webhook_answers_a_press_in_its_response_after_the_reply(
    emulator: BotApiEmulator, webhook: Any, keyboard: list[list[tuple[str, str]]] | None
) -> None:
    _, server, _, _ = webhook
    assert await answer_to(server, updates.message(80, ALICE, "/start")) == {}
    answer = await answer_to(server, updates.press(81, ALICE, "consent:yes", keyboard=keyboard))
    assert answer == {"method": "answerCallbackQuery", "callback_query_id": "cb81"}
    assert emulator.called("answerCallbackQuery") == []  # no call of its own
    assert [c.method for c in emulator.sent_to(ALICE)][-1] in ("editMessageText", "sendMessage")
    assert len(emulator.sent_to(ALICE)) >= 2  # the press was answered before the response
    empty = updates.press(82, ALICE, "")  # no data: nothing to do but stop the spinner
    assert await answer_to(server, empty) == {
        "method": "answerCallbackQuery",
        "callback_query_id": "cb82",
    }


def test_only_a_pressed_messages_keyboard_and_sender_are_left_out_before_parsing() -> None:
    pressed = updates.press(90, ALICE, "consent:yes", keyboard=CONSENT_KEYBOARD)
    expected = copy.deepcopy(pressed)
    del expected["callback_query"]["message"]["reply_markup"]
    del expected["callback_query"]["message"]["from"]
    assert trim_pressed_message(pressed) == expected
    # The resident's own message keeps everything; shapes that are not an update pass through
    # untouched for the parser to refuse.
    typed = updates.message(91, ALICE, "46700")
    typed["message"]["reply_markup"] = {"inline_keyboard": []}
    odd: list[Any] = [
        typed,
        [],
        "update",
        {"callback_query": "x"},
        {"callback_query": {"message": 5}},
    ]
    for body in odd:
        assert trim_pressed_message(copy.deepcopy(body)) == body


@pytest.mark.parametrize(
    "secret",
    [None, "", "wrong", SECRET + "x", "sécret"],
    ids=["missing", "empty", "wrong", "longer", "non-ascii"],
)
async def test_webhook_without_the_secret_gets_401_and_changes_nothing(
    emulator: BotApiEmulator, webhook: Any, secret: str | None
) -> None:
    _, server, storage, _ = webhook
    assert await post(server, updates.message(50, ALICE, "/start"), secret) == 401
    assert emulator.sent_to(ALICE) == []
    assert await storage.get_profile(updates_chat(ALICE)) is None
    assert await storage.claim_update("telegram", "50")  # never claimed: nothing stored


@pytest.mark.parametrize(
    "body",
    [b"hello", b'{"update_id": "x", "message": 5}', b"[]", b'{"update_id": 1}\xff'],
    ids=["not-json", "wrong-shape", "not-an-object", "not-utf8"],
)
async def test_webhook_body_that_is_not_an_update_gets_400(
    emulator: BotApiEmulator, webhook: Any, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    _, server, _, _ = webhook
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as client,
        client.post(server.make_url("/telegram/webhook"), data=body, headers=headers) as response,
    ):
        assert response.status == 400
    assert emulator.calls == []
    assert "telegram webhook: not an update" in caplog.text
    assert "Traceback" not in caplog.text
    assert await post(server, updates.message(70, ALICE, "/start"), SECRET) == 200  # still serves


async def test_webhook_answers_500_when_the_dispatcher_fails_so_telegram_redelivers(
    emulator: BotApiEmulator,
    webhook: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime, server, _, _ = webhook
    feed_update = runtime.dispatcher.feed_update

    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the dispatcher broke")

    monkeypatch.setattr(runtime.dispatcher, "feed_update", failing)
    assert await post(server, updates.message(75, ALICE, "/start"), SECRET) == 500
    assert "telegram webhook: update 75 failed; answered 500" in caplog.text
    assert sum(r.exc_info is not None for r in caplog.records) == 1  # one traceback, ours
    assert emulator.sent_to(ALICE) == []
    monkeypatch.setattr(runtime.dispatcher, "feed_update", feed_update)
    # Telegram's redelivery is handled as the first delivery.
    assert await post(server, updates.message(75, ALICE, "/start"), SECRET) == 200
    assert emulator.sent_to(ALICE)[0].text.startswith("Здравствуйте!")


async def test_webhook_group_is_refused(emulator: BotApiEmulator, webhook: Any) -> None:
    _, server, _, _ = webhook
    group = -100777
    update = updates.message(60, ALICE, "/start@meter_test_bot", chat_id=group, kind="group")
    assert await post(server, update, SECRET) == 200
    assert [c.method for c in emulator.calls] == ["sendMessage", "leaveChat"]
    assert "личной переписке" in emulator.calls[0].text


async def test_messages_sent_and_failed_calls_are_counted(
    emulator: BotApiEmulator, settings: Settings
) -> None:
    from aiogram.exceptions import TelegramForbiddenError

    from bot.observability import Metrics
    from bot.telegram.runtime import build_bot

    metrics = Metrics()
    bot = build_bot(settings, calls=metrics)
    emulator.fail("sendMessage", 500, "Internal Server Error")  # retried, then sent
    try:
        await bot.send_message(ALICE, "first")
        emulator.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(ALICE, "second")
        await bot.get_me()
    finally:
        await bot.session.close()

    def sample(name: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"channel": "telegram"})

    assert sample("meterbot_messages_sent_total") == 1
    assert sample("meterbot_channel_errors_total") == 2


async def test_each_update_is_counted_once_in_the_metrics(
    emulator: BotApiEmulator, settings: Settings, storage: Storage
) -> None:
    from bot.observability import Metrics

    metrics = Metrics()
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY, observer=metrics)
    runtime = await start_telegram(
        settings, engine, web.Application(), metrics=metrics, calls=metrics
    )
    try:
        emulator.push(updates.message(1, ALICE, "/start"))
        emulator.push(updates.message(2, BOB, "/help"))
        await emulator.wait_for(lambda: emulator.sent_to(ALICE) and emulator.sent_to(BOB))
    finally:
        await runtime.stop()

    def sample(name: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"channel": "telegram"})

    assert sample("meterbot_updates_handled_total") == 2
    assert sample("meterbot_handler_seconds_count") == 2
