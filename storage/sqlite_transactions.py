"""What `SqliteStorage` runs as one function of the connection: a whole transaction, or every
pending migration."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from storage import migrations
from storage.base import StorageError
from storage.sqlite_rows import _stamp

T = TypeVar("T")

# A durable transaction commits with FULL, then goes back to the NORMAL the connection rests at.
_FULL = ("PRAGMA synchronous = FULL", "PRAGMA synchronous = NORMAL")
# An import batch: every row it writes references an account or meter it wrote or read in the
# same transaction, so the per-row parent look-ups only cost time. Its synchronous stays
# NORMAL: in WAL mode a power cut may lose the last committed batches but never corrupts the
# file, and an import is repeatable (upsert by account number).
_NO_FOREIGN_KEYS = ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON")


Work = Callable[[sqlite3.Connection], T]


def _in_transaction(conn: sqlite3.Connection, work: Work[T], around: tuple[str, str] | None) -> T:
    """`work` between `BEGIN IMMEDIATE` and `COMMIT`, rolled back on any exception, a failed
    COMMIT included, so that the whole transaction can be run again. `around` is a pragma set
    before BEGIN and the one that puts it back after the end (SQLite refuses to change them
    inside a transaction)."""
    if around:
        conn.execute(around[0])
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
        if around:
            conn.execute(around[1])


def _migrate(conn: sqlite3.Connection, pending: list[migrations.Migration]) -> list[int]:
    """Apply what `schema_version` lacks, each migration with its record in one transaction."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
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
