"""Hostile input at MAX's edges, as tests/faults/test_hostile_input.py does for Telegram: an
oversized, deeply nested or broken webhook body, update types nobody handles, and button
payloads the bot never produced. A 4xx or a polite answer; nothing changed, nothing revealed."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from billing_core.models import Period
from bot.demo import seed_demo
from dialogs.events import ChatRef
from storage.base import Storage, open_storage
from tests.faults.test_hostile_input import FORGED, TEN_MB
from tests.max import updates
from tests.max.conftest import SECRET, MaxBot
from tests.max.emulator import MaxEmulator, served
from tests.telegram.updates import OPEN_DAY

OWNER, STRANGER = 7201, 7202
ACCOUNT, SERIAL = "1234567890", "0012345"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/hostile-max.sqlite3")
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def emulator() -> AsyncIterator[MaxEmulator]:
    async with served() as api:
        yield api


@pytest.fixture
async def webhook(emulator: MaxEmulator, storage: Storage) -> AsyncIterator[MaxBot]:
    async with MaxBot(emulator, storage, mode="webhook") as running:
        yield running


async def post(bot: MaxBot, body: bytes | io.BytesIO) -> int:
    assert bot.server is not None
    headers = {"X-Max-Bot-Api-Secret": SECRET, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            bot.server.make_url(bot.settings.max.webhook_path),
            data=body if isinstance(body, io.BytesIO) else io.BytesIO(body),
            headers=headers,
        ) as answer,
    ):
        status = answer.status
    await bot.channel.wait_idle()
    return status


def calls_but_the_subscription(emulator: MaxEmulator) -> list[str]:
    return [path for path in emulator.paths() if "/subscriptions" not in path]


async def test_a_10_mb_body_is_refused_with_413_and_memory_stays_bounded(
    webhook: MaxBot, emulator: MaxEmulator
) -> None:
    body = io.BytesIO(b'{"update_type": "message_created", "x": "' + b"x" * TEN_MB + b'"}')
    tracemalloc.start()  # the body exists already: what is traced is what reading it costs
    try:
        status = await post(webhook, body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413
    print(f"\nMAX: 10 MB webhook body: 413, {peak / 2**20:.2f} MiB traced at the peak")
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB while refusing 10 MB"
    assert calls_but_the_subscription(emulator) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
        pytest.param(b'{"update_type": "message_created", "x": "\xff\xfe"}', id="invalid-utf8"),
        pytest.param(b'{"update_type": "x"', id="truncated"),
    ],
)
async def test_broken_bodies_are_refused_with_400(
    body: bytes, webhook: MaxBot, emulator: MaxEmulator
) -> None:
    assert await post(webhook, body) == 400
    assert calls_but_the_subscription(emulator) == []
    # and the next good update is served as usual
    assert await post(webhook, json.dumps(updates.bot_started(OWNER)).encode()) == 200
    assert "согласие" in emulator.to(OWNER)[0].text


UNREADABLE: list[dict[str, Any]] = [
    {"update_type": "brand_new_kind_v9", "timestamp": 1, "whatever": {"x": [1, 2]}},
    {"update_type": "chat_title_changed", "timestamp": 1, "chat_id": 5, "title": "x"},
    {"update_type": "message_created", "timestamp": 1, "message": "not an object"},
    {"update_type": "message_callback", "timestamp": 1, "callback": None},
    {"no_type": True},
    [],
]


@pytest.mark.parametrize("update", UNREADABLE, ids=lambda u: str(u)[:30] if u else "list")
async def test_update_types_and_shapes_nobody_handles_are_taken_quietly(
    update: Any, webhook: MaxBot, emulator: MaxEmulator
) -> None:
    # 200: MAX would otherwise deliver it again and again.
    assert await post(webhook, json.dumps(update).encode()) == 200
    assert calls_but_the_subscription(emulator) == []


async def test_button_payloads_the_bot_never_produced_change_nothing_and_reveal_nothing(
    webhook: MaxBot, emulator: MaxEmulator, storage: Storage
) -> None:
    owner = webhook.resident(OWNER)
    await owner.start()
    await owner.press("Согласен")
    await owner.say(f"/bind {ACCOUNT} {SERIAL}")
    stranger = webhook.resident(STRANGER)
    await stranger.start()
    await stranger.press("Согласен")
    period = Period.of(OPEN_DAY)
    before = await storage.reading_history(ACCOUNT, period)
    for payload in [p for p in FORGED if p]:  # MAX sends no press without a payload
        answers = len(emulator.answers)
        shown = await stranger.press_payload(payload)
        assert len(emulator.answers) > answers or shown, f"no answer to {payload!r}"
        said = "\n".join(message.text for message in shown)
        assert "Утренняя" not in said, payload  # the owner's address
        assert "0012345" not in said, payload  # the owner's meter
        assert "₽" not in said, payload  # nobody's money
    assert await storage.reading_history(ACCOUNT, period) == before
    assert await storage.bindings(ChatRef("max", str(STRANGER))) == []
    assert len(await storage.bindings(ChatRef("max", str(OWNER)))) == 1
