"""The daily prune: a week of update ids kept, run again after each day, a failure retried."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.housekeeping import EVERY, KEEP, keep_tidy
from dialogs.events import ChatRef
from storage.base import StorageError, open_storage

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class PruneLog:
    """A storage that records the moments it is asked to prune before; the second one fails."""

    def __init__(self) -> None:
        self.before: list[datetime] = []

    async def prune(self, before: datetime) -> int:
        self.before.append(before)
        if len(self.before) == 2:
            raise StorageError("database is locked")
        return 5


async def test_prunes_a_week_back_every_day_and_goes_on_after_a_failure() -> None:
    storage = PruneLog()
    days = iter(NOW + timedelta(days=n) for n in range(10))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await keep_tidy(storage, lambda: next(days), sleep=sleep)  # type: ignore[arg-type]

    assert storage.before == [NOW - KEEP + timedelta(days=n) for n in range(3)]
    assert slept == [EVERY.total_seconds()] * 3


async def test_on_a_real_database_old_update_ids_go(tmp_path: Path) -> None:
    storage = await open_storage(f"sqlite:///{tmp_path}/tidy.sqlite3")
    chat = ChatRef("telegram", "1")
    try:
        await storage.save_turn(chat, None, None, "41")

        async def stop(seconds: float) -> None:
            raise asyncio.CancelledError

        later = datetime.now(UTC) + KEEP + timedelta(minutes=1)
        with pytest.raises(asyncio.CancelledError):
            await keep_tidy(storage, lambda: later, sleep=stop)
        assert (await storage.load_chat(chat, "41")).seen is False
    finally:
        await storage.close()
