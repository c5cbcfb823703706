"""Hostile input at the edges: oversized, deeply nested or broken bodies on the webhooks, update
kinds nobody handles, and button data the bot never produced. A polite answer (or a 4xx), nothing
changed, nothing revealed."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from billing_core.models import Period
from bot.demo import seed_demo
from bot.telegram import start_telegram
from bot.wiring import build_engine
from dialogs.events import Choice
from storage.base import Storage, open_storage
from tests.dialogs.conversation import Conversation
from tests.faults.telegram_api import FaultyBotApi, telegram_settings
from tests.telegram import updates
from tests.telegram.updates import OPEN_DAY

SECRET = "hostile-webhook-secret"
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/hostile.sqlite3")
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def webhook(
    bot_api: FaultyBotApi, tmp_path: Path, storage: Storage
) -> AsyncIterator[TestServer]:
    settings = telegram_settings(
        bot_api.base_url,
        tmp_path,
        mode="webhook",
        webhook_url="https://bot.example.org",
        webhook_secret=SecretStr(SECRET),
    )
    app = web.Application()
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    runtime = await start_telegram(settings, engine, app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()
        await runtime.stop()


async def post(server: TestServer, body: bytes | io.BytesIO) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            server.make_url("/telegram/webhook"),
            data=body if isinstance(body, io.BytesIO) else io.BytesIO(body),
            headers=headers,
        ) as answer,
    ):
        return answer.status


async def test_a_10_mb_body_is_refused_with_413_and_memory_stays_bounded(
    webhook: TestServer, bot_api: FaultyBotApi
) -> None:
    body = io.BytesIO(b'{"update_id": 1, "message": {"text": "' + b"x" * TEN_MB + b'"}}')
    tracemalloc.start()  # the body exists already: what is traced is what reading it costs
    try:
        status = await post(webhook, body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413
    print(f"\n10 MB webhook body: 413, {peak / 2**20:.2f} MiB traced at the peak")
    # aiohttp stops reading at its 1 MiB limit: the server never holds the 10 MB.
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB while refusing 10 MB"
    assert bot_api.calls == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
        pytest.param(b'{"update_id": 2, "message": {"text": "\xff\xfe"}}', id="invalid-utf8"),
        pytest.param(b'{"update_id": "x"', id="truncated"),
        pytest.param(b'{"update_id": 3, "message": "not an object"}', id="wrong-shape"),
    ],
)
async def test_broken_bodies_are_refused_with_400(
    body: bytes, webhook: TestServer, bot_api: FaultyBotApi
) -> None:
    assert await post(webhook, body) == 400
    assert bot_api.calls == []
    # and the next good update is served as usual
    assert await post(webhook, json.dumps(updates.message(9, 5001, "/help")).encode()) == 200
    assert "/submit" in bot_api.sent_to(5001)[0].text


async def test_an_update_kind_nobody_handles_is_taken_quietly(
    webhook: TestServer, bot_api: FaultyBotApi
) -> None:
    unknown: dict[str, Any] = {"update_id": 77, "business_widget_v9": {"id": 1, "x": [1, 2]}}
    assert await post(webhook, json.dumps(unknown).encode()) == 200
    channel_post = {
        "update_id": 78,
        "edited_channel_post": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": -1001, "type": "channel"},
        },
    }
    assert await post(webhook, json.dumps(channel_post).encode()) == 200
    assert bot_api.calls == []


FORGED = [
    "submit:1234567890",  # another chat's account, as a reminder's button carries it
    "submit:0000000000",
    "sub:ok",  # confirming a submission that was never started (stale)
    "sub:sure",
    "forget:yes",
    "lang:xx",
    "faq:999999",
    "m:unknown",
    "",
    ":",
    "x" * 5000,
    "submit:1234567890' OR '1'='1",
]


async def test_button_data_the_bot_never_produced_changes_nothing_and_reveals_nothing(
    tmp_path: Path, storage: Storage
) -> None:
    settings = telegram_settings("http://127.0.0.1:9", tmp_path)
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    owner = Conversation(engine, "owner", channel="telegram")
    await owner.send("/start")
    await owner.press("consent:yes")
    await owner.send("/bind 1234567890 0012345")
    stranger = Conversation(engine, "stranger", channel="telegram")
    await stranger.send("/start")
    await stranger.press("consent:yes")
    period = Period.of(OPEN_DAY)
    before = await storage.reading_history("1234567890", period)
    for data in FORGED:
        replies = await stranger.event(Choice(stranger.chat, data))
        said = "\n".join(reply.text for reply in replies)
        assert replies, f"no answer to {data!r}"
        assert "Утренняя" not in said, data  # the owner's address
        assert "0012345" not in said, data  # the owner's meter
        assert "₽" not in said, data  # nobody's money
    assert await storage.reading_history("1234567890", period) == before
    assert await storage.bindings(stranger.chat) == []
    assert len(await storage.bindings(owner.chat)) == 1
