"""A write cancelled at any point (a resident's update abandoned on shutdown, a campaign stopped
mid-send) must leave the SQLite connection usable for the next caller, and the writes after it
in order."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from billing_core.models import Period
from dialogs.events import ChatRef
from storage.base import ChatProfile, open_storage


async def test_cancelled_writes_leave_the_connection_usable(tmp_path: Path) -> None:
    path = tmp_path / "cancel.sqlite3"
    storage = await open_storage(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        chat = ChatRef("test", "resident")
        cancelled = 0
        # Another process holds the lock, so each write meets SQLITE_BUSY and waits on
        # aiosqlite's thread, where a cancellation finds it: cancel after 0, 1, 2, … loop
        # iterations, before it starts or while it waits.
        for steps in range(40):
            other.execute("BEGIN IMMEDIATE")
            write = asyncio.create_task(storage.save_profile(ChatProfile(chat, locale="en")))
            for _ in range(steps):
                await asyncio.sleep(0)
            write.cancel()
            other.execute("COMMIT")
            with contextlib.suppress(asyncio.CancelledError):
                await write
            cancelled += write.cancelled()
            # Asked for after the cancelled one: it runs after it, whatever became of that.
            await storage.save_profile(ChatProfile(chat, locale="ru"))
            # An export page always queues on the thread: once it is back, nothing asked for
            # earlier is still waiting there to land afterwards.
            assert [r async for r in storage.export_readings(Period(2026, 11))] == []
            profile = await storage.get_profile(chat)
            assert profile is not None
            assert profile.locale == "ru"
        assert cancelled > 0  # the loop really cancelled writes in flight
    finally:
        other.close()
        await storage.close()
