"""What `SqliteStorage` runs as one function of the connection: a whole transaction, or every
pending migration."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from storage import migrations
from storage.base import StorageError, schema_too_new
from storage.sqlite_rows import _stamp

T = TypeVar("T")

# Pragmas set before a transaction's BEGIN, and the ones that put them back after its end.
Pragmas = tuple[tuple[str, ...], tuple[str, ...]]

# A durable transaction commits with FULL, then goes back to the NORMAL the connection rests at.
_FULL: Pragmas = (("PRAGMA synchronous = FULL",), ("PRAGMA synchronous = NORMAL",))
# An import batch checks neither foreign keys nor CHECK constraints: every row it writes
# references an account or meter it wrote or read in the same transaction, and every value a
# CHECK constraint tests (zones, stove, status, source, the account's length) comes from the
# parser's own checks or from an enum, so those checks only cost time. The CHECK constraints'
# `IN (…)` lists cost the most: SQLite built each one as a temporary b-tree for every row,
# 30 % of a batch's instructions (measured with callgrind). Its synchronous stays NORMAL: in
# WAL mode a power cut may lose the last committed batches but never corrupts the file, and an
# import is repeatable (upsert by account number).
_IMPORT: Pragmas = (
    ("PRAGMA foreign_keys = OFF", "PRAGMA ignore_check_constraints = ON"),
    ("PRAGMA foreign_keys = ON", "PRAGMA ignore_check_constraints = OFF"),
)


Work = Callable[[sqlite3.Connection], T]


def _in_transaction(conn: sqlite3.Connection, work: Work[T], around: Pragmas | None) -> T:
    """`work` between `BEGIN IMMEDIATE` and `COMMIT`, rolled back on any exception, a failed
    COMMIT included, so that the whole transaction can be run again. `around` are the pragmas
    set before BEGIN and those that put them back after the end (SQLite will not change
    foreign_keys or synchronous inside a transaction)."""
    for pragma in around[0] if around else ():
        conn.execute(pragma)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result
    finally:
        for pragma in around[1] if around else ():
            conn.execute(pragma)


def _migrate(conn: sqlite3.Connection, pending: list[migrations.Migration]) -> list[int]:
    """Apply what `schema_version` lacks, each migration with its record in one transaction."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    newest = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    known = max((m.version for m in pending), default=0)
    if newest is not None and newest > known:
        raise schema_too_new(newest, known)
    applied: list[int] = []
    for migration in pending:
        if _has_version(conn, migration.version):
            continue
        record = (
            f"INSERT INTO schema_version VALUES ({migration.version}, "  # noqa: S608
            f"'{migration.name}', '{_stamp(datetime.now(UTC))}');"
        )
        try:
            # executescript commits first, so the whole migration and its record are one
            # script inside one IMMEDIATE transaction.
            conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\n;{record}\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if _has_version(conn, migration.version):
                continue  # another process applied it meanwhile
            raise StorageError(f"migration {migration.version} failed: {exc}") from exc
        applied.append(migration.version)
    return applied


def _has_version(conn: sqlite3.Connection, version: int) -> bool:
    found = conn.execute("SELECT 1 FROM schema_version WHERE version = ?", (version,))
    return found.fetchone() is not None
