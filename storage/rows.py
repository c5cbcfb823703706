"""Conversions both implementations share: domain values to column values and back."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from billing_core.models import (
    Account,
    AccountStatus,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    Readings,
    ReadingSource,
    Register,
    Stove,
)

# Account columns an import leaves as stored when the file's cell is empty (`ImportRow.keep`).
KEEPABLE_COLUMNS = (
    "address", "stove", "status", "residents", "area_m2", "phones",
    "window_start_day", "window_end_day", "house_id",
)  # fmt: skip


ACCOUNT_COLUMNS = (
    "a.number, a.address, a.stove, a.status, a.residents, a.area_m2, a.phones, "
    "a.window_start_day, a.window_end_day, m.serial, m.zones, m.digits, m.decimals, m.active, "
    "a.house_id"
)
# The meter an account is shown with: the active one, else the last replaced.
ACCOUNT_SELECT = (
    f"SELECT {ACCOUNT_COLUMNS} FROM accounts a JOIN meters m ON m.id = ("  # noqa: S608
    "SELECT id FROM meters WHERE account = a.number ORDER BY active DESC, id DESC LIMIT 1)"
)
READING_COLUMNS = "period, t1, t2, t3, source, submitted_at, channel, chat_user"


def account_of(row: Sequence[Any]) -> Account:
    """A row of `ACCOUNT_SELECT` (an aiosqlite tuple or an asyncpg record) as an Account."""
    meter = Meter(
        serial=row[9], kind=MeterKind(row[10]), digits=row[11], decimals=row[12],
        active=bool(row[13]),
    )  # fmt: skip
    return Account(
        number=row[0],
        meter=meter,
        stove=Stove(row[2]),
        status=AccountStatus(row[3]),
        address=row[1],
        residents=row[4],
        area_m2=None if row[5] is None else Decimal(row[5]),  # TEXT in SQLite, NUMERIC in PG
        phones=tuple(row[6].split()),
        window_start_day=row[7],
        window_end_day=row[8],
        house_id=row[14],
    )


def aware(moment: datetime) -> datetime:
    """Timestamps are stored with their offset; a naive one is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def register_values(values: Readings) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    return values.get(Register.T1), values.get(Register.T2), values.get(Register.T3)


def readings_of(t1: object, t2: object, t3: object) -> Readings:
    """Columns t1..t3 (TEXT in SQLite, NUMERIC in PostgreSQL) back to register values."""
    found: Readings = {}
    for register, value in ((Register.T1, t1), (Register.T2, t2), (Register.T3, t3)):
        if value is not None:
            found[register] = value if isinstance(value, Decimal) else Decimal(str(value))
    return found


# Values as either engine returns them: SQLite's TEXT, PostgreSQL's own types.
def moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


_period = functools.lru_cache(maxsize=1024)(Period.parse)  # periods repeat across histories
_SOURCES = {source.value: source for source in ReadingSource}


def reading_of(row: Sequence[Any]) -> MeterReading:
    """A row of `READING_COLUMNS` as a reading."""
    return MeterReading(
        period=_period(row[0]),
        values=readings_of(row[1], row[2], row[3]),
        source=_SOURCES[row[4]],
        submitted_at=moment(row[5]),
        channel=row[6],
        chat_user=row[7],
    )


def one_per_period(found: Iterable[MeterReading], limit: int) -> list[MeterReading]:
    """Readings newest first, the first of each period, at most `limit`."""
    kept: list[MeterReading] = []
    seen: set[Period] = set()
    for reading in found:
        if reading.period not in seen:
            seen.add(reading.period)
            kept.append(reading)
    return kept[:limit]
