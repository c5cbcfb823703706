"""A campaign through the project's Telegram sender against a local Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.config import Settings, TelegramSettings
from bot.reminders.channels import telegram_sender
from bot.reminders.model import ReminderKind
from bot.reminders.service import ReminderService
from dialogs.events import ChatRef
from storage.base import RecipientStatus, Storage
from tests.reminders.botapi import BotApiEmulator
from tests.reminders.fakes import add_resident

OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator(rate=1000, burst=50)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def settings_for(emulator: BotApiEmulator, *, paid: bool) -> Settings:
    return Settings(
        telegram=TelegramSettings(
            token=SecretStr("123456:test"),
            api_base=emulator.base_url,
            messages_per_second=200,
            allow_paid_broadcast=paid,
        )
    )


async def add_chats(storage: Storage, count: int) -> list[str]:
    users = [str(500_000 + index) for index in range(1, count + 1)]  # Telegram ids are numbers
    for index, user in enumerate(users, start=1):
        await add_resident(storage, index, user=user, at=OPENING_AT)
    return users


async def test_each_resident_once_through_429_and_a_blocked_chat(
    storage: Storage, emulator: BotApiEmulator
) -> None:
    users = await add_chats(storage, 12)
    emulator.throttle_once = {users[3]}
    emulator.blocked = {users[5]}
    settings = settings_for(emulator, paid=False)
    async with telegram_sender(settings, storage) as sender:
        service = ReminderService(
            settings, storage, {"telegram": sender}, clock=lambda: OPENING_AT
        )
        summary = await service.run_campaign(ReminderKind.OPENING)

    reached = emulator.per_chat()
    assert set(reached) == set(users) - {users[5]}
    assert set(reached.values()) == {1}  # nobody twice, the throttled one included
    assert emulator.too_many == 1
    assert summary.run.rate_limited == 1
    assert summary.total(RecipientStatus.SENT) == 11
    assert summary.total(RecipientStatus.BLOCKED) == 1
    profile = await storage.get_profile(ChatRef("telegram", users[5]))
    assert profile is not None
    assert profile.blocked
    first = emulator.payloads[0]
    assert "home 1" in first["text"]
    assert "12" in first["text"] or "26" in first["text"]
    buttons = [b["callback_data"] for row in first["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0] == "submit:7700000001"
    assert "allow_paid_broadcast" not in first


async def test_paid_broadcast_is_asked_for_only_when_opted_in(
    storage: Storage, emulator: BotApiEmulator
) -> None:
    await add_chats(storage, 2)
    settings = settings_for(emulator, paid=True)
    async with telegram_sender(settings, storage) as sender:
        service = ReminderService(
            settings, storage, {"telegram": sender}, clock=lambda: OPENING_AT
        )
        await service.run_campaign(ReminderKind.OPENING)
    assert len(emulator.payloads) == 2
    assert all(p["allow_paid_broadcast"] is True for p in emulator.payloads)
