"""A bot on a recording session and a dispatcher around a scripted engine."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.config import Settings
from bot.telegram import build_bot, build_dispatcher
from dialogs.throttle import Throttle
from tests.telegram.fakes import FakeEngine, FakeStorage
from tests.telegram.recording import TOKEN, RecordingSession


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings() -> Settings:
    return Settings(telegram={"token": TOKEN})  # type: ignore[arg-type]


@pytest.fixture
def session() -> RecordingSession:
    return RecordingSession()


@pytest.fixture
def bot(settings: Settings, session: RecordingSession) -> Bot:
    return build_bot(settings, session)


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def engine(storage: FakeStorage) -> FakeEngine:
    return FakeEngine(storage=storage)


@pytest.fixture
def throttle_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dp(engine: FakeEngine, settings: Settings, throttle_clock: FakeClock) -> Dispatcher:
    throttle = Throttle(clock=throttle_clock)
    return build_dispatcher(engine, settings, throttle=throttle)


@pytest.fixture
def feed(dp: Dispatcher, bot: Bot) -> Any:
    async def feed(update: dict[str, Any]) -> None:
        await dp.feed_raw_update(bot, update)

    return feed
