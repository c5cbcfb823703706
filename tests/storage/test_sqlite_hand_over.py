"""Where SQLite work runs: a dialog turn on the loop's thread while the connection's thread is
idle; behind that thread's queue when it is busy; on that thread, waiting for the lock, when
another process holds it, opening included. The event loop never waits for a lock, and a
transaction that failed can be run again."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from dialogs.events import ChatRef
from storage.base import ChatProfile, DialogState, Storage, open_storage
from storage.sqlite_connection import in_transaction
from tests.storage.factories import account, row

ANNA = ChatRef("telegram", "1001")
PROFILE = ChatProfile(ANNA, locale="en")
STATE = DialogState("menu")


@pytest.fixture
async def file_storage(tmp_path: Path) -> AsyncIterator[tuple[Storage, Path]]:
    path = tmp_path / "hand-over.sqlite3"
    storage = await open_storage(f"sqlite:///{path}")
    try:
        yield storage, path
    finally:
        await storage.close()


async def _threads_of(storage: Storage, work: Any) -> tuple[Any, dict[str, set[int]]]:
    """What `work()` returned, and for each statement SQLite ran the threads it ran on."""
    db: Any = getattr(storage, "_db")  # noqa: B009 - the connection's own trace
    threads: dict[str, set[int]] = {}

    def seen(sql: str) -> None:
        threads.setdefault(sql, set()).add(threading.get_ident())

    await db.set_trace_callback(seen)
    try:
        result = await work()
    finally:
        await db.set_trace_callback(None)
    return result, threads


async def test_a_turn_runs_on_the_loops_thread_when_the_connection_is_idle(
    file_storage: tuple[Storage, Path],
) -> None:
    storage, _ = file_storage

    async def turn() -> bool:
        await storage.load_chat(ANNA, "1")
        return await storage.save_turn(ANNA, PROFILE, STATE, "1")

    saved, threads = await _threads_of(storage, turn)

    assert saved is True
    assert set().union(*threads.values()) == {threading.get_ident()}


async def test_a_lock_held_elsewhere_is_waited_for_without_blocking_the_loop(
    file_storage: tuple[Storage, Path],
) -> None:
    storage, path = file_storage
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process's import batch, say
    try:
        write = asyncio.create_task(
            _threads_of(storage, lambda: storage.save_turn(ANNA, PROFILE, STATE, "7"))
        )
        ticks = 0
        for _ in range(20):  # the loop keeps running while the write waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not write.done()
    finally:
        other.execute("COMMIT")
        other.close()

    saved, threads = await write
    assert ticks == 20
    assert saved is True
    # The first try met the lock at BEGIN and changed nothing; the write was done on the thread.
    assert threading.get_ident() not in threads["COMMIT"]
    snapshot = await storage.load_chat(ANNA, "7")
    assert (snapshot.profile, snapshot.state, snapshot.seen) == (PROFILE, STATE, True)


async def test_work_asked_for_while_the_thread_is_busy_waits_its_turn(
    file_storage: tuple[Storage, Path],
) -> None:
    storage, _ = file_storage
    numbers = [f"{n:010d}" for n in range(1_000_000_000, 1_000_003_000)]
    rows = [row(account(number, f"{index:07d}")) for index, number in enumerate(numbers)]

    importing = asyncio.create_task(storage.upsert_accounts(rows))
    await asyncio.sleep(0)  # the batch is now on the thread's queue

    # Asked for after the import: it must see the whole batch, never a half-written one.
    assert await storage.get_account(numbers[-1]) is not None
    assert importing.done()
    assert await storage.count_accounts() == len(numbers)


def test_a_failed_commit_rolls_back_so_the_transaction_can_run_again() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(
        "PRAGMA foreign_keys = ON;"
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);"
    )

    def orphan(c: sqlite3.Connection) -> None:  # refused only at COMMIT (a deferred key)
        c.execute("INSERT INTO child VALUES (7)")

    with pytest.raises(sqlite3.IntegrityError):
        in_transaction(conn, orphan, None)
    assert not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM child").fetchone() == (0,)

    def adopted(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO parent VALUES (7)")
        orphan(c)

    in_transaction(conn, adopted, None)
    assert conn.execute("SELECT count(*) FROM child").fetchone() == (1,)
    conn.close()


async def test_opening_waits_for_a_lock_held_elsewhere(tmp_path: Path) -> None:
    # A file another program made (not in WAL mode yet) and is writing to: switching it to
    # WAL needs the lock, so opening waits for it rather than failing.
    path = tmp_path / "busy.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE elsewhere (x)")
    other.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        storage = await open_storage(f"sqlite:///{path}")
    finally:
        release.join()
        other.close()
    try:
        assert await storage.ping()
        assert await storage.save_turn(ANNA, PROFILE, STATE, "1")
    finally:
        await storage.close()
