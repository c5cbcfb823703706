"""Numerals that agree, the resident's own window in /help, a repeated reading that replaces
nothing, and a keypad that shows the last reading and stays open after a refusal."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from billing_core.models import (
    Account,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
    Register,
)
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef
from dialogs.render import counted, times
from dialogs.turn import Turn
from storage.base import ChatProfile, ImportRow, Storage
from tests.dialogs.conftest import MSK, NORMAL_WINDOW, SINGLE, Bound
from tests.dialogs.conversation import Conversation


def _turn(storage: Storage, config: DialogConfig, locale: str) -> Turn:
    chat = ChatRef("test", "numerals")
    return Turn(
        storage, config, chat, ChatProfile(chat, locale=locale), "menu", {}, datetime.now(MSK)
    )


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "1 раз"),
        (2, "2 раза"),
        (4, "4 раза"),
        (5, "5 раз"),
        (11, "11 раз"),
        (12, "12 раз"),
        (21, "21 раз"),
        (22, "22 раза"),
        (111, "111 раз"),
        (271, "271 раз"),
        (1001, "1\u00a0001 раз"),
    ],
)
def test_russian_numerals_agree(storage: Storage, config: DialogConfig, n: int, said: str) -> None:
    turn = _turn(storage, config, "ru")
    assert counted(turn, "times", n) == said
    assert times(turn, Decimal(n)) == said


@pytest.mark.parametrize(
    ("n", "said"), [(1, "1 день"), (3, "3 дня"), (11, "11 дней"), (21, "21 день"), (25, "25 дней")]
)
def test_days_agree_by_the_same_helper(
    storage: Storage, config: DialogConfig, n: int, said: str
) -> None:
    assert counted(_turn(storage, config, "ru"), "days", n) == said


def test_a_fraction_takes_raza_and_english_counts_too(
    storage: Storage, config: DialogConfig
) -> None:
    assert times(_turn(storage, config, "ru"), Decimal("2.5")) == "2,5 раза"
    assert times(_turn(storage, config, "en"), Decimal(271)) == "271 times"
    assert counted(_turn(storage, config, "ru"), "digits", 4) == "4 цифры"


async def test_271_times_the_usual_is_said_as_it_is_spoken(
    engine: DialogEngine, storage: Storage
) -> None:
    number = "7700000271"
    account = Account(
        number, Meter("00271", MeterKind.SINGLE), window_start_day=1, window_end_day=31
    )
    await storage.upsert_accounts([ImportRow(account)])
    for month in range(5, 11):  # 10 kWh a month
        reading = MeterReading(
            Period(2026, month), {Register.T1: Decimal(1000 + 10 * (month - 5))},
            ReadingSource.CONTROL, datetime(2026, month, 20, tzinfo=MSK),
        )  # fmt: skip
        await storage.record_submission(number, reading, None)
    chat = Conversation(engine, number)
    await chat.send("/start")
    await chat.press("Согласен")
    await chat.send(f"/bind {number} 00271")
    await chat.send("/submit 3760")  # 2,710 kWh: 271 times the usual 10
    assert "в 271 раз больше обычного" in chat.text()
    assert "раза" not in chat.text()


async def test_help_states_the_accounts_own_window(bound: Bound) -> None:
    chat = await bound(SINGLE)  # the demo's 1st–31st window
    await chat.send("/help")
    assert "Приём показаний: с 15 по 26 число каждого месяца." in chat.text()
    assert "По лицевому счёту 12345-678-90 — с 1 по 31 число." in chat.text()
    usual = await bound(NORMAL_WINDOW, user_id="usual")
    await usual.send("/help")
    assert "По лицевому счёту" not in usual.text()


async def test_the_same_reading_again_replaces_nothing(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.press("Всё верно, передать")
    await chat.send("/submit 46720")
    await chat.press("Всё верно, передать")
    assert "те же, что были переданы раньше: ничего не изменилось" in chat.text()
    assert "заменены" not in chat.text()


async def test_the_keypad_shows_the_last_reading_and_stays_open_after_a_refusal(
    bound: Bound,
) -> None:
    chat = await bound(SINGLE)
    await chat.press("Передать показания")
    await chat.press("По цифрам")
    assert "Прошлое показание: 46\u00a0470." in chat.text()
    for key in ("1", "2", "Готово"):
        await chat.press(key)
    assert "Показание меньше прошлого (46\u00a0470)" in chat.text()
    assert "_ _ _ _ _ _" in chat.text()  # a fresh keypad, not the typed prompt
    assert "Готово" in chat.labels()
    for key in "46720":
        await chat.press(key)
    await chat.press("Готово")
    assert "Проверьте показания" in chat.text()
