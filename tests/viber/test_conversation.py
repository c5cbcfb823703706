"""The dialog's conversation scripts through Viber: the real engine on SQLite in tmp_path,
every message signed into the webhook and every answer read back from the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from billing_core.models import Period
from bot.config import DEFAULTS_FILE, load_settings
from bot.demo import seed_demo
from bot.viber.render import SHARE_PHONE_TRACKING
from bot.wiring import build_engine
from dialogs.events import ChatRef
from storage.base import Storage, open_storage
from tests.dialogs.conversation import FakeClock
from tests.viber import callbacks
from tests.viber.conftest import Harness, RunningBot
from tests.viber.emulator import Answer, ViberEmulator
from tests.viber.resident import ViberResident

MSK = ZoneInfo("Europe/Moscow")
OPEN_DAY = datetime(2026, 11, 20, 14, 5, tzinfo=MSK)  # the submission window is open
ACCOUNT, SERIAL = "1234567890", "0012345"  # demo: single-rate, last reading 46 470
RESIDENT = "pttm25kSGUo1919sBORWyA=="


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/viber.sqlite3")
    try:
        await seed_demo(opened, now=OPEN_DAY)
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def bot(emulator: ViberEmulator, storage: Storage) -> AsyncIterator[Harness]:
    settings = load_settings(DEFAULTS_FILE)
    clock = FakeClock(OPEN_DAY)
    async with RunningBot(
        emulator,
        engine_factory=lambda st: build_engine(settings, st, clock),
        storage=storage,
        base_settings=settings,
    ) as harness:
        yield harness


async def consented(bot: Harness) -> ViberResident:
    resident = ViberResident(bot, RESIDENT)
    welcome = await resident.open()
    assert "согласие" in welcome["text"]
    assert resident.labels() == ["Согласен", "Что вы храните?"]
    await resident.press("Согласен")
    assert "Согласие получено" in resident.text()
    return resident


async def test_start_consent_bind_submit_confirm(bot: Harness, storage: Storage) -> None:
    resident = await consented(bot)
    # Asked for the account, with a share-phone button that needs API level 3.
    ask = resident.last[-1]
    assert "номер лицевого счёта" in ask["text"]
    assert ask["min_api_version"] == 3
    assert ask["tracking_data"] == SHARE_PHONE_TRACKING
    assert resident.keyboard()[0]["ActionType"] == "share-phone"

    await resident.send("12345 678 90")
    assert "номер счётчика" in resident.text()
    await resident.send(SERIAL)
    assert "привязан" in resident.text()

    await resident.press("Передать показания")
    assert "Прошлое показание: 46\u00a0470" in resident.text()
    await resident.send("46700")
    assert "Проверьте показания" in resident.text()
    assert "1\u00a0840,00\u00a0₽" in resident.text()
    await resident.press("Всё верно, передать")
    assert "Показания приняты" in resident.text()

    reading = await storage.current_reading(ACCOUNT, Period(2026, 11))
    assert reading is not None
    assert [str(value) for value in reading.values.values()] == ["46700"]
    assert reading.channel == "viber"
    # Every message went out as Viber wants it.
    for message in bot.emulator.sent:
        assert message["receiver"] == RESIDENT
        assert len(message["sender"]["name"]) <= 28
        buttons = message.get("keyboard", {}).get("Buttons", [])
        assert all(1 <= button["Columns"] <= 6 for button in buttons)
    # The main menu's rows of two are two buttons of three columns each.
    menu = next(m for m in bot.emulator.sent if "Мой счёт" in str(m.get("keyboard")))
    columns = [b["Columns"] for b in menu["keyboard"]["Buttons"] if b["ActionType"] == "reply"]
    assert set(columns) <= {3, 6}


async def test_a_redelivered_confirmation_is_stored_once(bot: Harness, storage: Storage) -> None:
    resident = await consented(bot)
    await resident.send(f"/bind {ACCOUNT} {SERIAL}")
    await resident.send("/submit 46700")
    await resident.press("Всё верно, передать")
    sent_before = len(bot.emulator.sent)
    again = await resident.redeliver_last()
    assert again == []
    assert len(bot.emulator.sent) == sent_before
    history = await storage.reading_history(ACCOUNT, Period(2026, 11))
    assert len(history) == 1


async def test_a_sticker_on_the_keypad_keeps_the_resident_where_they_were(bot: Harness) -> None:
    resident = await consented(bot)
    await resident.send(f"/bind {ACCOUNT} {SERIAL}")
    await resident.press("Передать показания")
    await resident.press("По цифрам")
    await resident.press("4")

    await resident.send_sticker()

    # The dialog answers where the conversation stands, and Viber keeps showing its buttons.
    assert resident.text().startswith("Введите показание цифрами")
    assert "По цифрам" in resident.labels()
    await resident.send("46700")
    assert "Проверьте показания" in resident.text()


async def test_bind_by_shared_phone_takes_the_meter_serial_too(
    bot: Harness, storage: Storage
) -> None:
    resident = await consented(bot)
    await resident.share_phone("+79990000001")  # on file for the demo account
    assert "номер счётчика" in resident.text()
    assert "12345" not in resident.text()  # nothing of the account before the serial matches
    assert await storage.bindings(ChatRef("viber", RESIDENT)) == []

    await resident.send(SERIAL)

    assert "12345-678-90" in resident.text()
    bound = await storage.bindings(ChatRef("viber", RESIDENT))
    assert [binding.account for binding in bound] == [ACCOUNT]


async def test_history_chart_is_a_picture_viber_can_fetch(bot: Harness) -> None:
    resident = await consented(bot)
    await resident.send(f"/bind {ACCOUNT} {SERIAL}")
    await resident.send("/history")
    pictures: list[dict[str, Any]] = [m for m in resident.last if m["type"] == "picture"]
    assert len(pictures) == 1
    png = bot.emulator.media[pictures[0]["media"]]
    assert png.startswith(b"\x89PNG")


async def test_unsubscribed_resident_is_left_out_and_marked(
    bot: Harness, storage: Storage
) -> None:
    resident = await consented(bot)
    await resident.send(f"/bind {ACCOUNT} {SERIAL}")
    bot.emulator.answer_next(Answer(status=6, status_message="receiverNotSubscribed"))
    await resident.send("/bill")
    profile = await storage.get_profile(ChatRef("viber", RESIDENT))
    assert profile is not None
    assert profile.blocked is True


async def test_a_resident_writing_again_is_unblocked(bot: Harness, storage: Storage) -> None:
    resident = await consented(bot)
    await bot.post(callbacks.unsubscribed(RESIDENT))
    profile = await storage.get_profile(ChatRef("viber", RESIDENT))
    assert profile is not None
    assert profile.blocked is True
    await resident.send("привет")
    profile = await storage.get_profile(ChatRef("viber", RESIDENT))
    assert profile is not None
    assert profile.blocked is False
    assert resident.text().startswith("Здравствуйте!")  # answered: a greeting is greeted
