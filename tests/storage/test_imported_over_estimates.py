"""A reading imported from the billing system over months the bot estimated: marked as billed
there, it replaces the estimate of its month, moves the later ones, and is never charged twice
(Rules 354 p.61)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from billing_core.bills import BillingRules, compute_bill
from billing_core.models import (
    BillBasis,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
    Register,
    Stove,
)
from billing_core.tariffs import Tariff, TariffBook
from storage.base import Storage
from tests.storage.factories import account, bill, row

NUMBER = "1234567890"
AUG, SEP, OCT, NOV = (Period(2026, m) for m in (8, 9, 10, 11))
D = Decimal
AT = datetime(2026, 11, 1, tzinfo=UTC)
TARIFFS = TariffBook([
    Tariff(date(2026, 1, 1), Stove.GAS, MeterKind.TWO_ZONE, {Register.T1: D("9.61"),
                                                            Register.T2: D("4.15")}),
])  # fmt: skip


def values(t1: int, t2: int) -> dict[Register, Decimal]:
    return {Register.T1: D(t1), Register.T2: D(t2)}


def estimate(period: Period, t1: int, t2: int) -> MeterReading:
    return MeterReading(period, values(t1, t2), ReadingSource.ESTIMATED, AT)


async def estimated_sep_and_oct(storage: Storage) -> None:
    """August 1000/500 imported; September and October estimated at 100 day + 50 night."""
    two_zone = account(kind=MeterKind.TWO_ZONE)
    await storage.upsert_accounts([row(two_zone, last_period=AUG, last_values=values(1000, 500))])
    for period, t1, t2 in ((SEP, 1100, 550), (OCT, 1200, 600)):
        estimated = replace(bill(period=period), basis=BillBasis.NORMATIVE)
        assert await storage.record_estimates([(NUMBER, estimate(period, t1, t2), estimated)])


async def test_an_imported_reading_replaces_the_estimate_of_its_month(storage: Storage) -> None:
    await estimated_sep_and_oct(storage)
    two_zone = account(kind=MeterKind.TWO_ZONE)

    # the billing system read 1130/560 in September (it billed that month on it)
    await storage.upsert_accounts([row(two_zone, last_period=SEP, last_values=values(1130, 560))])

    september = await storage.current_reading(NUMBER, SEP)
    assert september is not None
    assert (september.source, september.channel) == (ReadingSource.CONTROL, "import")
    assert september.values == values(1130, 560)
    assert [b.period for b in await storage.bills(NUMBER)] == [OCT]  # September's is not current
    # October's estimate keeps its 100 + 50 kWh, on top of the imported reading
    october = await storage.current_reading(NUMBER, OCT)
    assert october is not None
    assert (october.source, october.values) == (ReadingSource.ESTIMATED, values(1230, 610))
    # the replaced estimate stays in the month's history
    assert [r.source for r in await storage.reading_history(NUMBER, SEP)] == [
        ReadingSource.ESTIMATED, ReadingSource.CONTROL]  # fmt: skip

    # November's readings 1300/700: measured from September's import, October taken back:
    # day 170 − 100 = 70, night 140 − 50 = 90 — August–September is the billing system's
    history = await storage.readings(NUMBER, limit=12)
    november = MeterReading(NOV, values(1300, 700), ReadingSource.RESIDENT, AT)
    bill_now = compute_bill(two_zone, NOV, [*history, november], TARIFFS, BillingRules())
    lines = {x.label: x.quantity_kwh for x in bill_now.lines}
    assert lines == {"t1": D(170), "t2": D(140), "t1_recalc": D(-100), "t2_recalc": D(-50)}
    # 170 × 9.61 + 140 × 4.15 − 100 × 9.61 − 50 × 4.15 = 1633.70 + 581.00 − 961.00 − 207.50
    assert bill_now.total == D("1046.20")


async def test_an_imported_month_after_the_estimates_settles_nothing_twice(
    storage: Storage,
) -> None:
    await estimated_sep_and_oct(storage)
    two_zone = account(kind=MeterKind.TWO_ZONE)

    await storage.upsert_accounts([row(two_zone, last_period=NOV, last_values=values(1300, 700))])

    assert [b.period for b in await storage.bills(NUMBER)] == [OCT, SEP]  # the bot's stand
    october = await storage.current_reading(NUMBER, OCT)
    assert october is not None
    assert october.values == values(1200, 600)
    # December measures from November's import: no recalculation of September and October
    history = await storage.readings(NUMBER, limit=12)
    december = MeterReading(NOV.next(), values(1400, 750), ReadingSource.RESIDENT, AT)
    bill_now = compute_bill(two_zone, NOV.next(), [*history, december], TARIFFS, BillingRules())
    assert bill_now.basis is BillBasis.ACTUAL
    assert {x.label: x.quantity_kwh for x in bill_now.lines} == {"t1": D(100), "t2": D(50)}


async def test_a_month_with_an_actual_reading_keeps_it(storage: Storage) -> None:
    await estimated_sep_and_oct(storage)
    two_zone = account(kind=MeterKind.TWO_ZONE)
    await storage.upsert_accounts([row(two_zone, last_period=AUG, last_values=values(999, 499))])
    august = await storage.current_reading(NUMBER, AUG)
    assert august is not None
    assert august.values == values(1000, 500)
    september = await storage.current_reading(NUMBER, SEP)
    assert september is not None
    assert september.values == values(1100, 550)
