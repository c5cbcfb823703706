"""Fast backoffs: a fault test waits for recovery in seconds, not in production's minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.supervisor import Backoff, Supervisor
from tests.faults.telegram_api import FaultyBotApi

FAST = Backoff(first=0.05, cap=0.4, jitter=0.0)


@pytest.fixture
def supervisor(monkeypatch: pytest.MonkeyPatch) -> Supervisor:
    monkeypatch.setattr("bot.telegram.runtime.COMMANDS_BACKOFF", FAST)
    return Supervisor(backoff=FAST)


@pytest.fixture
async def bot_api() -> AsyncIterator[FaultyBotApi]:
    api = FaultyBotApi()
    await api.start()
    try:
        yield api
    finally:
        await api.close()
