"""A campaign through the MAX sender against the local MAX Bot API emulator: paced at
`[max] messages_per_second`, each resident once, a stopped bot marked blocked."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.channels import SendOutcome
from bot.max.sender import max_sender
from bot.reminders.model import ReminderKind
from bot.reminders.service import ReminderService
from dialogs.events import ChatRef
from dialogs.replies import Reply
from storage.base import RecipientStatus, Storage
from tests.max.conftest import max_settings
from tests.max.emulator import MaxEmulator, served
from tests.reminders.fakes import add_resident

OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
FIRST_USER = 8000


@pytest.fixture
async def emulator() -> AsyncIterator[MaxEmulator]:
    async with served() as api:
        yield api


async def test_each_max_resident_once_at_the_channels_pace_and_the_stopped_marked(
    storage: Storage, emulator: MaxEmulator
) -> None:
    users = [FIRST_USER + index for index in range(1, 11)]
    for index, user in enumerate(users, start=1):
        await add_resident(storage, index, channel="max", user=str(user), at=OPENING_AT)
    stopped = users[3]
    emulator.stopped.add(stopped)
    # One 429 (the bot's requests a second exceeded) and one 503 on the way: the campaign
    # waits and sends the same row again, and a transient failure goes back to pending.
    emulator.fail("/messages", 429, 503)
    settings = max_settings(emulator.api_base)
    async with max_sender(settings) as sender:
        service = ReminderService(settings, storage, {"max": sender}, clock=lambda: OPENING_AT)
        assert service.pacers["max"].rate == settings.max.messages_per_second == 20
        summary = await service.run_campaign(ReminderKind.OPENING)
        await service.run_campaign(ReminderKind.OPENING)  # the same campaign again: nothing new

    reached = Counter(message.user_id for message in emulator.sent)
    assert set(reached) == set(users) - {stopped}
    assert set(reached.values()) == {1}  # nobody twice, the rows behind the 429 and 503 too
    assert summary.total(RecipientStatus.SENT) == 9
    assert summary.total(RecipientStatus.BLOCKED) == 1
    assert len(emulator.sent) == 9
    profile = await storage.get_profile(ChatRef("max", str(stopped)))
    assert profile is not None
    assert profile.blocked
    message = emulator.sent[0]
    assert "home" in message.text
    assert any(b["payload"].startswith("submit:") for row in message.buttons for b in row)
    # No retry in place: each failure was one request, and the campaign sent the row again.
    statuses = [c for c in emulator.calls if c.path == "/messages"]
    assert len(statuses) == 9 + 1 + 2  # sent, the stopped one, the 429 and the 503


async def test_meterbot_remind_gets_a_max_sender_with_only_a_max_token(
    storage: Storage, emulator: MaxEmulator
) -> None:
    from bot.max.sender import MaxSender
    from bot.reminders.channels import channel_senders

    settings = max_settings(emulator.api_base)
    async with channel_senders(settings, storage) as senders:
        assert set(senders) == {"max"}
        sender = senders["max"]
        assert isinstance(sender, MaxSender)
        assert sender.messages_per_second == 20
        # The campaigns' bot retries nothing in place: one request, and the outcome says
        # the failure is transient (the campaign gives the row back to pending).
        emulator.fail("/messages", 503)
        result = await sender.send("8100", [Reply("Открыт приём показаний")])
        assert result.outcome is SendOutcome.FAILED
        assert not result.permanent
        assert emulator.paths() == ["POST /messages"]
