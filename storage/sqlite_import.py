"""The account-import path of `SqliteStorage.upsert_accounts`: one batch sorted by
`ImportPlan` into what each statement writes, and the SQL that writes it."""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Iterable
from typing import Any

from storage.base import ImportRow, UpsertCounts
from storage.import_refusals import (
    Refusals,
    as_list,
    holders_elsewhere,
    reading_below,
    serial_held,
)
from storage.import_rows import (
    ROW_COLUMNS,
    ROW_WIDTH,
    AccountRow,
    RowBatch,
    StagedRows,
    account_rows,
    insert_rows,
)
from storage.imported_readings import StoredEstimate, as_values, settle
from storage.rows import KEEPABLE_COLUMNS
from storage.sqlite_connection import IMPORT, in_transaction


def _keep_case(column: str, keep: str, table: str = "accounts") -> str:
    """The stored value when the row's `keep` names the column, else the file's."""
    return (
        f"CASE WHEN instr({keep}, ' {column} ') THEN {table}.{column} ELSE excluded.{column} END"
    )


# Numbered parameters bound from tuples: measurably faster than names over a million rows.
_UPSERT_ACCOUNT = (
    "INSERT INTO accounts (number, address, stove, status, residents, area_m2, phones, "  # noqa: S608
    "window_start_day, window_end_day, house_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11) "
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


_STAGING = f"CREATE TEMP TABLE IF NOT EXISTS import_rows ({ROW_COLUMNS})"
_STAGE_ROWS = "INSERT INTO temp.import_rows VALUES "
_INSERT_PHONES = "INSERT OR IGNORE INTO account_phones (phone, account) VALUES "


def _from_staging(table: str) -> tuple[str, str, str, str]:
    """New accounts, staged in `table`, written by set. A meter's id is the largest id before
    the batch plus the staged row's rowid, so a reading finds its meter without a look-up
    (`BEGIN IMMEDIATE` holds every other writer off meanwhile). Phones split in SQL: canonical
    numbers have neither quotes nor commas, so '+7…' with spaces becomes a JSON array by
    replacing the spaces; they go in in their index's order, which touches each of its pages
    once (a third less time than the file's order, measured)."""
    return (
        "INSERT INTO accounts (number, address, stove, status, residents, area_m2, phones, "  # noqa: S608
        "window_start_day, window_end_day, house_id) SELECT number, address, stove, status, "
        f"residents, area_m2, phones, window_start_day, window_end_day, house_id FROM {table}",
        "INSERT INTO meters (id, account, serial, zones, digits, decimals, active) "  # noqa: S608
        f"SELECT ?1 + rowid, number, serial, zones, digits, decimals, 1 FROM {table}",
        f"{_READING_INSERT} SELECT number, ?1 + rowid, last_period, t1, t2, t3, "  # noqa: S608
        f"'control', 'import', ?2 FROM {table} WHERE last_period IS NOT NULL",
        "INSERT OR IGNORE INTO account_phones (phone, account) SELECT p.value, s.number "  # noqa: S608
        f"FROM {table} s, json_each('[\"' || replace(s.phones, ' ', '\",\"') || '\"]') p "
        "WHERE s.phones <> '' ORDER BY p.value",
    )


_FROM_STAGING = _from_staging("temp.import_rows")
_FROM_STAGED = _from_staging("staged.import_rows")
_NUMBER = operator.itemgetter(0)
_KNOWN = (
    "SELECT a.number, m.serial, a.phones FROM accounts a LEFT JOIN meters m "
    "ON m.account = a.number AND m.active = 1 "
    "WHERE a.number IN (SELECT value FROM json_each(?))"
)


def _refusal_checks(table: str) -> tuple[str, str]:
    """The rows of `table` (rowid 1..n in batch order) the database refuses
    (`storage.import_refusals`): each serial looked up among active meters, each known
    account's last reading beside its meter's stored one. CROSS JOIN keeps the batch as the
    outer loop: the planner knows nothing of a staged table's size."""
    return (
        "SELECT s.rowid, s.serial, m.account FROM "  # noqa: S608
        f"{table} s CROSS JOIN meters m CROSS JOIN accounts a "
        "WHERE s.status <> 'closed' AND m.serial = s.serial AND m.active = 1 "
        "AND m.account <> s.number AND a.number = m.account AND a.status <> 'closed'",
        "SELECT s.rowid, r.period, s.t1, s.t2, s.t3, r.t1, r.t2, r.t3 FROM "  # noqa: S608
        f"{table} s CROSS JOIN meters m CROSS JOIN readings r "
        "WHERE s.last_period IS NOT NULL AND m.account = s.number AND m.active = 1 "
        "AND m.serial = s.serial AND r.id = (SELECT x.id FROM readings x "
        "WHERE x.meter_id = m.id AND x.is_current = 1 AND x.source <> 'estimated' "
        "AND x.period <= s.last_period ORDER BY x.period DESC LIMIT 1) "
        "AND (CAST(s.t1 AS REAL) < CAST(r.t1 AS REAL) OR CAST(s.t2 AS REAL) < CAST(r.t2 AS REAL) "
        "OR CAST(s.t3 AS REAL) < CAST(r.t3 AS REAL))",
    )


_CHECKS = {table: _refusal_checks(table) for table in ("temp.import_rows", "staged.import_rows")}


def _refusals(db: sqlite3.Connection, table: str, *, readings: bool) -> Refusals:
    """What the database refuses of the batch in `table`, by position; the readings only when
    asked (a batch of new accounts has none stored)."""
    serials, below = _CHECKS[table]
    refusals: Refusals = {}
    found = db.execute(serials).fetchall()
    if found:
        numbers = [number for (number,) in db.execute(f"SELECT number FROM {table}")]  # noqa: S608
        for rowid, serial, holder in holders_elsewhere(found, numbers):
            serial_held(refusals, rowid - 1, serial, holder)
    if readings:
        for rowid, period, *values in db.execute(below):
            reading_below(refusals, rowid - 1, period, values[:3], values[3:])
    return refusals


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
        self.rejected: tuple[tuple[int, str], ...] = ()

    @property
    def added(self) -> int:
        return len(self.fresh)

    @property
    def updated(self) -> int:
        return len(self.rows) - len(self.fresh)

    def refuse(self, refusals: Refusals) -> None:
        """Leave out the rows the database refuses (by position), and say why."""
        if refusals:
            self.rows = [row for at, row in enumerate(self.rows) if at not in refusals]
            self.rejected = as_list(refusals)

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
        self.accounts.append((*row[:9], keep, row[18]))
        self.meters.append((number, row[9], row[10], row[11], row[12], keep))
        if row[13] is not None:
            self.readings.append((number, row[13], row[14], row[15], row[16], self.now))


def known_accounts(
    db: sqlite3.Connection, rows: list[AccountRow]
) -> dict[str, tuple[str | None, str]]:
    """The batch's stored accounts: number to (active meter serial, stored phones)."""
    found = db.execute(_KNOWN, (json.dumps(list(map(_NUMBER, rows))),)).fetchall()
    return {number: (serial, phones) for number, serial, phones in found}


def write_plan(db: sqlite3.Connection, plan: ImportPlan, *, checked: bool = False) -> None:
    """Leave out the rows the database refuses (unless `checked` already), sort the rest by
    what the database holds, then run every statement they need, inside the caller's
    transaction (on the connection's thread)."""
    known = known_accounts(db, plan.rows)
    db.execute(_STAGING)
    if not checked:
        insert_rows(db, _STAGE_ROWS, ROW_WIDTH, plan.rows)
        plan.refuse(_refusals(db, "temp.import_rows", readings=bool(known)))
        db.execute("DELETE FROM temp.import_rows")
    plan.sort(known)
    if plan.fresh:
        insert_rows(db, _STAGE_ROWS, ROW_WIDTH, plan.fresh)
        _insert_fresh(db, _FROM_STAGING, plan.now)
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
        insert_rows(db, _INSERT_PHONES, 2, plan.phones)
    if plan.readings:
        _settle_estimates(db, plan.readings)
        db.executemany(_IMPORT_READING_KNOWN, plan.readings)


_ESTIMATES_OF = (
    "SELECT r.id, r.account, r.period, r.t1, r.t2, r.t3, m.digits FROM readings r "
    "JOIN meters m ON m.id = r.meter_id WHERE r.account IN (SELECT value FROM json_each(?)) "
    "AND r.is_current = 1 AND r.source = 'estimated'"
)


def _settle_estimates(db: sqlite3.Connection, readings: list[tuple[str | None, ...]]) -> None:
    """Imported readings take the place of the bot's estimate of their month, and move its
    later estimates (`storage.imported_readings`)."""
    numbers = sorted({str(r[0]) for r in readings})
    found = db.execute(_ESTIMATES_OF, (json.dumps(numbers),)).fetchall()
    if not found:
        return
    done = settle(
        ((str(r[0]), str(r[1]), as_values(r[2], r[3], r[4])) for r in readings),
        [StoredEstimate(i, a, p, as_values(t1, t2, t3), d) for i, a, p, t1, t2, t3, d in found],
    )
    db.executemany("UPDATE readings SET is_current = 0 WHERE id = ?",
                   [(i,) for i in done.retire_readings])  # fmt: skip
    db.executemany(
        "UPDATE bills SET is_current = 0 WHERE account = ? AND period = ? AND is_current = 1",
        done.retire_bills,
    )
    db.executemany(
        "UPDATE readings SET t1 = ?, t2 = ?, t3 = ? WHERE id = ?",
        [(*(None if v is None else str(v) for v in values), i) for i, values in done.rebase],
    )


def _insert_fresh(db: sqlite3.Connection, statements: tuple[str, ...], now: str) -> None:
    [first] = db.execute("SELECT coalesce(max(id), 0) FROM meters").fetchone()
    accounts, meters, readings, phones = statements
    db.execute(accounts)
    db.execute(meters, (first,))
    db.execute(readings, (first, now))
    db.execute(phones)


_KNOWN_STAGED = (
    "SELECT a.number, m.serial, a.phones FROM staged.import_rows s "
    "JOIN accounts a ON a.number = s.number "
    "LEFT JOIN meters m ON m.account = a.number AND m.active = 1"
)


def write_staged(db: sqlite3.Connection, now: str, batch: StagedRows) -> UpsertCounts:
    """`batch` written from its own file, attached for the transaction (ATTACH cannot happen
    inside one): set-based when every account is new, else as `write_plan` writes rows."""
    db.execute("ATTACH DATABASE ? AS staged", (batch.path,))
    try:
        return in_transaction(db, lambda conn: _write_staged(conn, now, batch), IMPORT)
    finally:
        db.execute("DETACH DATABASE staged")


def _write_staged(db: sqlite3.Connection, now: str, batch: StagedRows) -> UpsertCounts:
    known = db.execute(_KNOWN_STAGED + " LIMIT 1").fetchone() is not None
    refusals = _refusals(db, "staged.import_rows", readings=known)
    if refusals:
        db.execute(
            "DELETE FROM staged.import_rows WHERE rowid IN (SELECT value FROM json_each(?))",
            (json.dumps([at + 1 for at in refusals]),),
        )
    if not known:
        _insert_fresh(db, _FROM_STAGED, now)
        return UpsertCounts(batch.size - len(refusals), 0, as_list(refusals))
    rows = db.execute("SELECT * FROM staged.import_rows ORDER BY rowid").fetchall()
    plan = ImportPlan(now, RowBatch(rows))
    write_plan(db, plan, checked=True)
    return UpsertCounts(plan.added, plan.updated, as_list(refusals))
