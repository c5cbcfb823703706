"""SQLite full under a conversation, and the submission window's edges in Moscow time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from billing_core.models import Period, Register
from bot.config import DEFAULTS_FILE, load_settings
from bot.demo import seed_demo
from bot.wiring import build_engine
from dialogs.texts import say
from storage.base import Storage, open_storage
from tests.dialogs.conversation import Conversation, FakeClock

MSK = ZoneInfo("Europe/Moscow")
SEEDED = datetime(2026, 11, 10, 12, 0, tzinfo=MSK)
APOLOGY = say("ru", "oops")
ACCEPTED = "Показания приняты"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/edge.sqlite3")
    try:
        await seed_demo(opened, now=SEEDED)
        yield opened
    finally:
        await opened.close()


def said(chat: Conversation) -> str:
    return "\n".join(reply.text for reply in chat.last)


async def submit(chat: Conversation, value: Decimal) -> str:
    await chat.send(f"/submit {value}")
    for label in ("Всё верно, передать", "Да, всё верно"):
        if any(button.label == label for button in chat.buttons()):
            await chat.press(label)
    return said(chat)


async def bound_chat(
    storage: Storage, clock: FakeClock, account: str, serial: str
) -> Conversation:
    engine = build_engine(load_settings(DEFAULTS_FILE), storage, clock=clock)
    chat = Conversation(engine, f"edge-{account}")
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send(f"/bind {account} {serial}")
    return chat


async def test_the_window_opens_at_midnight_and_closes_after_235959_moscow_time(
    storage: Storage,
) -> None:
    # 4567890123 has the usual window, the 15th to the 26th (inclusive) of each month.
    clock = FakeClock(datetime(2026, 11, 14, 23, 59, 59, tzinfo=MSK))
    chat = await bound_chat(storage, clock, "4567890123", "0045678")
    [last] = await storage.readings("4567890123", limit=1)
    value = last.values[Register.T1] + 120
    november = Period(2026, 11)

    assert ACCEPTED not in await submit(chat, value)  # the 14th, one second before it opens
    assert await storage.current_reading("4567890123", november) is None
    clock.now = datetime(2026, 11, 15, 0, 0, 0, tzinfo=MSK)
    assert ACCEPTED in await submit(chat, value)  # the 15th, 00:00:00
    clock.now = datetime(2026, 11, 26, 23, 59, 59, tzinfo=MSK)
    assert ACCEPTED in await submit(chat, value + 5)  # the 26th, 23:59:59: a correction
    clock.now = datetime(2026, 11, 27, 0, 0, 0, tzinfo=MSK)
    assert ACCEPTED not in await submit(chat, value + 9)  # the 27th, 00:00:00: closed
    current = await storage.current_reading("4567890123", november)
    assert current is not None
    assert current.values[Register.T1] == value + 5
    # 20:59:59 UTC on the 26th is 23:59:59 in Moscow: the server's own zone plays no part.
    assert clock.now.astimezone(ZoneInfo("UTC")).hour == 21


async def test_a_full_sqlite_database_apologises_logs_clearly_and_resumes_when_space_returns(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=MSK))
    chat = await bound_chat(storage, clock, "1234567890", "0012345")
    [last] = await storage.readings("1234567890", limit=1)
    value = last.values[Register.T1] + 150
    conn = storage._db._conn  # type: ignore[attr-defined]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # not one page more
    with caplog.at_level(logging.ERROR):
        for attempt in range(200):
            answer = await submit(chat, value + attempt)
            if APOLOGY in answer:
                break
        else:
            pytest.fail("the database never filled up")
    assert "database or disk is full" in caplog.text
    november = Period(2026, 11)
    stored_while_full = await storage.current_reading("1234567890", november)

    conn.execute(f"PRAGMA max_page_count = {pages * 100}")  # the operator freed space
    assert ACCEPTED in await submit(chat, value + 500)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    current = await storage.current_reading("1234567890", november)
    assert current is not None
    assert current.values[Register.T1] == value + 500
    # what was confirmed before the disk filled is still there, in the history
    history = await storage.reading_history("1234567890", november)
    if stored_while_full is not None:
        assert stored_while_full in history
