"""Binding attacks run against the Viber webhook on loopback, the real engine on SQLite: a
contact card of someone else sent in reply to the share-phone keyboard, phone numbers tried one
after another, and the lockout reset by /forget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_engine
from bot.config import DEFAULTS_FILE, load_settings
from bot.demo import seed_demo
from dialogs.events import ChatRef
from storage.base import Storage, open_storage
from tests.dialogs.conversation import FakeClock
from tests.viber.conftest import Harness, RunningBot
from tests.viber.emulator import ViberEmulator
from tests.viber.resident import ViberResident
from tests.viber.test_conversation import OPEN_DAY, SERIAL

MALLORY = "ma11oryAAAAAAAAAAAAAAA=="
VICTIM_PHONE = "+79990000001"  # on file for the demo account 12345-678-90
VICTIM_ADDRESS = "Утренняя"


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


async def mallory(bot: Harness) -> ViberResident:
    resident = ViberResident(bot, MALLORY)
    await resident.open()
    await resident.press("Согласен")
    return resident


def shows_nothing_of_the_victim(text: str) -> bool:
    return "12345" not in text and VICTIM_ADDRESS not in text and "***" not in text


async def test_someone_elses_contact_card_with_share_phone_tracking_binds_nothing(
    bot: Harness, storage: Storage
) -> None:
    attacker = await mallory(bot)
    shown_before = len(attacker.received)  # the welcome's example account number aside
    # The victim's card, sent while the share-phone keyboard is up: Viber returns its tracking
    # data with it, exactly as with the attacker's own number.
    await attacker.share_phone(VICTIM_PHONE)

    assert "номер счётчика" in attacker.text()
    assert shows_nothing_of_the_victim(attacker.text())
    assert await storage.bindings(ChatRef("viber", MALLORY)) == []

    await attacker.send("99999999")  # a guessed serial
    assert "Осталось попыток: 4" in attacker.text()
    assert shows_nothing_of_the_victim(attacker.text())
    assert await storage.bindings(ChatRef("viber", MALLORY)) == []
    # Nothing the attacker was sent, at any step, told anything about the account.
    after = attacker.received[shown_before:]
    assert all(shows_nothing_of_the_victim(m.get("text", "")) for m in after)


async def test_phone_enumeration_learns_nothing_and_runs_into_the_lockout(
    bot: Harness, storage: Storage
) -> None:
    attacker = await mallory(bot)
    answers = []
    for last in range(5):
        await attacker.send("/bind")  # back to the share-phone keyboard
        await attacker.share_phone(f"+7999000000{last}")  # …01 is on file, the rest are not
        answers.append(attacker.text())
        await attacker.send("0000000")
    # The same question whether or not the number is on file.
    assert len(set(answers)) == 1
    assert "Слишком много неудачных попыток" in attacker.text()

    await attacker.send("/bind")
    assert "Слишком много неудачных попыток" in attacker.text()
    # Locked: even the right serial for the right number binds nothing now.
    await attacker.send(f"/bind 12345-678-90 {SERIAL}")
    assert "Слишком много неудачных попыток" in attacker.text()
    assert await storage.bindings(ChatRef("viber", MALLORY)) == []


async def test_forget_does_not_reset_the_lockout(bot: Harness, storage: Storage) -> None:
    attacker = await mallory(bot)
    for guess in range(5):
        await attacker.send(f"/bind 12345-678-90 {guess:07d}")
    assert "Слишком много неудачных попыток" in attacker.text()

    await attacker.send("/forget")
    await attacker.press("Да, стереть")
    assert "стёрты" in attacker.text()
    await attacker.send("/start")
    await attacker.press("Согласен")
    await attacker.send(f"/bind 12345-678-90 {SERIAL}")

    assert "Слишком много неудачных попыток" in attacker.text()
    assert await storage.bindings(ChatRef("viber", MALLORY)) == []


async def test_many_chats_guessing_one_account_lock_that_account(
    bot: Harness, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    # Four chats of five tries each: each chat stays under its own limit, the account does not.
    for n in range(4):
        chat = await mallory_as(bot, f"ma11ory{n}AAAAAAAAAAAAA==")
        for guess in range(5 if n < 3 else 4):
            await chat.send(f"/bind 12345-678-90 {n}{guess:06d}")
    owner = await mallory_as(bot, "ownerAAAAAAAAAAAAAAAAA==")
    await owner.send("/bind 12345-678-90 7777777")
    assert "Слишком много неудачных попыток" not in owner.text()  # the 20th failure
    assert "20 failed tries aimed at account 12345-***-**" in caplog.text

    await owner.send(f"/bind 12345-678-90 {SERIAL}")

    assert "Слишком много неудачных попыток" in owner.text()
    assert await storage.bindings(ChatRef("viber", "ownerAAAAAAAAAAAAAAAAA==")) == []


async def mallory_as(bot: Harness, user_id: str) -> ViberResident:
    resident = ViberResident(bot, user_id)
    await resident.open()
    await resident.press("Согласен")
    return resident
