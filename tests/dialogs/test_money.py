"""«Мой счёт» as the resident reads it: the billing system's balance as of its day, the last
payment, the current month's bill or that it is not yet issued, the amount to pay with its due
date, and the penalty estimate for a debt overdue by more than 30 days (Housing Code art. 155
p. 14), in both languages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from billing_core.models import Account, Meter, MeterKind, Period, Register, Stove
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from storage.base import ImportedBalance, ImportRow, Storage
from tests.dialogs.conftest import MSK
from tests.dialogs.conversation import Conversation, FakeClock
from tests.dialogs.test_recalculation import estimated_months

NB = "\u00a0"
NUMBER, SERIAL = "1111122233", "0099001"
ACCOUNT = Account(NUMBER, Meter(SERIAL, MeterKind.SINGLE), stove=Stove.GAS)


async def with_readings(storage: Storage) -> None:
    """May 200 and August 800: an average of 200 kWh a month, 8,00 ₽ a kWh (gas, 2026)."""
    for period, value in ((Period(2026, 5), 200), (Period(2026, 8), 800)):
        await storage.upsert_accounts([ImportRow(ACCOUNT, period, {Register.T1: Decimal(value)})])


async def resident(engine: DialogEngine, lang: str = "ru") -> Conversation:
    chat = Conversation(engine, f"resident-{lang}")
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send(f"/bind {NUMBER} {SERIAL}")
    if lang == "en":
        await chat.send("/lang en")
    return chat


def balance(
    as_of: date, amount: str, paid_on: date | None = None, paid: str = ""
) -> ImportedBalance:
    return ImportedBalance(
        NUMBER, as_of, Decimal(amount), paid_on, Decimal(paid) if paid else None
    )


async def test_a_debtor_sees_the_debt_the_last_payment_and_the_penalty_so_far(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    # As of 1 September: the bill for August, due 10 September, is unpaid. On 20 November it
    # is 71 days late: 41 days past the 30 free ones at 1/300 of 9.5 %:
    # 1 500 × 0.095 × 41 / 300 = 19.475 → 19,48 ₽.
    await storage.record_balance(balance(date(2026, 9, 1), "1500", date(2026, 8, 5), "800"))
    chat = await resident(DialogEngine(storage, config, clock))
    await chat.send("/bill")
    text = chat.text()
    assert "Лицевой счёт 11111-222-33:" in text
    assert "Счёт за ноябрь 2026 ещё не выставлен." in text
    assert f"Долг на 1 сентября: 1{NB}500,00{NB}₽ (по данным расчётной системы)." in text
    assert f"Последняя оплата: 800,00{NB}₽, 5 августа." in text
    assert f"пени на 20 ноября ≈ 19,48{NB}₽" in text
    assert "(ЖК РФ, ст. 155, ч. 14; ставка 9,5 %). Это оценка" in text
    assert f"Итого к оплате: 1{NB}500,00{NB}₽ до 10 сентября." in text

    # November's reading: the bill starts from the balance, which is shown above it.
    await chat.send("/submit 1000")
    await chat.press("sub:ok")
    await chat.send("/bill")
    text = chat.text()
    assert "ещё не выставлен" not in text
    assert f"Долг на 1 сентября: 1{NB}500,00{NB}₽" in text
    assert f"Последняя оплата: 800,00{NB}₽, 5 августа." in text
    assert "Счёт за ноябрь 2026 по показаниям" in text
    assert f"Долг / переплата: 1{NB}500,00{NB}₽" in text
    # 200 kWh × 8,00 = 1 600,00, and the debt: 3 100,00
    assert f"Итого к оплате: 3{NB}100,00{NB}₽ до 10 декабря." in text


async def test_a_debt_within_30_days_of_its_due_date_shows_no_penalty(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 11, 1), "700"))  # due 10 November
    chat = await resident(DialogEngine(storage, config, clock))
    await chat.send("/bill")
    text = chat.text()
    assert f"Долг на 1 ноября: 700,00{NB}₽" in text
    assert "пени" not in text
    assert "Последняя оплата" not in text
    assert f"Итого к оплате: 700,00{NB}₽ до 10 ноября." in text


async def test_an_overpayment_asks_nothing_and_is_carried(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 11, 1), "-312.45", date(2026, 10, 25), "2500"))
    chat = await resident(DialogEngine(storage, config, clock))
    await chat.send("/bill")
    text = chat.text()
    assert f"Переплата на 1 ноября: 312,45{NB}₽ (по данным расчётной системы)." in text
    assert f"Последняя оплата: 2{NB}500,00{NB}₽, 25 октября." in text
    assert "К оплате: 0 ₽." in text
    assert f"Переплата 312,45{NB}₽ будет учтена в следующих счетах." in text
    assert "пени" not in text
    assert "Итого к оплате" not in text


async def test_an_estimated_month_is_said_so_and_the_current_one_not_yet_billed(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await estimated_months(storage, config, ACCOUNT, [Period(2026, 9), Period(2026, 10)])
    clock.now = datetime(2026, 11, 5, 12, tzinfo=MSK)  # before November's window
    chat = await resident(DialogEngine(storage, config, clock))
    await chat.send("/bill")
    text = chat.text()
    assert text.startswith("Счёт за ноябрь 2026 ещё не выставлен.")
    assert "Счёт за октябрь 2026 рассчитан по среднему расходу" in text
    assert f"≈ 200{NB}кВт·ч × 8,00{NB}₽ = 1{NB}600,00{NB}₽" in text
    assert f"Итого к оплате: 1{NB}600,00{NB}₽ до 10 ноября." in text
    assert "расчётной системы" not in text  # no balance on file


async def test_no_balance_on_file_shows_the_bill_alone_or_that_there_is_none(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    chat = await resident(DialogEngine(storage, config, clock))
    await chat.send("/bill")
    assert chat.text().startswith("Счетов по лицевому счёту 11111-222-33 пока нет.")
    await chat.send("/submit 1000")
    await chat.press("sub:ok")
    await chat.send("/bill")
    text = chat.text()
    assert text.startswith("Счёт за ноябрь 2026 по показаниям (11111-222-33):")
    assert f"Итого к оплате: 1{NB}600,00{NB}₽ до 10 декабря." in text
    assert "расчётной системы" not in text
    assert "Последняя оплата" not in text


async def test_the_money_screen_in_english(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 9, 1), "1500", date(2026, 8, 5), "800"))
    chat = await resident(DialogEngine(storage, config, clock), "en")
    await chat.send("/bill")
    text = chat.text()
    assert "Account 11111-222-33:" in text
    assert "The bill for November 2026 has not been issued yet." in text
    assert f"Debt as of September 1: 1,500.00{NB}₽ (from the billing system)." in text
    assert f"Last payment: 800.00{NB}₽ on August 5." in text
    assert f"the penalty as of November 20 is about 19.48{NB}₽" in text
    assert "This is an estimate" in text
    assert f"Total due: 1,500.00{NB}₽ by September 10." in text
    await storage.record_balance(balance(date(2026, 11, 1), "-10", date(2026, 10, 25), "2500"))
    await chat.send("/bill")
    text = chat.text()
    assert f"Overpayment as of November 1: 10.00{NB}₽ (from the billing system)." in text
    assert "To pay: 0 ₽." in text
    await storage.record_balance(balance(date(2026, 11, 2), "0"))
    await chat.send("/bill")
    assert "Nothing owed as of November 2 (from the billing system)." in chat.text()


async def test_typed_questions_about_paying_lead_to_the_money_screen(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2026, 11, 1), "700"))
    engine = DialogEngine(storage, config, clock)
    chat = await resident(engine)
    for question in ("Как оплатить?", "сколько платить", "Какой у меня долг", "pay"):
        await chat.send(question)
        assert f"Итого к оплате: 700,00{NB}₽ до 10 ноября." in chat.text(), question
    await chat.send("привет")
    assert "к оплате" not in chat.text().lower()
    english = await resident(engine, "en")
    await english.send("How do I pay?")
    assert f"Total due: 700.00{NB}₽ by November 10." in english.text()


async def test_a_day_of_another_year_is_given_with_its_year(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    await with_readings(storage)
    await storage.record_balance(balance(date(2025, 12, 1), "100", date(2025, 11, 3), "50"))
    chat = await resident(DialogEngine(storage, config, clock))
    await chat.send("/bill")
    text = chat.text()
    assert f"Долг на 1 декабря 2025: 100,00{NB}₽" in text
    assert f"Последняя оплата: 50,00{NB}₽, 3 ноября 2025." in text
    assert "срока (10 декабря 2025): пени на 20 ноября ≈" in text
