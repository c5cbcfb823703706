"""Writing a period's reading and bill on PostgreSQL, shared by a resident's submission and the
period's estimates."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg

from billing_core.models import Bill, MeterReading
from storage.base import StorageError
from storage.rows import aware, register_values


async def lock_meter(conn: asyncpg.Connection, account: str) -> int:
    """The account's meter id, its row locked until the transaction ends: concurrent writes for
    one meter (other processes' included) queue, and the second sees the first's reading."""
    meter_id: int | None = await conn.fetchval(
        "SELECT id FROM meters WHERE account = $1 ORDER BY active DESC, id DESC "
        "LIMIT 1 FOR UPDATE",
        account,
    )
    if meter_id is None:
        raise StorageError(f"no meter on account {account[:5]}-***-**")
    return meter_id


async def write_reading(
    conn: asyncpg.Connection, meter_id: int, account: str, reading: MeterReading, bill: Bill | None
) -> bool:
    """`reading` as the period's current one and `bill` as its current bill, retiring (never
    deleting) the earlier ones; whether there was an earlier reading. Inside a transaction."""
    period = str(reading.period)
    status = await conn.execute(
        "UPDATE readings SET is_current = false "
        "WHERE meter_id = $1 AND period = $2 AND is_current",
        meter_id,
        period,
    )
    reading_id = await conn.fetchval(
        "INSERT INTO readings (account, meter_id, period, t1, t2, t3, source, channel, "
        "chat_user, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        account, meter_id, period, *register_values(reading.values),
        reading.source.value, reading.channel, reading.chat_user, aware(reading.submitted_at),
    )  # fmt: skip
    await conn.execute(
        "UPDATE bills SET is_current = false WHERE account = $1 AND period = $2 AND is_current",
        account if bill is None else bill.account,
        period if bill is None else str(bill.period),
    )
    if bill is not None:
        await _store_bill(conn, bill, reading_id)
    return bool(status != "UPDATE 0")


async def _store_bill(conn: asyncpg.Connection, bill: Bill, reading_id: int) -> None:
    bill_id = await conn.fetchval(
        "INSERT INTO bills (account, period, basis, total, due, notes, reading_id, created_at, "
        "credit) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9) RETURNING id",
        bill.account, str(bill.period), bill.basis.value, bill.total, bill.due,
        json.dumps(list(bill.notes), ensure_ascii=False), reading_id, datetime.now(UTC),
        bill.credit,
    )  # fmt: skip
    await conn.executemany(
        "INSERT INTO bill_lines (bill_id, position, label, quantity_kwh, rate, amount) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        [
            (bill_id, i, line.label, line.quantity_kwh, line.rate, line.amount)
            for i, line in enumerate(bill.lines)
        ],
    )
