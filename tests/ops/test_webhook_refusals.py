"""Webhooks that refuse early: webhook mode does not start without a secret the platform takes,
and the Telegram and MAX routes on the shared application refuse a request without the secret
before reading its body, and a nested-JSON bomb with it as a plain 400."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from aiogram import Bot, Dispatcher
from aiohttp import web
from pydantic import SecretStr

from bot.config import ConfigError, MaxSettings, Settings, TelegramSettings
from bot.http import build_http_app, start_http
from bot.observability import Metrics
from bot.telegram.runtime import start_telegram
from bot.telegram.webhook import SecretWebhookHandler

SECRET = "a-good_Secret-42"
TOKEN = "123456:" + "A" * 35


class Up:
    """The health check's port: the database answers."""

    async def ping(self) -> bool:
        return True


@pytest.mark.parametrize("secret", ["", "has spaces", "x" * 257, "ключ"])
async def test_telegram_webhook_mode_does_not_start_without_a_valid_secret(secret: str) -> None:
    settings = Settings(
        telegram=TelegramSettings(
            token=SecretStr(TOKEN), mode="webhook", webhook_secret=SecretStr(secret)
        )
    )
    with pytest.raises(ConfigError, match="METERBOT_TELEGRAM__WEBHOOK_SECRET"):
        await start_telegram(settings, cast(Any, None), web.Application())


async def test_max_webhook_mode_does_not_start_without_a_secret() -> None:
    from bot.max import start_max

    settings = Settings(max=MaxSettings(token=SecretStr("max-token"), mode="webhook"))
    with pytest.raises(ConfigError, match="METERBOT_MAX__WEBHOOK_SECRET"):
        await start_max(settings, cast(Any, None), web.Application())


def test_the_handler_itself_refuses_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="webhook_secret is empty"):
        SecretWebhookHandler(Dispatcher(), Bot(TOKEN), "")


@pytest.fixture
async def telegram_port() -> AsyncIterator[int]:
    app = build_http_app(Settings(), Up(), Metrics(), dict)
    bot = Bot(TOKEN)
    SecretWebhookHandler(Dispatcher(), bot, SECRET).register(app, path="/telegram/webhook")
    runner = await start_http(app, Settings().http.model_copy(update={"port": 0}))
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()
        await bot.session.close()


async def exchange(port: int, request: bytes, wait: float = 2.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    try:
        async with asyncio.timeout(wait):
            return await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()


async def test_telegram_refuses_a_missing_secret_before_the_body(telegram_port: int) -> None:
    head = (
        b"POST /telegram/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 60000\r\n\r\n{"
    )
    answer = await exchange(telegram_port, head)  # the body never comes; the answer does
    assert answer.startswith(b"HTTP/1.1 401")


async def test_telegram_answers_a_json_bomb_400_without_a_traceback(
    telegram_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    for bomb in (b"[" * 60_000, b'{"a":' * 12_000):
        head = (
            f"POST /telegram/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(bomb)}\r\n\r\n"
        ).encode()
        assert (await exchange(telegram_port, head + bomb)).startswith(b"HTTP/1.1 400")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
