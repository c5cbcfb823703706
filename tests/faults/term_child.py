"""A bot process for the SIGTERM test: runs a campaign as `meterbot run` does (supervised) and
stops as `meterbot run` does on SIGTERM (`ReminderService.shutdown`).

python -m tests.faults.term_child <storage url> <deliveries file>
"""

from __future__ import annotations

import asyncio
import signal
import sys

from bot.config import Settings
from bot.reminders.model import ReminderKind
from bot.reminders.service import ReminderService
from storage.base import open_storage
from tests.reminders.crash_child import OPENING_AT, FileChannel
from tests.reminders.fakes import fake_render


async def main(url: str, path: str) -> None:
    storage = await open_storage(url)
    service = ReminderService(
        Settings(),
        storage,
        {"telegram": FileChannel(path)},
        clock=lambda: OPENING_AT,
        render=fake_render,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    service.spawn("campaign-opening", lambda: service.run_campaign(ReminderKind.OPENING))
    await stop.wait()
    await service.shutdown()
    await storage.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
