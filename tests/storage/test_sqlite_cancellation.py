"""A write cancelled at any point (a resident's update abandoned on shutdown, a campaign stopped
mid-send) must leave the SQLite connection usable for the next caller."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from dialogs.events import ChatRef
from storage.base import ChatProfile, open_storage


async def test_cancelled_writes_leave_the_connection_usable(tmp_path: Path) -> None:
    storage = await open_storage(f"sqlite:///{tmp_path}/cancel.sqlite3")
    try:
        chat = ChatRef("test", "resident")
        cancelled = 0
        # Cancel after 0, 1, 2, … loop iterations: before the write starts, while it waits on
        # aiosqlite's thread, or after it has ended.
        for steps in range(40):
            write = asyncio.create_task(storage.save_profile(ChatProfile(chat, locale="en")))
            for _ in range(steps):
                await asyncio.sleep(0)
            write.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await write
            cancelled += write.cancelled()
            await storage.save_profile(ChatProfile(chat, locale="ru"))
            profile = await storage.get_profile(chat)
            assert profile is not None
            assert profile.locale == "ru"
        assert cancelled > 0  # the loop really cancelled writes in flight
    finally:
        await storage.close()
