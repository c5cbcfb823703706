"""The account-import path of `PostgresStorage.upsert_accounts` and the SQL it runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from storage.base import ImportRow, UpsertCounts
from storage.import_refusals import (
    Refusals,
    as_list,
    holders_elsewhere,
    reading_below,
    serial_held,
)
from storage.imported_readings import StoredEstimate, as_values, settle
from storage.rows import KEEPABLE_COLUMNS, register_values


def _keep_case(column: str, param: str, table: str = "accounts") -> str:
    """The stored value when the row's `keep` names the column, else the file's."""
    return (
        f"CASE WHEN strpos({param}, ' {column} ') > 0 THEN {table}.{column} "
        f"ELSE EXCLUDED.{column} END"
    )


_UPSERT_ACCOUNT = (
    "INSERT INTO accounts (number, address, stove, status, residents, area_m2, phones, "  # noqa: S608
    "window_start_day, window_end_day, house_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11) "
    "ON CONFLICT (number) DO UPDATE SET "
    + ", ".join(f"{c} = {_keep_case(c, '$10::text')}" for c in KEEPABLE_COLUMNS)
)
_UPSERT_METER = (
    "INSERT INTO meters (account, serial, zones, digits, decimals, active) "  # noqa: S608
    "VALUES ($1, $2, $3, $4, $5, true) "
    "ON CONFLICT (account, serial) DO UPDATE SET zones = EXCLUDED.zones, "
    f"digits = {_keep_case('digits', '$6::text', 'meters')}, "
    "decimals = EXCLUDED.decimals, active = true, replaced_at = NULL"
)
# A current reading for the meter and period is kept: the unique index finds it. Not a
# NOT EXISTS subquery: during an import the statistics still describe the tables before it,
# and the planner read that subquery through readings_by_period, every reading of the period
# for each row (a batch of 20,000 took 13 s instead of 0.4 s).
_IMPORT_READING = (
    "INSERT INTO readings (account, meter_id, period, t1, t2, t3, source, channel, submitted_at) "
    "SELECT $1, m.id, $2, $3, $4, $5, 'control', 'import', $6 FROM meters m "
    "WHERE m.account = $1 AND m.active "
    "ON CONFLICT (meter_id, period) WHERE is_current DO NOTHING"
)


# The rows of a batch the database refuses (`storage.import_refusals`), by ordinality (from 1):
# each serial looked up among active meters, each last reading beside its meter's stored one.
# A holder the batch itself names is left out in Python (`holders_elsewhere`): as a condition on
# meters alone, `m.account <> ALL(batch)` was applied to every meter before the join.
_SERIALS_HELD = (
    "SELECT b.i, b.serial, m.account "
    "FROM unnest($1::text[], $2::text[], $3::text[]) "
    "WITH ORDINALITY AS b(number, serial, status, i) "
    "JOIN meters m ON m.serial = b.serial AND m.active AND m.account <> b.number "
    "JOIN accounts a ON a.number = m.account AND a.status <> 'closed' "
    "WHERE b.status <> 'closed'"
)
_READINGS_BELOW = (
    "SELECT b.i, r.period, b.t1, b.t2, b.t3, r.t1, r.t2, r.t3 "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::numeric[], "
    "$6::numeric[]) WITH ORDINALITY AS b(number, serial, period, t1, t2, t3, i) "
    "JOIN meters m ON m.account = b.number AND m.active AND m.serial = b.serial "
    "CROSS JOIN LATERAL (SELECT x.period, x.t1, x.t2, x.t3 FROM readings x "
    "WHERE x.meter_id = m.id AND x.is_current AND x.source <> 'estimated' "
    "AND x.period <= b.period ORDER BY x.period DESC LIMIT 1) r "
    "WHERE b.period IS NOT NULL AND (b.t1 < r.t1 OR b.t2 < r.t2 OR b.t3 < r.t3)"
)


async def _refusals(
    conn: asyncpg.Connection, batch: Sequence[ImportRow], *, readings: bool
) -> Refusals:
    """What the database refuses of `batch`, by position; the readings only when asked (a
    batch of new accounts has none stored)."""
    refusals: Refusals = {}
    numbers = [r.account.number for r in batch]
    serials = [r.account.meter.serial for r in batch]
    found = await conn.fetch(
        _SERIALS_HELD, numbers, serials, [r.account.status.value for r in batch]
    )
    for i, serial, holder in holders_elsewhere(found, numbers):
        serial_held(refusals, i - 1, serial, holder)
    if readings:
        last = [
            None if r.last_period is None or not r.last_values else register_values(r.last_values)
            for r in batch
        ]
        periods = [
            None if v is None else str(r.last_period) for r, v in zip(batch, last, strict=True)
        ]
        columns = [[None if v is None else v[n] for v in last] for n in range(3)]
        for i, period, *values in await conn.fetch(
            _READINGS_BELOW, numbers, serials, periods, *columns
        ):
            reading_below(refusals, i - 1, period, values[:3], values[3:])
    return refusals


async def upsert_batch(
    conn: asyncpg.Connection, batch: Sequence[ImportRow], now: datetime
) -> UpsertCounts:
    """Upsert every row of `batch` the database does not refuse, inside the caller's
    transaction.

    Locks the batch's known accounts first (`FOR UPDATE`), so a concurrent import of the same
    numbers waits instead of racing."""
    known: dict[str, str | None] = {
        r["number"]: r["serial"]
        for r in await conn.fetch(
            "SELECT a.number, m.serial FROM accounts a LEFT JOIN meters m "
            "ON m.account = a.number AND m.active "
            "WHERE a.number = ANY($1::text[]) FOR UPDATE OF a",
            [r.account.number for r in batch],
        )
    }
    refusals = await _refusals(conn, batch, readings=bool(known))
    added = 0
    accounts: list[tuple[Any, ...]] = []
    meters: list[tuple[Any, ...]] = []
    retire: list[tuple[Any, ...]] = []
    phones: list[tuple[str, str]] = []
    clear_phones: list[tuple[str]] = []
    last: list[tuple[Any, ...]] = []
    for at, row in enumerate(batch):
        if at in refusals:
            continue
        acc = row.account
        keep = " " + " ".join(row.keep) + " "
        existed = acc.number in known
        if not existed:
            added += 1
        elif known[acc.number] not in (None, acc.meter.serial):
            retire.append((now, acc.number, acc.meter.serial))
        known[acc.number] = acc.meter.serial
        accounts.append((
            acc.number, acc.address, acc.stove.value, acc.status.value, acc.residents,
            acc.area_m2, " ".join(acc.phones), acc.window_start_day, acc.window_end_day,
            keep, acc.house_id,
        ))  # fmt: skip
        meters.append((
            acc.number, acc.meter.serial, acc.meter.kind.value, acc.meter.digits,
            acc.meter.decimals, keep,
        ))  # fmt: skip
        if "phones" not in row.keep:
            if existed:
                clear_phones.append((acc.number,))
            phones.extend((phone, acc.number) for phone in acc.phones)
        if row.last_period is not None and row.last_values:
            last.append((acc.number, str(row.last_period), *register_values(row.last_values), now))
    await conn.executemany(_UPSERT_ACCOUNT, accounts)
    if retire:
        await conn.executemany(
            "UPDATE meters SET active = false, replaced_at = $1 "
            "WHERE account = $2 AND serial <> $3 AND active",
            retire,
        )
    await conn.executemany(_UPSERT_METER, meters)
    if clear_phones:
        await conn.executemany("DELETE FROM account_phones WHERE account = $1", clear_phones)
    if phones:
        await conn.executemany(
            "INSERT INTO account_phones (phone, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            phones,
        )
    if last:
        await _settle_estimates(conn, last)
        await conn.executemany(_IMPORT_READING, last)
    return UpsertCounts(added, len(accounts) - added, as_list(refusals))


async def _settle_estimates(conn: asyncpg.Connection, last: list[tuple[Any, ...]]) -> None:
    """Imported readings take the place of the bot's estimate of their month, and move its
    later estimates (`storage.imported_readings`)."""
    found = await conn.fetch(
        "SELECT r.id, r.account, r.period, r.t1, r.t2, r.t3, m.digits FROM readings r "
        "JOIN meters m ON m.id = r.meter_id WHERE r.account = ANY($1::text[]) "
        "AND r.is_current AND r.source = 'estimated'",
        sorted({row[0] for row in last}),
    )
    if not found:
        return
    done = settle(
        ((row[0], row[1], as_values(row[2], row[3], row[4])) for row in last),
        [StoredEstimate(r["id"], r["account"], r["period"], as_values(r["t1"], r["t2"], r["t3"]),
                        r["digits"]) for r in found],
    )  # fmt: skip
    if done.retire_readings:
        await conn.executemany("UPDATE readings SET is_current = false WHERE id = $1",
                               [(i,) for i in done.retire_readings])  # fmt: skip
        await conn.executemany(
            "UPDATE bills SET is_current = false "
            "WHERE account = $1 AND period = $2 AND is_current",
            done.retire_bills,
        )
    if done.rebase:
        await conn.executemany(
            "UPDATE readings SET t1 = $2, t2 = $3, t3 = $4 WHERE id = $1",
            [(i, *values) for i, values in done.rebase],
        )
