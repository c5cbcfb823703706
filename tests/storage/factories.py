"""Small builders for the storage contract tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from billing_core.models import (
    Account,
    Bill,
    BillBasis,
    BillLine,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
    Register,
)
from storage.base import ImportRow, Storage

AT = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)
MARCH = Period(2026, 3)


def account(
    number: str = "1234567890",
    serial: str = "0012345",
    kind: MeterKind = MeterKind.SINGLE,
    **fields: object,
) -> Account:
    return Account(number=number, meter=Meter(serial=serial, kind=kind), **fields)  # type: ignore[arg-type]


def row(acc: Account, **fields: object) -> ImportRow:
    return ImportRow(account=acc, **fields)  # type: ignore[arg-type]


def reading(
    t1: str,
    *rest: str,
    period: Period = MARCH,
    source: ReadingSource = ReadingSource.RESIDENT,
    at: datetime = AT,
    user: str = "42",
) -> MeterReading:
    registers = (Register.T1, Register.T2, Register.T3)
    values = {r: Decimal(v) for r, v in zip(registers, (t1, *rest), strict=False)}
    return MeterReading(period, values, source, at, channel="telegram", chat_user=user)


def bill(number: str = "1234567890", total: str = "787.00", period: Period = MARCH) -> Bill:
    return Bill(
        account=number,
        period=period,
        basis=BillBasis.ACTUAL,
        lines=(
            BillLine("t1", Decimal("100"), Decimal("7.87"), Decimal("787.00")),
            BillLine("balance", Decimal("0"), Decimal("0"), Decimal("0.00")),
        ),
        total=Decimal(total),
        due=date(2026, 4, 10),
        notes=("Оплатите до 10 апреля",),
    )


async def seed(storage: Storage, *accounts: Account) -> None:
    await storage.upsert_accounts([row(a) for a in accounts or (account(),)])


async def traced(storage: Storage, step: Callable[[], Awaitable[object]]) -> list[str]:
    """The statements SQLite ran during `step` (SQLite only)."""
    db: Any = getattr(storage, "_db")  # noqa: B009 - the connection's own trace
    ran: list[str] = []
    await db.set_trace_callback(ran.append)
    try:
        await step()
    finally:
        await db.set_trace_callback(None)
    return ran
