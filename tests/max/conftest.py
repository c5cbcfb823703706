"""The MAX channel talking to the emulator on 127.0.0.1: the real engine on SQLite in tmp_path,
polling by default, the webhook on a real aiohttp server when asked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.config import DEFAULTS_FILE, MaxSettings, Settings, load_settings
from bot.max import MaxRuntime, start_max
from bot.max.client import build_bot
from bot.observability import Metrics
from bot.wiring import build_engine
from storage.base import Storage, open_storage
from tests.dialogs.conversation import FakeClock
from tests.max.emulator import TOKEN, MaxEmulator, served
from tests.max.resident import MaxResident
from tests.telegram.updates import OPEN_DAY

SECRET = "s3cret-for-max_webhook"


@pytest.fixture
async def emulator() -> AsyncIterator[MaxEmulator]:
    async with served() as api:
        yield api


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/max.sqlite3"


@pytest.fixture
async def storage(database: str) -> AsyncIterator[Storage]:
    from bot.demo import seed_demo

    opened = await open_storage(database)
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


def max_settings(api_base: str, *, mode: str = "polling", public_url: str = "") -> Settings:
    base = load_settings(DEFAULTS_FILE)
    config = MaxSettings(
        token=SecretStr(TOKEN),
        api_base=api_base,
        mode=mode,  # type: ignore[arg-type]
        webhook_url=public_url,
        webhook_secret=SecretStr(SECRET),
    )
    return base.model_copy(update={"max": config})


class MaxBot:
    """The channel serving: `resident(id)` talks to it through the emulator."""

    def __init__(self, emulator: MaxEmulator, storage: Storage, *, mode: str = "polling") -> None:
        self.emulator = emulator
        self.storage = storage
        self.mode = mode
        self.metrics = Metrics()
        self.clock = FakeClock(OPEN_DAY)
        self.server: TestServer | None = None
        self.runtime: MaxRuntime | None = None

    async def __aenter__(self) -> MaxBot:
        app = web.Application()
        self.server = TestServer(app, host="127.0.0.1", port=0)
        # The port is known only once the server is up, and routes must be added before:
        # the public URL is the loopback one with the server's port, known after start.
        settings = max_settings(self.emulator.api_base, mode=self.mode)
        self.settings = settings
        self.engine = build_engine(settings, self.storage, self.clock, self.metrics)
        bot = build_bot(settings.max, backoff=0.01)
        self.runtime = await start_max(
            settings, self.engine, app, metrics=self.metrics, bot=bot, poll_timeout=1
        )
        await self.server.start_server()
        if self.mode == "webhook":
            self.runtime.webhook_url = str(self.server.make_url(settings.max.webhook_path))
            if not await self.runtime.register_webhook():
                await self.__aexit__()
                raise AssertionError("the webhook was not subscribed")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        assert self.runtime is not None
        await self.server.close()  # runs on_shutdown: webhook work in flight is awaited
        await self.runtime.stop(grace=5)

    @property
    def channel(self) -> Any:
        assert self.runtime is not None
        return self.runtime.channel

    async def settle(self) -> None:
        """Wait until every update delivered so far has been taken and handled."""
        for _ in range(500):
            if self.emulator.pending == 0:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the bot did not take the updates")
        await self.channel.wait_idle()

    def resident(self, user_id: int) -> MaxResident:
        return MaxResident(self.emulator, user_id, self.settle)


@pytest.fixture
async def bot(emulator: MaxEmulator, storage: Storage) -> AsyncIterator[MaxBot]:
    async with MaxBot(emulator, storage) as running:
        yield running


@pytest.fixture
async def webhook_bot(emulator: MaxEmulator, storage: Storage) -> AsyncIterator[MaxBot]:
    async with MaxBot(emulator, storage, mode="webhook") as running:
        yield running
