"""The account-import path of `SqliteStorage.upsert_accounts`: one batch sorted by
`ImportPlan` into what each statement writes, and the SQL that writes it."""

from __future__ import annotations

import itertools
import json
import operator
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from storage.base import ImportRow
from storage.import_rows import ROW_WIDTH, AccountRow, account_rows
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


# Columns in `AccountRow` order (storage/import_rows.py).
_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS import_rows (number TEXT, address TEXT, stove TEXT, "
    "status TEXT, residents INTEGER, area_m2 TEXT, phones TEXT, window_start_day INTEGER, "
    "window_end_day INTEGER, serial TEXT, zones INTEGER, digits INTEGER, decimals INTEGER, "
    "last_period TEXT, t1 TEXT, t2 TEXT, t3 TEXT, keep TEXT)"
)
_STAGE_ROWS = "INSERT INTO temp.import_rows VALUES "
_INSERT_PHONES = "INSERT OR IGNORE INTO account_phones (phone, account) VALUES "
# Rows per multi-row INSERT, within SQLite's bound-parameter limit (999 before 3.32).
_VARIABLE_LIMIT = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
# Measured: a few hundred rows per statement bind faster than the thousands the limit allows.
_ROWS_PER_INSERT = 200
# New accounts, staged, written by set. A meter's id is the largest id before the batch plus
# the staged row's rowid, so a reading finds its meter without a look-up (`BEGIN IMMEDIATE`
# holds every other writer off meanwhile). Phones split in SQL: canonical numbers have neither
# quotes nor commas, so '+7…' with spaces becomes a JSON array by replacing the spaces.
_FROM_STAGING = (
    "INSERT INTO accounts (number, address, stove, status, residents, area_m2, phones, "
    "window_start_day, window_end_day) SELECT number, address, stove, status, residents, "
    "area_m2, phones, window_start_day, window_end_day FROM temp.import_rows",
    "INSERT INTO meters (id, account, serial, zones, digits, decimals, active) "
    "SELECT ?1 + rowid, number, serial, zones, digits, decimals, 1 FROM temp.import_rows",
    f"{_READING_INSERT} SELECT number, ?1 + rowid, last_period, t1, t2, t3, "  # noqa: S608
    "'control', 'import', ?2 FROM temp.import_rows WHERE last_period IS NOT NULL",
    "INSERT OR IGNORE INTO account_phones (phone, account) SELECT p.value, s.number "
    "FROM temp.import_rows s, json_each('[\"' || replace(s.phones, ' ', '\",\"') || '\"]') p "
    "WHERE s.phones <> ''",
)
_NUMBER = operator.itemgetter(0)
_KNOWN = (
    "SELECT a.number, m.serial, a.phones FROM accounts a LEFT JOIN meters m "
    "ON m.account = a.number AND m.active = 1 "
    "WHERE a.number IN (SELECT value FROM json_each(?))"
)


def _insert_rows(
    db: sqlite3.Connection, insert: str, width: int, rows: Sequence[tuple[Any, ...]]
) -> None:
    """`insert` ("INSERT … VALUES ") for every row, many rows per statement.

    Not `executemany` row by row: binding a few hundred rows to one statement costs the
    sqlite3 module far less per row than stepping a statement once per row, and the connection's
    thread then holds the GIL for fewer, longer stretches.
    """
    per = min(_ROWS_PER_INSERT, _VARIABLE_LIMIT // width)
    whole = len(rows) - len(rows) % per
    one = f"({', '.join('?' * width)})"
    if whole:
        chunks = (
            list(itertools.chain.from_iterable(rows[i : i + per])) for i in range(0, whole, per)
        )
        db.executemany(insert + ", ".join([one] * per), chunks)
    if whole < len(rows):
        rest = rows[whole:]
        db.execute(
            insert + ", ".join([one] * len(rest)), list(itertools.chain.from_iterable(rest))
        )


class ImportPlan:
    """One batch sorted into what each statement of `upsert_accounts` writes."""

    def __init__(self, now: str, rows: Iterable[ImportRow]) -> None:
        self.now = now
        self.rows = account_rows(rows)
        self.fresh: list[AccountRow] = []  # accounts not in the database: staged
        self.accounts: list[tuple[Any, ...]] = []  # known accounts: upserted
        self.meters: list[tuple[Any, ...]] = []
        self.retire: list[tuple[str, str, str]] = []
        self.phones: list[tuple[str, str]] = []
        self.clear_phones: list[tuple[str, str]] = []
        self.readings: list[tuple[str | None, ...]] = []

    @property
    def added(self) -> int:
        return len(self.fresh)

    @property
    def updated(self) -> int:
        return len(self.rows) - len(self.fresh)

    def sort(self, known: dict[str, tuple[str | None, str]]) -> None:
        """`known` maps each stored account of the batch to its active meter's serial and its
        stored phones. A batch of new accounts only, each once (every batch of a fresh
        import), is staged whole, without a Python step per row."""
        rows = self.rows
        if not known and len(set(map(_NUMBER, rows))) == len(rows):
            self.fresh = rows
            return
        for row in rows:
            self.add(row, known)

    def add(self, row: AccountRow, known: dict[str, tuple[str | None, str]]) -> None:
        number = row[0]
        stored = known.get(number)
        if stored is None:
            # A row repeated later in the batch is an update of what this one writes.
            known[number] = (row[9], row[6])
            self.fresh.append(row)
            return
        serial, phones = stored
        if serial not in (None, row[9]):
            self.retire.append((self.now, number, row[9]))
        keep = row[17]  # a literal index: the type checker then knows it is the str
        if " phones " not in keep:
            # By the stored list: account_phones has no index by account in SQLite.
            self.clear_phones.extend((phone, number) for phone in phones.split())
            self.phones.extend((phone, number) for phone in row[6].split())
            phones = row[6]
        known[number] = (row[9], phones)
        self.accounts.append((*row[:9], keep))
        self.meters.append((number, row[9], row[10], row[11], row[12], keep))
        if row[13] is not None:
            self.readings.append((number, row[13], row[14], row[15], row[16], self.now))


def known_accounts(
    db: sqlite3.Connection, rows: list[AccountRow]
) -> dict[str, tuple[str | None, str]]:
    """The batch's stored accounts: number to (active meter serial, stored phones)."""
    found = db.execute(_KNOWN, (json.dumps(list(map(_NUMBER, rows))),)).fetchall()
    return {number: (serial, phones) for number, serial, phones in found}


def write_plan(db: sqlite3.Connection, plan: ImportPlan) -> None:
    """Sort `plan`'s rows by what the database holds, then run every statement they need,
    inside the caller's transaction (on the connection's thread)."""
    plan.sort(known_accounts(db, plan.rows))
    if plan.fresh:
        db.execute(_STAGING)
        _insert_rows(db, _STAGE_ROWS, ROW_WIDTH, plan.fresh)
        [first] = db.execute("SELECT coalesce(max(id), 0) FROM meters").fetchone()
        accounts, meters, readings, phones = _FROM_STAGING
        db.execute(accounts)
        db.execute(meters, (first,))
        db.execute(readings, (first, plan.now))
        db.execute(phones)
        db.execute("DELETE FROM temp.import_rows")
    if plan.accounts:
        db.executemany(_UPSERT_ACCOUNT, plan.accounts)
    if plan.retire:
        db.executemany(_RETIRE_METER, plan.retire)
    if plan.meters:
        db.executemany(_UPSERT_METER, plan.meters)
    if plan.clear_phones:
        db.executemany(
            "DELETE FROM account_phones WHERE phone = ? AND account = ?", plan.clear_phones
        )
    if plan.phones:
        _insert_rows(db, _INSERT_PHONES, 2, plan.phones)
    if plan.readings:
        db.executemany(_IMPORT_READING_KNOWN, plan.readings)
