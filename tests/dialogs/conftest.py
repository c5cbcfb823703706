"""A real SQLite storage in tmp_path with the demo accounts, a fake clock, the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import DEFAULTS_FILE, load_settings
from bot.demo import seed_demo
from bot.wiring import dialog_config
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from storage.base import Storage, open_storage
from tests.dialogs.conversation import Conversation, FakeClock

MSK = ZoneInfo("Europe/Moscow")
# Inside the normal window (15th–26th): every demo account may submit.
OPEN_DAY = datetime(2026, 11, 20, 14, 5, tzinfo=MSK)

SINGLE = ("12345-678-90", "0012345")  # last reading 46 470 (October), two residents
TWO_ZONE = ("23456-789-01", "0023456")  # T1 46 470, T2 21 675; electric stove
THREE_ZONE = ("34567-890-12", "0034567")
NORMAL_WINDOW = ("45678-901-23", "0045678")  # 15th–26th only; 5-digit display
AUTOMATIC = ("56789-012-34", "0056789")
MISSED = ("67890-123-45", "0067890")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(OPEN_DAY)


@pytest.fixture
def config() -> DialogConfig:
    return dialog_config(load_settings(DEFAULTS_FILE))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/dialogs.sqlite3"


@pytest.fixture
async def storage(db_url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    opened = await open_storage(db_url)
    try:
        await seed_demo(opened, now=clock.now)
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def engine(storage: Storage, config: DialogConfig, clock: FakeClock) -> DialogEngine:
    return DialogEngine(storage, config, clock)


@pytest.fixture
def chat(engine: DialogEngine) -> Conversation:
    return Conversation(engine)


Bound = Callable[..., Awaitable[Conversation]]


@pytest.fixture
def bound(engine: DialogEngine) -> Bound:
    """A conversation that has consented and bound the given (account, serial)."""

    async def make(pair: tuple[str, str] = SINGLE, user_id: str = "resident") -> Conversation:
        talk = Conversation(engine, user_id)
        await talk.send("/start")
        await talk.press("consent:yes")
        await talk.send(f"/bind {pair[0]} {pair[1]}")
        assert "привязан" in talk.text(), talk.text()
        return talk

    return make
