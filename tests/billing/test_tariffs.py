from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing_core import MeterKind, Period, Register, Stove, Tariff, TariffBook, TariffNotFound

from .factories import book

D = Decimal


@pytest.mark.parametrize(
    ("period", "stove", "kind", "register", "rate"),
    [
        pytest.param(Period(2025, 7), Stove.GAS, MeterKind.SINGLE, Register.T1, "7.87",
                     id="first-day-of-schedule"),
        pytest.param(Period(2025, 12), Stove.GAS, MeterKind.TWO_ZONE, Register.T2, "4.08",
                     id="last-month-of-old-schedule"),
        pytest.param(Period(2026, 1), Stove.GAS, MeterKind.TWO_ZONE, Register.T2, "4.15",
                     id="new-schedule-from-january"),
        pytest.param(Period(2026, 11), Stove.GAS, MeterKind.THREE_ZONE, Register.T3, "8.00",
                     id="three-zone-half-peak"),
        pytest.param(Period(2026, 11), Stove.ELECTRIC, MeterKind.TWO_ZONE, Register.T1, "8.74",
                     id="electric-stove-differs"),
    ],
)  # fmt: skip
def test_schedule_in_force_on_first_day(
    period: Period, stove: Stove, kind: MeterKind, register: Register, rate: str
) -> None:
    assert book().for_period(period, stove, kind).rate(register) == D(rate)


@pytest.mark.parametrize(
    ("period", "stove"),
    [
        pytest.param(Period(2025, 6), Stove.GAS, id="before-first-gas-schedule"),
        pytest.param(Period(2025, 12), Stove.ELECTRIC, id="before-first-electric-schedule"),
    ],
)
def test_no_schedule_yet(period: Period, stove: Stove) -> None:
    with pytest.raises(TariffNotFound, match=str(period.year)):
        book().for_period(period, stove, MeterKind.SINGLE)


def test_order_of_schedules_does_not_matter() -> None:
    tariffs = list(book())
    reversed_book = TariffBook(reversed(tariffs))
    assert len(reversed_book) == len(tariffs) == 9
    for period in (Period(2025, 8), Period(2026, 2)):
        assert reversed_book.for_period(period, Stove.GAS, MeterKind.SINGLE) == book().for_period(
            period, Stove.GAS, MeterKind.SINGLE
        )


def test_mid_month_schedule_applies_from_next_period() -> None:
    mid = Tariff(date(2026, 10, 15), Stove.GAS, MeterKind.SINGLE, {Register.T1: D("8.90")})
    tariffs = TariffBook([*book(), mid])
    assert tariffs.for_period(Period(2026, 10), Stove.GAS, MeterKind.SINGLE).rate(
        Register.T1
    ) == D("8.00")
    assert tariffs.for_period(Period(2026, 11), Stove.GAS, MeterKind.SINGLE).rate(
        Register.T1
    ) == D("8.90")


def test_same_start_twice_refused() -> None:
    twin = Tariff(date(2026, 1, 1), Stove.GAS, MeterKind.SINGLE, {Register.T1: D("9.00")})
    with pytest.raises(ValueError, match="two gas/single tariffs start on 2026-01-01"):
        TariffBook([*book(), twin])


@pytest.mark.parametrize(
    ("kind", "rates", "message"),
    [
        pytest.param(MeterKind.TWO_ZONE, {Register.T1: D(9)}, "exactly the zones t1, t2",
                     id="missing-zone"),
        pytest.param(MeterKind.SINGLE, {Register.T1: D(1), Register.T2: D(1)}, "exactly",
                     id="extra-zone"),
        pytest.param(MeterKind.SINGLE, {Register.T1: D(0)}, "positive", id="zero-rate"),
    ],
)  # fmt: skip
def test_bad_tariff_refused(kind: MeterKind, rates: dict[Register, Decimal], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Tariff(date(2026, 1, 1), Stove.GAS, kind, rates)


def test_tariff_rates_cannot_be_changed_after_build() -> None:
    rates = {Register.T1: D("8.00")}
    tariff = Tariff(date(2026, 1, 1), Stove.GAS, MeterKind.SINGLE, rates)
    rates[Register.T1] = D(1)
    assert tariff.rate(Register.T1) == D("8.00")
    with pytest.raises(TypeError):
        tariff.rates[Register.T1] = D(1)  # type: ignore[index]
