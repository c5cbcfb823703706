"""A campaign through the project's Viber sender against the local Viber API emulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.config import Settings
from bot.reminders.model import ReminderKind
from bot.reminders.service import ReminderService
from bot.viber.client import ViberClient
from bot.viber.sender import ViberSender
from dialogs.events import ChatRef
from storage.base import RecipientStatus, Storage
from tests.reminders.fakes import add_resident
from tests.viber.conftest import TOKEN, viber_settings
from tests.viber.emulator import Answer, ViberEmulator, served

OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
async def emulator() -> AsyncIterator[ViberEmulator]:
    async with served(TOKEN) as api:
        yield api


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


def settings_for(emulator: ViberEmulator) -> Settings:
    settings = viber_settings(emulator.api_base, "https://bot.example.org")
    viber = settings.viber.model_copy(update={"messages_per_second": 200})
    return settings.model_copy(update={"viber": viber})


async def test_each_viber_resident_once_and_the_unsubscribed_marked(
    storage: Storage, emulator: ViberEmulator, session: aiohttp.ClientSession
) -> None:
    users = [f"viber-user-{index}==" for index in range(1, 11)]
    for index, user in enumerate(users, start=1):
        await add_resident(storage, index, channel="viber", user=user, at=OPENING_AT)
    # The first send is refused as Viber refuses a resident who left (status 6); the next one
    # meets a 503 that the client retries.
    emulator.answer_next(
        Answer(status=6, status_message="receiverNotSubscribed"), Answer(http_status=503)
    )
    settings = settings_for(emulator)
    client = ViberClient(session, TOKEN, emulator.api_base, backoff=0.01)
    sender = ViberSender(client, settings)
    service = ReminderService(settings, storage, {"viber": sender}, clock=lambda: OPENING_AT)

    summary = await service.run_campaign(ReminderKind.OPENING)

    refused = [c.body["receiver"] for c in emulator.calls if c.endpoint == "send_message!"]
    unsubscribed = refused[0]
    reached = Counter(body["receiver"] for body in emulator.sent)
    assert set(reached) == set(users) - {unsubscribed}
    assert set(reached.values()) == {1}  # nobody twice, the one behind the 503 included
    assert summary.total(RecipientStatus.SENT) == 9
    assert summary.total(RecipientStatus.BLOCKED) == 1
    profile = await storage.get_profile(ChatRef("viber", unsubscribed))
    assert profile is not None
    assert profile.blocked
    message = emulator.sent[0]
    assert message["type"] == "text"
    assert "home" in message["text"]
    actions = [button["ActionBody"] for button in message["keyboard"]["Buttons"]]
    assert any(action.startswith("act:submit:") for action in actions), actions
