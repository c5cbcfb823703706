"""Small builders for billing tests: accounts, readings and a tariff book."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from billing_core import (
    Account,
    AccountStatus,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
    Register,
    Stove,
    Tariff,
    TariffBook,
)

D = Decimal


def account(
    kind: MeterKind = MeterKind.SINGLE,
    *,
    digits: int = 6,
    decimals: int = 0,
    stove: Stove = Stove.GAS,
    status: AccountStatus = AccountStatus.ACTIVE,
    residents: int | None = None,
    active: bool = True,
) -> Account:
    meter = Meter("0012345", kind, digits=digits, decimals=decimals, active=active)
    return Account("1234567890", meter, stove=stove, status=status, residents=residents)


def reading(
    period: str,
    *values: int | str | Decimal,
    source: ReadingSource = ReadingSource.RESIDENT,
    at: datetime | None = None,
) -> MeterReading:
    registers = (Register.T1, Register.T2, Register.T3)[: len(values)]
    parsed = Period.parse(period)
    submitted = at or datetime(parsed.year, parsed.month, 20, 12, tzinfo=UTC)
    return MeterReading(
        parsed, {r: D(v) for r, v in zip(registers, values, strict=True)}, source, submitted
    )


def monthly(
    start: str, count: int, step: int | tuple[int, ...], first: int = 1000
) -> list[MeterReading]:
    """`count` actual readings, one a month from `start`, each `step` kWh above the last."""
    steps = step if isinstance(step, tuple) else (step,)
    period = Period.parse(start)
    out = []
    for n in range(count):
        values = [first + n * s for s in steps]
        out.append(reading(str(period.shift(n)), *values))
    return out


def book(*, provisional: bool = False) -> TariffBook:
    """Two schedules per stove: Moscow's gas-stove rates of H2 2025 and 2026, and a made-up
    electric one."""
    rows = [
        (date(2025, 7, 1), Stove.GAS, ("7.87",), ("9.45", "4.08"), ("11.24", "4.08", "7.87")),
        (date(2026, 1, 1), Stove.GAS, ("8.00",), ("9.61", "4.15"), ("11.43", "4.15", "8.00")),
        (date(2026, 1, 1), Stove.ELECTRIC, ("7.28",), ("8.74", "3.77"), ("10.40", "3.77", "7.28")),
    ]
    tariffs = []
    for start, stove, *by_kind in rows:
        for kind, rates in zip(MeterKind, by_kind, strict=True):
            tariffs.append(
                Tariff(
                    start,
                    stove,
                    kind,
                    {r: D(x) for r, x in zip(kind.registers, rates, strict=True)},
                    provisional=provisional,
                )
            )
    return TariffBook(tariffs)
