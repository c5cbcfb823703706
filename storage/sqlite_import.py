"""The account-import path of `SqliteStorage.upsert_accounts`: one batch sorted by
`ImportPlan` into what each statement writes, and the SQL that writes it."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite

from billing_core.models import AccountStatus, MeterKind, Register, Stove
from storage.base import ImportRow
from storage.rows import KEEPABLE_COLUMNS


def _keep_case(column: str, keep: str, table: str = "accounts") -> str:
    """The stored value when the row's `keep` names the column, else the file's."""
    return (
        f"CASE WHEN instr({keep}, ' {column} ') THEN {table}.{column} ELSE excluded.{column} END"
    )


# Numbered parameters bound from tuples: measurably faster than names over a million rows.
_UPSERT_ACCOUNT = (
    "INSERT INTO accounts (number, address, stove, status, residents, area_m2, phones, "  # noqa: S608
    "window_start_day, window_end_day) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (number) DO UPDATE SET "
    + ", ".join(f"{c} = {_keep_case(c, '?10')}" for c in KEEPABLE_COLUMNS)
)
_UPSERT_METER = (
    "INSERT INTO meters (account, serial, zones, digits, decimals, active) "  # noqa: S608
    "VALUES (?1, ?2, ?3, ?4, ?5, 1) "
    "ON CONFLICT (account, serial) DO UPDATE SET zones = excluded.zones, "
    f"digits = {_keep_case('digits', '?6', 'meters')}, "
    "decimals = excluded.decimals, active = 1, replaced_at = NULL"
)
_RETIRE_METER = (
    "UPDATE meters SET active = 0, replaced_at = ? "
    "WHERE account = ? AND serial <> ? AND active = 1"
)
_READING_INSERT = (
    "INSERT INTO readings (account, meter_id, period, t1, t2, t3, source, channel, submitted_at)"
)
# A known account keeps a current reading the file may repeat: added only when missing.
_IMPORT_READING_KNOWN = (
    f"{_READING_INSERT} SELECT ?1, m.id, ?2, ?3, ?4, ?5, 'control', 'import', ?6 FROM meters m "  # noqa: S608
    "WHERE m.account = ?1 AND m.active = 1 AND NOT EXISTS ("
    "SELECT 1 FROM readings r WHERE r.meter_id = m.id AND r.period = ?2 AND r.is_current = 1)"
)


_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS import_rows (number TEXT, address TEXT, stove TEXT, "
    "status TEXT, residents INTEGER, area_m2 TEXT, phones TEXT, window_start_day INTEGER, "
    "window_end_day INTEGER, serial TEXT, zones INTEGER, digits INTEGER, decimals INTEGER, "
    "last_period TEXT, t1 TEXT, t2 TEXT, t3 TEXT)"
)
_STAGE_ROWS = "INSERT INTO temp.import_rows VALUES "
_INSERT_PHONES = "INSERT OR IGNORE INTO account_phones (phone, account) VALUES "
# Rows per multi-row INSERT, within SQLite's bound-parameter limit (999 before 3.32).
_VARIABLE_LIMIT = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
_ROWS_PER_INSERT = 10_000
_FROM_STAGING = (
    "INSERT INTO accounts (number, address, stove, status, residents, area_m2, phones, "
    "window_start_day, window_end_day) SELECT number, address, stove, status, residents, "
    "area_m2, phones, window_start_day, window_end_day FROM temp.import_rows",
    "INSERT INTO meters (account, serial, zones, digits, decimals, active) "
    "SELECT number, serial, zones, digits, decimals, 1 FROM temp.import_rows",
    f"{_READING_INSERT} SELECT s.number, m.id, s.last_period, s.t1, s.t2, s.t3, "  # noqa: S608
    "'control', 'import', ? FROM temp.import_rows s "
    "JOIN meters m ON m.account = s.number AND m.active = 1 WHERE s.last_period IS NOT NULL",
)


async def _insert_rows(
    db: aiosqlite.Connection, insert: str, width: int, rows: Sequence[tuple[Any, ...]]
) -> None:
    """`insert` ("INSERT … VALUES ") for every row, many rows per statement.

    Not `executemany` row by row: the sqlite3 module releases the GIL around each statement
    and takes it back after, and while the import parses the next batch on the other thread,
    every take-back waits for that thread's switch interval. One statement per few hundred
    rows makes that wait rare.
    """
    per = min(_ROWS_PER_INSERT, _VARIABLE_LIMIT // width)
    whole = len(rows) - len(rows) % per
    one = f"({', '.join('?' * width)})"
    if whole:
        chunks = (
            list(itertools.chain.from_iterable(rows[i : i + per])) for i in range(0, whole, per)
        )
        await db.executemany(insert + ", ".join([one] * per), chunks)
    if whole < len(rows):
        rest = rows[whole:]
        await db.execute(
            insert + ", ".join([one] * len(rest)), list(itertools.chain.from_iterable(rest))
        )


class ImportPlan:
    """One batch sorted into what each statement of `upsert_accounts` writes."""

    def __init__(self, now: str) -> None:
        self.now = now
        self.added = 0
        self.fresh: list[tuple[Any, ...]] = []  # accounts not in the database: staged
        self.accounts: list[tuple[Any, ...]] = []  # known accounts: upserted
        self.meters: list[tuple[Any, ...]] = []
        self.retire: list[tuple[str, str, str]] = []
        self.phones: list[tuple[str, str]] = []
        self.clear_phones: list[tuple[str]] = []
        self.readings: list[tuple[str | None, ...]] = []

    def add(self, row: ImportRow, known: dict[str, str | None]) -> None:
        # Runs once per imported row: enum values and registers are read through plain dicts.
        acc = row.account
        meter = acc.meter
        number = acc.number
        existed = number in known
        area = None if acc.area_m2 is None else str(acc.area_m2)
        t1 = t2 = t3 = None
        values = row.last_values
        period = None if row.last_period is None or not values else str(row.last_period)
        if period is not None and values:
            t1, t2, t3 = (None if v is None else str(v) for v in map(values.get, _REGISTERS))
        keep = row.keep
        phones = acc.phones
        if "phones" not in keep:
            if existed:
                self.clear_phones.append((number,))
            if phones:
                self.phones.extend((phone, number) for phone in phones)
        stove, status = _VALUE[acc.stove], _VALUE[acc.status]
        if not existed:
            self.added += 1
            known[number] = meter.serial  # a repeat later in the batch is an update
            self.fresh.append((
                number, acc.address, stove, status, acc.residents, area, " ".join(phones),
                acc.window_start_day, acc.window_end_day, meter.serial, _VALUE[meter.kind],
                meter.digits, meter.decimals, period, t1, t2, t3,
            ))  # fmt: skip
            return
        if known[number] not in (None, meter.serial):
            self.retire.append((self.now, number, meter.serial))
        known[number] = meter.serial
        kept = " " + " ".join(keep) + " " if keep else ""
        self.accounts.append((
            number, acc.address, stove, status, acc.residents, area, " ".join(phones),
            acc.window_start_day, acc.window_end_day, kept,
        ))  # fmt: skip
        self.meters.append(
            (number, meter.serial, _VALUE[meter.kind], meter.digits, meter.decimals, kept)
        )
        if period is not None:
            self.readings.append((number, period, t1, t2, t3, self.now))


_REGISTERS = (Register.T1, Register.T2, Register.T3)
_VALUE: dict[Any, Any] = {
    member: member.value for kind in (Stove, AccountStatus, MeterKind) for member in kind
}


async def write_plan(db: aiosqlite.Connection, plan: ImportPlan) -> None:
    """Run every statement `plan` needs, inside the caller's transaction."""
    if plan.fresh:
        await db.execute(_STAGING)
        await _insert_rows(db, _STAGE_ROWS, 17, plan.fresh)
        for statement in _FROM_STAGING:
            await db.execute(statement, (plan.now,) if "?" in statement else ())
        await db.execute("DELETE FROM temp.import_rows")
    if plan.accounts:
        await db.executemany(_UPSERT_ACCOUNT, plan.accounts)
    if plan.retire:
        await db.executemany(_RETIRE_METER, plan.retire)
    if plan.meters:
        await db.executemany(_UPSERT_METER, plan.meters)
    if plan.clear_phones:
        await db.executemany("DELETE FROM account_phones WHERE account = ?", plan.clear_phones)
    if plan.phones:
        await _insert_rows(db, _INSERT_PHONES, 2, plan.phones)
    if plan.readings:
        await db.executemany(_IMPORT_READING_KNOWN, plan.readings)
