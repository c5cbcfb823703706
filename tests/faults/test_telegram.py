"""The Bot API, or a gateway in front of it, answering garbage, HTML 502 pages, resets and late.

Each fault at start-up and in the middle of a conversation: the bot keeps running, `/healthz`
tells the truth meanwhile, and once the API answers again every resident gets the answer they
were owed, once. Recovery times are printed (`pytest -s`) for docs/operations/faults.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.config import Settings
from bot.demo import seed_demo
from bot.health import Health
from bot.http import build_http_app
from bot.observability import Metrics
from bot.supervisor import Supervisor
from bot.telegram import start_telegram
from bot.telegram.runtime import TelegramRuntime
from bot.wiring import build_engine
from storage.base import Storage, open_storage
from tests.faults.chaos import GATEWAY_403, HTML_502, NOT_UTF8, Fault
from tests.faults.telegram_api import FaultyBotApi, telegram_settings
from tests.telegram import updates
from tests.telegram.updates import OPEN_DAY

ALICE = 4001
SECRET = "faults-webhook-secret"
EVERY_CALL = ("getMe", "deleteWebhook", "getUpdates", "setMyCommands", "sendMessage", "setWebhook")

FAULTS = {
    "gateway-json-403": Fault("garbage", 403, GATEWAY_403),
    "html-502": Fault("garbage", 502, HTML_502, "text/html"),
    "not-utf8": Fault("garbage", 200, NOT_UTF8),
    "reset": Fault("reset"),
}


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/faults.sqlite3")
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


async def start(
    settings: Settings,
    storage: Storage,
    supervisor: Supervisor,
    health: Health,
    app: web.Application | None = None,
) -> TelegramRuntime:
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    return await start_telegram(
        settings, engine, app or web.Application(), supervisor=supervisor, health=health
    )


async def healthz(health: Health, storage: Storage) -> tuple[int, dict[str, Any]]:
    app = build_http_app(Settings(), storage, Metrics(), health)
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        response = await client.get("/healthz")
        return response.status, cast(dict[str, Any], await response.json())
    finally:
        await client.close()


async def test_a_gateway_refusing_the_commands_menu_never_stops_polling(
    bot_api: FaultyBotApi, tmp_path: Path, storage: Storage, supervisor: Supervisor
) -> None:
    # A gateway's own JSON for a 403: aiogram raises ClientDecodeError, no TelegramAPIError.
    bot_api.chaos.down(FAULTS["gateway-json-403"], "setMyCommands")
    health = Health(unhealthy_after=30)
    runtime = await start(
        telegram_settings(bot_api.base_url, tmp_path), storage, supervisor, health
    )
    try:
        bot_api.push(updates.message(1, ALICE, "/start"))
        await bot_api.wait_for(lambda: bot_api.sent_to(ALICE))
        status, body = await healthz(health, storage)
        assert status == 200
        assert body["channels"]["telegram"]["serving"] is True
        await bot_api.wait_for(lambda: bot_api.chaos.hits["setMyCommands"] >= 3)
        assert supervisor.restarts["telegram-commands"] >= 2  # asked again, with backoff
        assert "telegram-polling" not in supervisor.restarts
        bot_api.chaos.up()
        await bot_api.wait_for(lambda: len(bot_api.called("setMyCommands")) == 2)
    finally:
        await runtime.stop()
    assert bot_api.sent_to(ALICE)[0].text.startswith("Здравствуйте!")


async def test_webhook_mode_serves_after_a_gateway_refused_everything_at_start_up(
    bot_api: FaultyBotApi, tmp_path: Path, storage: Storage, supervisor: Supervisor
) -> None:
    bot_api.chaos.down(FAULTS["gateway-json-403"], "setMyCommands", "setWebhook")
    settings = telegram_settings(
        bot_api.base_url,
        tmp_path,
        mode="webhook",
        webhook_url="https://bot.example.org",
        webhook_secret=SecretStr(SECRET),
    )
    health = Health(unhealthy_after=0.5)
    app = web.Application()
    runtime = await start(settings, storage, supervisor, health, app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        runtime.start_webhook()  # the process goes on; registration is retried in the background
        await bot_api.wait_for(lambda: bot_api.chaos.hits["setWebhook"] >= 2)
        await asyncio.sleep(0.5)
        status, body = await healthz(health, storage)
        assert status == 503
        assert body["down"] == ["telegram"]
        assert "ClientDecodeError" in body["channels"]["telegram"]["error"]
        outage_over = time.monotonic()
        bot_api.chaos.up()
        await bot_api.wait_for(lambda: bot_api.called("setWebhook"))
        recovered = time.monotonic() - outage_over
        status, body = await healthz(health, storage)
        assert status == 200
        assert body["channels"]["telegram"]["serving"] is True
        assert await post(server, updates.message(7, ALICE, "/start")) == 200
    finally:
        await server.close()
        await runtime.stop()
    assert bot_api.sent_to(ALICE)[0].text.startswith("Здравствуйте!")
    print(f"\nwebhook registration recovered {recovered:.2f} s after the gateway came back")
    assert recovered < 2.0


async def post(server: TestServer, update: dict[str, Any]) -> int:
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            server.make_url("/telegram/webhook"),
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response,
    ):
        return response.status


@pytest.mark.parametrize(
    ("fault", "when"),
    [
        ("html-502", "start-up"),
        ("reset", "start-up"),
        ("gateway-json-403", "mid-conversation"),
        ("not-utf8", "mid-conversation"),
    ],
)
async def test_polling_answers_what_came_during_an_outage_once_the_api_is_back(
    fault: str,
    when: str,
    bot_api: FaultyBotApi,
    tmp_path: Path,
    storage: Storage,
    supervisor: Supervisor,
) -> None:
    health = Health(unhealthy_after=0.8)
    settings = telegram_settings(bot_api.base_url, tmp_path)
    if when == "start-up":
        bot_api.chaos.down(FAULTS[fault], *EVERY_CALL)
        runtime = await start(settings, storage, supervisor, health)
    else:
        runtime = await start(settings, storage, supervisor, health)
        bot_api.push(updates.message(1, ALICE, "/start"))
        await bot_api.wait_for(lambda: bot_api.sent_to(ALICE))
        bot_api.chaos.down(FAULTS[fault], *EVERY_CALL)
    seen = len(bot_api.sent_to(ALICE))
    try:
        bot_api.push(updates.message(10, ALICE, "/help"))  # written during the outage
        await asyncio.sleep(1.0)
        status, body = await healthz(health, storage)
        assert status == 503, body
        assert body["channels"]["telegram"]["serving"] is False
        assert len(bot_api.sent_to(ALICE)) == seen  # nothing could be sent meanwhile
        outage_over = time.monotonic()
        bot_api.chaos.up()
        await bot_api.wait_for(lambda: len(bot_api.sent_to(ALICE)) > seen, seconds=10)
        recovered = time.monotonic() - outage_over
        channel = health.channels["telegram"]
        await bot_api.wait_for(channel.serving, seconds=8)  # the next poll that succeeds
        healthy = time.monotonic() - outage_over
        status, _ = await healthz(health, storage)
        assert status == 200
    finally:
        await runtime.stop()
    fresh = bot_api.sent_to(ALICE)[seen:]
    assert len(fresh) == 1
    assert "/submit" in fresh[0].text
    print(
        f"\n{fault} at {when}: answered {recovered:.2f} s and serving again {healthy:.2f} s "
        "after the API came back"
    )
    assert recovered < 8.0


@pytest.mark.parametrize("fault", ["html-502", "reset", "not-utf8", "gateway-json-403"])
async def test_a_reply_that_meets_a_fault_is_sent_again_and_arrives_once(
    fault: str, bot_api: FaultyBotApi, tmp_path: Path, storage: Storage, supervisor: Supervisor
) -> None:
    health = Health()
    runtime = await start(
        telegram_settings(bot_api.base_url, tmp_path), storage, supervisor, health
    )
    try:
        bot_api.chaos.queued["sendMessage"].extend([FAULTS[fault]] * 2)
        bot_api.push(updates.message(1, ALICE, "/help"))
        await bot_api.wait_for(lambda: bot_api.sent_to(ALICE), seconds=6)
        await asyncio.sleep(0.2)
    finally:
        await runtime.stop()
    assert bot_api.chaos.hits["sendMessage"] == 2
    assert len(bot_api.sent_to(ALICE)) == 1


async def test_a_reply_that_times_out_is_sent_again(
    bot_api: FaultyBotApi, tmp_path: Path, storage: Storage, supervisor: Supervisor
) -> None:
    settings = telegram_settings(bot_api.base_url, tmp_path)
    session = AiohttpSession(api=TelegramAPIServer.from_base(bot_api.base_url), timeout=0.5)
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    runtime = await start_telegram(
        settings, engine, web.Application(), session=session, supervisor=supervisor
    )
    try:
        bot_api.chaos.hang("sendMessage", 1.5)
        bot_api.push(updates.message(1, ALICE, "/help"))
        await bot_api.wait_for(lambda: bot_api.sent_to(ALICE), seconds=6)
    finally:
        await runtime.stop()
    # The late call may still be handled by the API: Telegram can then show it twice, the
    # documented price of never leaving a resident without an answer.
    assert 1 <= len(bot_api.sent_to(ALICE)) <= 2
    assert "/submit" in bot_api.sent_to(ALICE)[0].text


@pytest.mark.parametrize("when", ["start-up", "mid-conversation"])
async def test_a_get_updates_that_hangs_past_the_timeout_is_asked_again(
    when: str, bot_api: FaultyBotApi, tmp_path: Path, storage: Storage, supervisor: Supervisor
) -> None:
    # A one-second long poll and a one-second session timeout: aiogram gives getUpdates two
    # seconds (production: 25 s and 60 s, so 85 s) before it counts the call as failed.
    settings = telegram_settings(bot_api.base_url, tmp_path)
    session = AiohttpSession(api=TelegramAPIServer.from_base(bot_api.base_url), timeout=1)
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    health = Health(unhealthy_after=0.8)
    hung_from = time.monotonic()
    if when == "start-up":
        bot_api.chaos.hang("getMe", 8.0)  # the bot's first call: retried, like any but polls
        bot_api.chaos.hang("getUpdates", 8.0, times=2)
    runtime = await start_telegram(
        settings,
        engine,
        web.Application(),
        session=session,
        supervisor=supervisor,
        health=health,
        poll_timeout=1,
    )
    try:
        if when == "mid-conversation":
            bot_api.push(updates.message(1, ALICE, "/start"))
            await bot_api.wait_for(lambda: bot_api.sent_to(ALICE), seconds=20)
            hung_from = time.monotonic()
            bot_api.chaos.hang("getUpdates", 8.0, times=2)
        seen = len(bot_api.sent_to(ALICE))
        channel = health.channels["telegram"]
        await bot_api.wait_for(lambda: channel.failing.startswith("getUpdates"), seconds=20)
        await bot_api.wait_for(lambda: health.down() == ["telegram"], seconds=20)
        status, body = await healthz(health, storage)
        assert status == 503
        assert "TelegramNetworkError" in body["channels"]["telegram"]["error"]
        bot_api.push(updates.message(10, ALICE, "/help"))  # written while the polls hang
        await bot_api.wait_for(lambda: len(bot_api.sent_to(ALICE)) > seen, seconds=30)
        answered = time.monotonic() - hung_from
        await bot_api.wait_for(channel.serving, seconds=20)
        status, _ = await healthz(health, storage)
        assert status == 200
        await asyncio.sleep(1.5)  # a second answer, were there one, would have come by now
    finally:
        await runtime.stop()
    fresh = bot_api.sent_to(ALICE)[seen:]
    assert len(fresh) == 1
    assert "/submit" in fresh[0].text
    assert "telegram-polling" not in supervisor.restarts  # aiogram's loop itself held
    print(f"\ngetUpdates hanging twice at {when}: answered {answered:.2f} s after it began")
