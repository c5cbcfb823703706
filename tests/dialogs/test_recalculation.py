"""Readings after estimated months, as the resident reads them: the recalculation lines called
so, «К оплате: 0 ₽» with the overpayment carried, the next bill deducting it, History keeping
consumption and recalculation apart, and the normative's true reason (Rules 354 p.59–p.61)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from billing_core.bills import compute_bill, estimated_reading
from billing_core.models import Account, Meter, MeterKind, Period, Register, Stove
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from storage.base import ImportRow, Storage
from tests.dialogs.conftest import MSK
from tests.dialogs.conversation import Conversation, FakeClock

NB = "\u00a0"
D = Decimal
NUMBER, SERIAL = "1111122233", "0099001"


async def estimated_months(
    storage: Storage, config: DialogConfig, account: Account, months: list[Period]
) -> None:
    """Close each month without a reading, as `meterbot close-period` does."""
    for period in months:
        subject = await storage.load_subject(account.number)
        history = list(subject.history)
        at = datetime(period.next().year, period.next().month, 1, 3, tzinfo=MSK)
        reading = estimated_reading(account, period, history, config.billing, at)
        bill = compute_bill(account, period, history, config.tariffs, config.billing)
        assert await storage.record_estimates([(account.number, reading, bill)])


async def bound_to(engine: DialogEngine, lang: str) -> Conversation:
    chat = Conversation(engine, f"resident-{lang}")
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send(f"/bind {NUMBER} {SERIAL}")
    if lang == "en":
        await chat.send("/lang en")
    return chat


async def test_credit_shown_carried_and_deducted_ru(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    # single-rate, gas stove: 8.00 ₽ a kWh in 2026. The average of 200 kWh a month (May 200 →
    # August 800) bills September and October: 800 → 1 000 → 1 200 in the estimates.
    account = Account(NUMBER, Meter(SERIAL, MeterKind.SINGLE), stove=Stove.GAS)
    await storage.upsert_accounts(
        [ImportRow(account, Period(2026, 5), {Register.T1: Decimal(200)})]
    )
    await storage.upsert_accounts(
        [ImportRow(account, Period(2026, 8), {Register.T1: Decimal(800)})]
    )
    engine = DialogEngine(storage, config, clock)
    await estimated_months(storage, config, account, [Period(2026, 9), Period(2026, 10)])
    chat = await bound_to(engine, "ru")

    await chat.send("/submit 850")  # 50 kWh since August, against 400 kWh estimated
    text = chat.text()
    # 50 × 8,00 = 400,00; −400 × 8,00 = −3 200,00; 400,00 − 3 200,00 = −2 800,00
    assert f"850 → 50{NB}кВт·ч × 8,00{NB}₽ = 400,00{NB}₽" in text
    assert f"перерасчёт: -400{NB}кВт·ч × 8,00{NB}₽ = -3{NB}200,00{NB}₽" in text
    assert "К оплате: 0 ₽." in text
    assert f"Переплата 2{NB}800,00{NB}₽ будет учтена в следующих счетах." in text
    assert "Итого к оплате: -" not in text
    await chat.press("Всё верно, передать")
    assert f"к оплате 0 ₽, переплата 2{NB}800,00{NB}₽ будет учтена" in chat.text()

    await chat.send("/bill")
    text = chat.text()
    assert "с перерасчётом" in text
    assert f"(перерасчёт): -400{NB}кВт·ч" in text
    assert f"Переплата 2{NB}800,00{NB}₽ будет учтена в следующих счетах." in text

    await chat.send("/history")
    text = chat.text()
    # consumption and the recalculation apart, not a net "−350"
    assert f"ноябрь 2026: 850 — 50{NB}кВт·ч за 3 мес.; перерасчёт -400{NB}кВт·ч" in text
    assert f"октябрь 2026: 1{NB}200 — 200{NB}кВт·ч (по среднему)" in text
    assert "оранжевые — перерасчёт" in chat.last_reply().text

    # December: 150 kWh × 8,00 = 1 200,00 deducted from the 2 800,00 credit: 1 600,00 left
    clock.advance(days=30)
    await chat.send("/submit 1000")
    text = chat.text()
    assert f"Переплата из прошлых счетов: -2{NB}800,00{NB}₽" in text
    assert "К оплате: 0 ₽." in text
    assert f"Переплата 1{NB}600,00{NB}₽ будет учтена" in text


async def test_credit_shown_in_english(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    account = Account(NUMBER, Meter(SERIAL, MeterKind.SINGLE), stove=Stove.GAS)
    await storage.upsert_accounts(
        [ImportRow(account, Period(2026, 5), {Register.T1: Decimal(200)})]
    )
    await storage.upsert_accounts(
        [ImportRow(account, Period(2026, 8), {Register.T1: Decimal(800)})]
    )
    engine = DialogEngine(storage, config, clock)
    await estimated_months(storage, config, account, [Period(2026, 9), Period(2026, 10)])
    chat = await bound_to(engine, "en")

    await chat.send("/submit 850")
    text = chat.text()
    assert f"recalculation: -400{NB}kWh × 8.00{NB}₽ = -3,200.00{NB}₽" in text
    assert "To pay: 0 ₽." in text
    assert f"The overpayment of 2,800.00{NB}₽ will be credited to your next bills." in text
    await chat.press("sub:ok")
    assert f"nothing to pay; the overpayment of 2,800.00{NB}₽ will be credited" in chat.text()
    await chat.send("/history")
    assert f"50{NB}kWh over 3 months; recalculation -400{NB}kWh" in chat.text()
    assert "(average)" in chat.text()


async def test_two_zone_normative_months_settled_once_both_locales(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    """The two-zone example: 1000/500 in August, 1100/550 in September; October and November on
    the normative (150 kWh a month for one resident), 1300/700 submitted in December."""
    rules = replace(
        config.billing,
        normatives={Stove.GAS: tuple(map(Decimal, ["150", "75", "50", "40", "30"]))},
    )
    config = replace(config, billing=rules)
    account = Account(NUMBER, Meter(SERIAL, MeterKind.TWO_ZONE), stove=Stove.GAS, residents=1)
    values = {Register.T1: Decimal(1000), Register.T2: Decimal(500)}
    await storage.upsert_accounts([ImportRow(account, Period(2026, 8), values)])
    later = {Register.T1: Decimal(1100), Register.T2: Decimal(550)}
    await storage.upsert_accounts([ImportRow(account, Period(2026, 9), later)])
    await estimated_months(storage, config, account, [Period(2026, 10), Period(2026, 11)])
    clock.advance(days=30)  # 20 December
    engine = DialogEngine(storage, config, clock)
    chat = await bound_to(engine, "ru")

    await chat.send("/bill")  # November's bill: the normative because the history is short
    text = chat.text()
    assert (
        "рассчитан по нормативу: показаний нет, а для среднего расхода их пока слишком мало"
        in text
    )
    # 150 kWh by the account's own shares 100 : 50 → 100 day, 50 night (zone tariffs 9,61 / 4,15)
    assert f"Т1 день: ≈ 100{NB}кВт·ч × 9,61{NB}₽ = 961,00{NB}₽" in text
    assert f"Т2 ночь: ≈ 50{NB}кВт·ч × 4,15{NB}₽ = 207,50{NB}₽" in text

    await chat.send("/submit 1300 700")
    text = chat.text()
    # since September: day 200 and night 150 used; day 200 and night 100 billed
    assert f"1{NB}300 → 200{NB}кВт·ч × 9,61{NB}₽ = 1{NB}922,00{NB}₽" in text
    assert f"700 → 150{NB}кВт·ч × 4,15{NB}₽ = 622,50{NB}₽" in text
    assert f"Т1 день, перерасчёт: -200{NB}кВт·ч × 9,61{NB}₽ = -1{NB}922,00{NB}₽" in text
    assert f"Т2 ночь, перерасчёт: -100{NB}кВт·ч × 4,15{NB}₽ = -415,00{NB}₽" in text
    # the 50 night kWh still owed: 50 × 4,15 = 207,50
    assert f"Итого к оплате: 207,50{NB}₽" in text
    await chat.press("Всё верно, передать")
    await chat.send("/history")
    assert (
        f"ноябрь 2026: Т1 день 1{NB}300, Т2 ночь 650 — 150{NB}кВт·ч (по нормативу)" in chat.text()
    )

    english = await bound_to(engine, "en")
    await english.send("/history")
    assert f"150{NB}kWh (normative)" in english.text()
    assert f"350{NB}kWh over 3 months; recalculation -300{NB}kWh" in english.text()


async def test_the_estimate_heading_gives_the_true_reason_in_both_locales(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    # 100 kWh a month February–June; July–September on the average, October on the normative
    per_person = tuple(map(D, ["150", "75", "50", "40", "30"]))
    config = replace(config, billing=replace(config.billing, normatives={Stove.GAS: per_person}))
    account = Account(NUMBER, Meter(SERIAL, MeterKind.SINGLE), stove=Stove.GAS, residents=1)
    await storage.upsert_accounts([ImportRow(account, Period(2026, 2), {Register.T1: D(1000)})])
    await storage.upsert_accounts([ImportRow(account, Period(2026, 6), {Register.T1: D(1400)})])
    months = [Period(2026, m) for m in (7, 8, 9)]
    await estimated_months(storage, config, account, months)
    engine = DialogEngine(storage, config, clock)
    russian, english = await bound_to(engine, "ru"), await bound_to(engine, "en")
    await russian.send("/bill")
    await english.send("/bill")
    assert "рассчитан по среднему расходу: показаний за этот месяц нет" in russian.text()
    assert "computed on the average consumption: no readings came for this month" in (
        english.text())  # fmt: skip
    await estimated_months(storage, config, account, [Period(2026, 10)])
    await russian.send("/bill")
    await english.send("/bill")
    # 150 kWh × 8,00 = 1 200,00 ₽ on the normative: the average's three months are used up
    assert "по нормативу: показаний нет больше 3 мес. подряд" in russian.text()
    assert f"≈ 150{NB}кВт·ч × 8,00{NB}₽ = 1{NB}200,00{NB}₽" in russian.text()
    assert "on the normative: no readings for more than 3 months in a row" in english.text()
    await russian.send("/history")
    assert f"октябрь 2026: 1{NB}850 — 150{NB}кВт·ч (по нормативу)" in russian.text()
    assert f"сентябрь 2026: 1{NB}700 — 100{NB}кВт·ч (по среднему)" in russian.text()
