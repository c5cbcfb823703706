"""The connection under `SqliteStorage`: opening the file, where each operation runs (on the
event loop's thread or on aiosqlite's, see the plumbing below), and the schema's lifecycle."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

import aiosqlite

from storage import migrations, sqlite_binding  # noqa: F401 (binds None as NULL directly)
from storage.base import LeaderLock, StorageError, hide_password
from storage.leader import AlwaysLeader
from storage.sqlite_transactions import _FULL, T, Work, _in_transaction, _migrate

BUSY_TIMEOUT_MS = 5000


def _path_of(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise StorageError(
            f"a SQLite url looks like sqlite:///data/meterbot.sqlite3, got {hide_password(url)!r}"
        )
    path = url.removeprefix("sqlite:///")
    if path in ("", ":memory:"):
        return ":memory:"
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder for {path}: {exc.strerror or exc}") from exc
    return path


class SqliteConnection:
    """One aiosqlite connection, and the plumbing every `SqliteStorage` method goes through."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._closed = False
        self._queued = 0  # items put on the SQLite thread's queue (counted on the loop's thread)
        self._done = 0  # items it has finished (counted on that thread)

    def leader_lock(self, name: str) -> LeaderLock:
        return AlwaysLeader()

    @classmethod
    async def connect(cls, url: str) -> Self:
        path = _path_of(url)
        try:
            # We BEGIN ourselves, and the connection is used from the loop's thread too (never
            # at the same time, see `_at_once`).
            db = await aiosqlite.connect(
                path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,  # for the set-up below; then 0 (`_waiting`)
            )
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open {path}: {exc}") from exc
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            # NORMAL at rest, FULL for every transaction `_atomically` calls durable (all but a
            # dialog turn's): a resident is told "accepted" once the commit returns, and NORMAL
            # in WAL mode may lose the last commits on a power cut (it survives process
            # crashes). A dialog turn's commit needs no fsync (see `save_turn`), and switching
            # the setting costs about as much as the turn's statements, so the rarer durable
            # transactions are the ones that switch.
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA temp_store = MEMORY")  # the import's staging table
            await db.execute("PRAGMA busy_timeout = 0")
        except sqlite3.Error as exc:
            await db.close()
            raise StorageError(f"cannot use {path}: {exc}") from exc
        return cls(db)

    # -- plumbing --------------------------------------------------------------------------
    # aiosqlite runs each call on the connection's own thread so that a slow call never
    # blocks the event loop. Every operation here is one function of the connection: either
    # one item on that thread's queue (`_on_thread`) or, when the thread has nothing to do,
    # called right away on the loop's thread (`_at_once`). Either way operations run one at a
    # time, in the order they were asked for, and never see each other's half-done work.
    async def _on_thread(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` as one item on the SQLite thread's queue, waiting up to
        the busy timeout for another process's lock.

        aiosqlite has no public call that runs a function on its thread, so this uses its
        `_execute`, the one every public method goes through (pinned in pyproject.toml).
        Once queued, the work runs to its end even if the caller is cancelled.
        """
        self._check_open()
        db = self._db
        self._queued += 1  # the put below happens before this coroutine can be suspended
        try:
            result: T = await db._execute(self._waiting, work, db._conn, *args)  # type: ignore[no-untyped-call]
        except sqlite3.Error as exc:
            raise StorageError(str(exc)) from exc
        return result

    def _waiting(self, work: Callable[..., T], conn: sqlite3.Connection, *args: Any) -> T:
        """On the SQLite thread: `work` with the busy timeout on, then counted as done."""
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            try:
                return work(conn, *args)
            finally:
                conn.execute("PRAGMA busy_timeout = 0")
        finally:
            self._done += 1  # the thread's last touch of the connection for this item

    async def _at_once(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` on the loop's thread if the SQLite thread is idle, else
        queued behind what it is doing.

        A dialog turn's reads and writes take tens of microseconds; the hand-over to the
        thread and back took 150 (a futex wake, then the loop's self-pipe), most of a turn's
        storage time. The connection rests at busy timeout 0, so here SQLite never waits: if
        another process holds a lock, the work gets SQLITE_BUSY before it has changed anything
        and goes to the thread, which waits for the lock without blocking the loop. Only
        short, bounded work comes here; an import batch or an export page always queues. A
        durable commit's fsync (0.4 ms on the benchmark's disk) is waited for here too: the
        one connection could serve no one else meanwhile, and queuing it cost 0.25 ms more.
        Nothing else runs on the connection meanwhile: the thread's queue is empty (every
        item counted in `_queued` is counted again in `_done` once finished) and this call
        does not yield until the work has ended.
        """
        self._check_open()
        if self._queued == self._done:
            try:
                return work(self._db._conn, *args)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise StorageError(str(exc)) from exc
            except sqlite3.Error as exc:
                raise StorageError(str(exc)) from exc
        return await self._on_thread(work, *args)

    async def _atomically(self, work: Work[T], *, durable: bool = True, bulk: bool = False) -> T:
        """`work` as one write transaction, committed with synchronous = FULL unless
        `durable` is False; `bulk` work (its size grows with the data) always queues."""
        run = self._on_thread if bulk else self._at_once
        return await run(_in_transaction, work, _FULL if durable else None)

    async def _change(
        self, sql: str, params: Sequence[Any], *more: tuple[str, Sequence[Any]]
    ) -> int:
        """The statement (and `more` after it) as one durable transaction; the rows the first
        one changed."""

        def change(conn: sqlite3.Connection) -> int:
            changed = conn.execute(sql, params).rowcount
            for other, other_params in more:
                conn.execute(other, other_params)
            return changed

        return await self._atomically(change)

    async def _all(self, sql: str, params: Sequence[Any] = (), *, bulk: bool = False) -> list[Any]:
        run = self._on_thread if bulk else self._at_once
        return await run(lambda conn: conn.execute(sql, params).fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self._at_once(lambda conn: conn.execute(sql, params).fetchone())

    # -- lifecycle ---------------------------------------------------------------------------
    async def migrate(self) -> list[int]:
        return await self._on_thread(_migrate, migrations.load("sqlite"))

    async def schema_version(self) -> int:
        if "schema_version" not in await self.table_names():
            return 0
        row = await self._one("SELECT coalesce(max(version), 0) FROM schema_version")
        return int(row[0])

    async def schema_versions(self) -> list[int]:
        rows = await self._all("SELECT version FROM schema_version ORDER BY version")
        return [int(r[0]) for r in rows]

    async def table_names(self) -> list[str]:
        rows = await self._all("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(r[0] for r in rows)

    async def ping(self) -> bool:
        try:
            await self._one("SELECT 1")
        except (StorageError, ValueError):
            return False
        return True

    async def close(self) -> None:
        self._closed = True
        await self._db.close()

    def _check_open(self) -> None:
        # aiosqlite says ValueError("Connection closed"); callers expect the storage's own error.
        if self._closed:
            raise StorageError("the database connection is closed")
