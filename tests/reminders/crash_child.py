"""A bot process for the kill test: sends a campaign, writing each delivery to a file at once.

python -m tests.reminders.crash_child <storage url> <deliveries file>
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels import SendOutcome, SendResult
from bot.config import Settings
from bot.reminders.model import ReminderKind
from bot.reminders.service import ReminderService
from dialogs.replies import Reply
from storage.base import open_storage
from tests.reminders.fakes import fake_render

OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


class FileChannel:
    channel = "telegram"
    messages_per_second = 200.0

    def __init__(self, path: str) -> None:
        self.out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run

    async def send(self, user_id: str, replies: Sequence[Reply]) -> SendResult:
        await asyncio.sleep(0.005)
        self.out.write(user_id + "\n")
        self.out.flush()  # in the kernel before the send returns: a SIGKILL cannot lose it
        return SendResult(SendOutcome.SENT)


async def main(url: str, path: str) -> None:
    storage = await open_storage(url)
    service = ReminderService(
        Settings(),
        storage,
        {"telegram": FileChannel(path)},
        clock=lambda: OPENING_AT,
        render=fake_render,
    )
    await service.run_campaign(ReminderKind.OPENING)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
