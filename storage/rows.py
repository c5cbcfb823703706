"""Conversions both implementations share: domain values to column values and back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from billing_core.models import Readings, Register

# Account columns an import leaves as stored when the file's cell is empty (`ImportRow.keep`).
KEEPABLE_COLUMNS = (
    "address", "stove", "status", "residents", "area_m2", "phones",
    "window_start_day", "window_end_day",
)  # fmt: skip


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


def text_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
