"""What the SQLite engine takes from aiosqlite beyond its public API, and the executor's
spelling of shared statements: each fails loudly here if it stops holding."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest

from storage import postgres_executor, sqlite_executor
from storage.sqlite_connection import run_on_thread, sqlite3_connection
from storage.sqlite_executor import SyncStatements, drive


async def test_aiosqlite_runs_a_function_on_its_thread_through_execute(tmp_path: Path) -> None:
    # `aiosqlite.Connection._execute(fn, *args)` queues fn(*args) on the connection's thread:
    # if a new aiosqlite renames or changes it, `SqliteConnection.on_thread` must change too.
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    db = await aiosqlite.connect(tmp_path / "x.sqlite3")
    try:
        conn = sqlite3_connection(db)
        assert isinstance(conn, sqlite3.Connection)
        ran_on = await run_on_thread(db, lambda c, n: (threading.get_ident(), c, n), conn, 7)
        assert ran_on[1:] == (conn, 7)
        assert ran_on[0] != threading.get_ident()  # aiosqlite's thread, not the loop's
    finally:
        await db.close()


def test_a_transaction_that_awaits_anything_else_is_refused() -> None:
    async def sleeps(tx: SyncStatements) -> None:
        await tx.run("SELECT 1")
        await asyncio.sleep(0)

    conn = sqlite3.connect(":memory:")
    assert drive(SyncStatements(conn).one("SELECT 41 + 1")) == (42,)
    with pytest.raises(RuntimeError, match="awaited something besides its own statements"):
        drive(sleeps(SyncStatements(conn)))


def test_one_spelling_becomes_each_engines() -> None:
    shared = "SELECT 1 FROM r WHERE a = ? AND b = ? AND is_current = TRUE AND x = FALSE"
    assert sqlite_executor.adapt(shared) == (
        "SELECT 1 FROM r WHERE a = ? AND b = ? AND is_current = 1 AND x = 0"
    )
    assert postgres_executor.adapt(shared) == (
        "SELECT 1 FROM r WHERE a = $1 AND b = $2 AND is_current = TRUE AND x = FALSE"
    )
    numbered = "SELECT ?2 WHERE a = ?1 OR b = ?1"
    assert sqlite_executor.adapt(numbered) == numbered
    assert postgres_executor.adapt(numbered) == "SELECT $2 WHERE a = $1 OR b = $1"
