"""`chat_turn`: one chat's dialog turns kept apart across processes (two storages on one
database stand for two bot processes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import DEFAULTS_FILE, load_settings
from bot.demo import seed_demo
from bot.wiring import dialog_config
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Start
from storage.base import Storage, StorageError, open_storage
from storage.postgres_connection import POOL_SIZE

ANNA = ChatRef("telegram", "1001")
BORIS = ChatRef("telegram", "1002")
NOW = datetime(2026, 11, 20, 14, 5, tzinfo=ZoneInfo("Europe/Moscow"))
WAIT = 0.3  # long enough for a turn that could go ahead to have gone ahead


@pytest.fixture
async def other(url: str) -> AsyncIterator[Storage]:
    """A second process's storage on the same database."""
    if url.startswith("sqlite"):
        pytest.skip("SQLite is served by one process: its chat_turn holds nothing")
    opened = await open_storage(url)
    try:
        yield opened
    finally:
        await opened.close()


async def held_back(storage: Storage, chat: ChatRef) -> bool:
    """Whether `chat`'s turn in `storage` waits (it is left again at once when it does not)."""

    async def turn() -> None:
        async with storage.chat_turn(chat):
            pass

    entering = asyncio.create_task(turn())
    await asyncio.sleep(WAIT)
    if entering.done():
        await entering
        return False
    entering.cancel()
    with pytest.raises(asyncio.CancelledError):
        await entering
    return True


async def test_a_turn_can_be_taken_again_once_left(storage: Storage) -> None:
    for _ in range(3):
        async with storage.chat_turn(ANNA):
            assert await storage.load_chat(ANNA) is not None
    with pytest.raises(RuntimeError):
        async with storage.chat_turn(ANNA):
            raise RuntimeError("the turn failed")
    async with storage.chat_turn(ANNA):
        pass


async def test_another_process_waits_for_the_same_chat_only(
    storage: Storage, other: Storage
) -> None:
    async with storage.chat_turn(ANNA):
        assert await held_back(other, ANNA)
        assert not await held_back(other, BORIS)
    assert not await held_back(other, ANNA)


async def test_a_failed_or_cancelled_turn_lets_the_next_one_in(
    storage: Storage, other: Storage
) -> None:
    with pytest.raises(RuntimeError):
        async with storage.chat_turn(ANNA):
            raise RuntimeError("the turn failed")
    assert not await held_back(other, ANNA)

    async with other.chat_turn(ANNA):
        assert await held_back(storage, ANNA)  # cancelled while waiting for the lock
    assert not await held_back(storage, ANNA)


async def test_a_turn_that_waits_too_long_is_a_storage_error(
    storage: Storage, other: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.postgres_connection.TURN_WAIT", 0.2)
    async with storage.chat_turn(ANNA):
        with pytest.raises(StorageError, match="last turn held on"):
            async with other.chat_turn(ANNA):
                pass
    async with other.chat_turn(ANNA):
        pass


async def test_turns_waiting_for_locks_leave_connections_for_queries(
    storage: Storage, other: Storage
) -> None:
    # As many turns waiting as the pool has connections: had they waited on connections of
    # the pool their queries use, none would be left for the queries.
    chats = [ChatRef("telegram", str(2000 + n)) for n in range(POOL_SIZE)]
    for chat in chats:
        await other.save_turn(chat, None, None, "1")

    async def turn(chat: ChatRef) -> bool:
        async with other.chat_turn(chat):
            return (await other.load_chat(chat, "1")).seen

    async with AsyncExitStack() as held:
        for chat in chats:
            await held.enter_async_context(storage.chat_turn(chat))
        waiting = [asyncio.create_task(turn(chat)) for chat in chats]
        await asyncio.sleep(WAIT)
        assert not any(task.done() for task in waiting)
        assert await asyncio.wait_for(other.count_accounts(), 5) == 0  # queries still run
    assert await asyncio.wait_for(asyncio.gather(*waiting), 5) == [True] * len(chats)


async def test_the_engine_takes_its_turn_after_another_process(
    storage: Storage, other: Storage
) -> None:
    await seed_demo(storage, now=NOW)
    engine = DialogEngine(other, dialog_config(load_settings(DEFAULTS_FILE)), lambda: NOW)

    async with storage.chat_turn(ANNA):
        answering = asyncio.create_task(engine.handle(Start(ANNA, update_id="7")))
        await asyncio.sleep(WAIT)
        assert not answering.done()
        assert not (await storage.load_chat(ANNA, "7")).seen
    replies = await asyncio.wait_for(answering, 5)

    assert replies[0].text.startswith("Здравствуйте!")
    assert (await storage.load_chat(ANNA, "7")).seen
