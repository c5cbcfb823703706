"""The Viber channel on a real aiohttp server (127.0.0.1) talking to the Viber emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, unused_port
from pydantic import SecretStr

from bot.config import Settings, ViberSettings
from bot.viber import ViberRuntime, start_viber
from bot.wiring import dialog_config
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Inbound
from dialogs.replies import Button, Reply
from storage.base import ChatProfile
from tests.channel_store import ChannelStore
from tests.viber import callbacks
from tests.viber.emulator import ViberEmulator, served

TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
LONG_NAME = "Мосэнергосбыт — показания электроэнергии"  # 40 characters
# The configuration `meterbot run` builds from the defaults; the replaced conversation reads none.
CONFIG = dialog_config(Settings())


class FakeStorage(ChannelStore):
    """What the Viber adapter itself touches: profiles, the blocked mark, update claims."""

    def __init__(self) -> None:
        self.profiles: dict[ChatRef, ChatProfile] = {}
        self.claimed: set[tuple[str, str]] = set()
        self.blocked_calls: list[tuple[ChatRef, bool]] = []

    async def get_profile(self, chat: ChatRef) -> ChatProfile | None:
        return self.profiles.get(chat)

    async def set_blocked(self, chat: ChatRef, blocked: bool) -> None:
        self.blocked_calls.append((chat, blocked))
        profile = self.profiles.get(chat, ChatProfile(chat))
        self.profiles[chat] = replace(profile, blocked=blocked)

    async def claim_update(self, channel: str, update_id: str) -> bool:
        if (channel, update_id) in self.claimed:
            return False
        self.claimed.add((channel, update_id))
        return True


def echo(event: Inbound) -> list[Reply]:
    """Says what it got, with two rows of buttons."""
    return [
        Reply(
            f"got {type(event).__name__}",
            buttons=(
                (Button("Передать показания", "submit"), Button("Мой счёт", "bill")),
                (Button("Офисы и контакты", "offices"),),
            ),
        )
    ]


class FakeEngine(DialogEngine):
    """The real engine with its conversation replaced: records events, claims update ids as the
    real one does, answers from `script`. Turns, delivery and the chat's lifecycle (blocked,
    returned) are the real engine's, on the fake storage."""

    def __init__(
        self,
        storage: FakeStorage,
        script: Callable[[Inbound], list[Reply]] = echo,
        *,
        delay: float = 0.0,
        hold_first: asyncio.Event | None = None,
    ) -> None:
        super().__init__(storage, CONFIG)
        self.fake_storage = storage
        self.script = script
        self.events: list[Inbound] = []  # as handling began
        self.finished: list[Inbound] = []  # as handling ended
        self.delay = delay  # how long the first event takes; later ones are instant
        self.hold_first = hold_first  # when set, the first event waits for it

    async def _converse(self, event: Inbound) -> list[Reply]:
        update_id = event.update_id
        if update_id and not await self.fake_storage.claim_update(event.chat.channel, update_id):
            return []
        self.events.append(event)
        if len(self.events) == 1:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.hold_first is not None:
                await self.hold_first.wait()
        self.finished.append(event)
        return self.script(event)


def viber_settings(api_base: str, public_url: str, base: Settings | None = None) -> Settings:
    viber = ViberSettings(
        auth_token=SecretStr(TOKEN),
        name=LONG_NAME[:28],
        api_base=api_base,
        webhook_url=public_url,
    )
    return (base or Settings()).model_copy(update={"viber": viber})


@dataclass
class Harness:
    client: TestClient[web.Request, web.Application]
    runtime: ViberRuntime
    engine: FakeEngine
    storage: FakeStorage
    emulator: ViberEmulator
    settings: Settings

    async def post(
        self, body: dict[str, Any] | bytes, *, signature: str | None = None, wait: bool = True
    ) -> aiohttp.ClientResponse:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        headers["X-Viber-Content-Signature"] = (
            signature if signature is not None else callbacks.sign(raw, TOKEN)
        )
        response = await self.client.post(
            self.settings.viber.webhook_path, data=raw, headers=headers
        )
        await response.read()
        if wait:
            await self.runtime.webhook.wait_idle()
        return response


@pytest.fixture
async def emulator() -> AsyncIterator[ViberEmulator]:
    async with served(TOKEN) as api:
        yield api


@pytest.fixture
async def harness(emulator: ViberEmulator) -> AsyncIterator[Harness]:
    async with RunningBot(emulator) as bot:
        yield bot


class RunningBot:
    """The bot serving on a free 127.0.0.1 port, calling the emulator; a fake engine and
    storage unless given (`engine_factory(storage)` builds the engine)."""

    def __init__(
        self,
        emulator: ViberEmulator,
        *,
        engine_factory: Callable[[Any], Any] | None = None,
        storage: Any = None,
        base_settings: Settings | None = None,
    ) -> None:
        self._emulator = emulator
        self._engine_factory = engine_factory or FakeEngine
        self._storage = storage if storage is not None else FakeStorage()
        self._base_settings = base_settings

    async def __aenter__(self) -> Harness:
        port = unused_port()
        public_url = f"http://127.0.0.1:{port}"
        settings = viber_settings(self._emulator.api_base, public_url, self._base_settings)
        engine = self._engine_factory(self._storage)
        self._session = aiohttp.ClientSession()
        app = web.Application()
        runtime = await start_viber(settings, engine, app, self._session, retry_backoff=0.01)
        self._client = TestClient(TestServer(app, host="127.0.0.1", port=port))
        await self._client.start_server()
        return Harness(self._client, runtime, engine, self._storage, self._emulator, settings)

    async def __aexit__(self, *exc: object) -> None:
        await self._client.close()  # runs app.on_shutdown: background work is awaited
        await self._session.close()
