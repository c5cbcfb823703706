"""The connection under `SqliteStorage`: opening the file, where each operation runs (on the
event loop's thread or on aiosqlite's, see the plumbing below), a transaction as one function
of the connection, and the schema's lifecycle."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import aiosqlite

from storage import migrations
from storage.base import LeaderLock, StorageError, hide_password, schema_too_new
from storage.import_rows import bind_none_directly
from storage.leader import AlwaysLeader
from storage.rows import aware
from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_durability import WalFlusher

BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
# Pragmas set before a transaction's BEGIN, and the ones that put them back after its end.
Pragmas = tuple[tuple[str, ...], tuple[str, ...]]

# A durable bulk transaction commits with FULL, then goes back to the connection's NORMAL.
FULL: Pragmas = (("PRAGMA synchronous = FULL",), ("PRAGMA synchronous = NORMAL",))
# An import batch checks neither foreign keys nor CHECK constraints: every row it writes
# references an account or meter it wrote or read in the same transaction, and every value a
# CHECK constraint tests (zones, stove, status, source, the account's length) comes from the
# parser's own checks or from an enum, so those checks only cost time. The CHECK constraints'
# `IN (…)` lists cost the most: SQLite built each one as a temporary b-tree for every row,
# 30 % of a batch's instructions (measured with callgrind). Its synchronous stays NORMAL: in
# WAL mode a power cut may lose the last committed batches but never corrupts the file, and an
# import is repeatable (upsert by account number).
IMPORT: Pragmas = (
    ("PRAGMA foreign_keys = OFF", "PRAGMA ignore_check_constraints = ON"),
    ("PRAGMA foreign_keys = ON", "PRAGMA ignore_check_constraints = OFF"),
)


def stamp(moment: datetime) -> str:
    """UTC with fixed precision, so that text order is time order (bind-failure windows)."""
    return aware(moment).astimezone(UTC).isoformat(timespec="microseconds")


def run_on_thread(db: aiosqlite.Connection, work: Callable[..., Any], *args: Any) -> Any:
    """`work(*args)` as one item on the queue of aiosqlite's thread: an awaitable.

    aiosqlite has no public call that runs a function on its thread; this uses its `_execute`,
    the one every public method goes through (version pinned in constraints.txt;
    tests/storage/test_sqlite_internals.py fails loudly if it changes)."""
    return db._execute(work, *args)  # type: ignore[no-untyped-call]


def sqlite3_connection(db: aiosqlite.Connection) -> sqlite3.Connection:
    """The sqlite3 connection under aiosqlite's (its `_conn`; see `run_on_thread`), for work
    done on the loop's thread when aiosqlite's is idle (`SqliteConnection.at_once`)."""
    conn: sqlite3.Connection = db._conn
    return conn


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

    def __init__(
        self,
        db: aiosqlite.Connection,
        flusher: WalFlusher | None = None,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        self._db = db
        self.flusher = flusher  # None for a database in memory: nothing to make durable
        self.checkpointer = checkpointer  # None for a database in memory: no log
        self._closed = False
        self._queued = 0  # items put on the SQLite thread's queue (counted on the loop's thread)
        self._done = 0  # items it has finished (counted on that thread)

    def leader_lock(self, name: str) -> LeaderLock:
        return AlwaysLeader()

    @classmethod
    async def connect(cls, url: str) -> Self:
        path = _path_of(url)
        bind_none_directly()
        try:
            # We BEGIN ourselves, and the connection is used from the loop's thread too (never
            # at the same time, see `at_once`).
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
            # NORMAL: a commit survives a crash of the process but may be lost on a power cut.
            # What a resident is told about is made durable after its commit by an fsync of
            # the log off the loop (`atomically`, `storage.sqlite_durability`); imports and
            # bulk writes, on aiosqlite's thread, commit with FULL.
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA temp_store = MEMORY")  # the import's staging table
            await db.execute("PRAGMA busy_timeout = 0")
        except sqlite3.Error as exc:
            await db.close()
            raise StorageError(f"cannot use {path}: {exc}") from exc
        if path == ":memory:":
            return cls(db)
        return cls(db, WalFlusher(path), WalCheckpointer(path))

    # -- plumbing --------------------------------------------------------------------------
    # aiosqlite runs each call on the connection's own thread so that a slow call never
    # blocks the event loop. Every operation here is one function of the connection: either
    # one item on that thread's queue (`on_thread`) or, when the thread has nothing to do,
    # called right away on the loop's thread (`at_once`). Either way operations run one at a
    # time, in the order they were asked for, and never see each other's half-done work.
    async def on_thread(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` as one item on the SQLite thread's queue, waiting up to
        the busy timeout for another process's lock.

        Once queued, the work runs to its end even if the caller is cancelled.
        """
        self._check_open()
        db = self._db
        self._queued += 1  # the put below happens before this coroutine can be suspended
        try:
            result: T = await run_on_thread(db, self._waiting, work, sqlite3_connection(db), *args)
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

    async def at_once(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` on the loop's thread if the SQLite thread is idle, else
        queued behind what it is doing.

        A dialog turn's reads and writes take tens of microseconds; the hand-over to the
        thread and back took 150 (a futex wake, then the loop's self-pipe), most of a turn's
        storage time. The connection rests at busy timeout 0, so here SQLite never waits: if
        another process holds a lock, the work gets SQLITE_BUSY before it has changed anything
        and goes to the thread, which waits for the lock without blocking the loop. Only
        short, bounded work comes here; an import batch or an export page always queues, and a
        durable commit's fsync is waited for elsewhere (`atomically`). Nothing else runs on the
        connection meanwhile: the thread's queue is empty (every item counted in `_queued` is
        counted again in `_done` once finished) and this call does not yield until the work
        has ended.
        """
        self._check_open()
        if self._queued == self._done:
            try:
                return work(sqlite3_connection(self._db), *args)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise StorageError(str(exc)) from exc
            except sqlite3.Error as exc:
                raise StorageError(str(exc)) from exc
        return await self.on_thread(work, *args)

    async def atomically(self, work: Work[T], *, durable: bool = True, bulk: bool = False) -> T:
        """`work` as one write transaction, on disk when this returns unless `durable` is
        False. `bulk` work (its size grows with the data) queues on aiosqlite's thread and
        commits with synchronous = FULL; any other commits at once, and a durable one then
        waits, with the loop free, for the log's fsync (`storage.sqlite_durability`)."""
        if bulk:
            result: T = await self.on_thread(in_transaction, work, FULL if durable else None)
        else:
            result = await self.at_once(in_transaction, work, None)
            if durable and self.flusher is not None:
                await self.flusher.flush()
        if self.checkpointer is not None:
            self.checkpointer.committed()
        return result

    async def fetch_all(
        self, sql: str, params: Sequence[Any] = (), *, bulk: bool = False
    ) -> list[Any]:
        run = self.on_thread if bulk else self.at_once
        return await run(lambda conn: conn.execute(sql, params).fetchall())

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self.at_once(lambda conn: conn.execute(sql, params).fetchone())

    # -- lifecycle ---------------------------------------------------------------------------
    async def migrate(self) -> list[int]:
        return await self.on_thread(apply_migrations, migrations.load("sqlite"))

    async def schema_version(self) -> int:
        if "schema_version" not in await self.table_names():
            return 0
        row = await self.fetch_one("SELECT coalesce(max(version), 0) FROM schema_version")
        return int(row[0])

    async def schema_versions(self) -> list[int]:
        rows = await self.fetch_all("SELECT version FROM schema_version ORDER BY version")
        return [int(r[0]) for r in rows]

    async def table_names(self) -> list[str]:
        rows = await self.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(r[0] for r in rows)

    async def ping(self) -> bool:
        try:
            await self.fetch_one("SELECT 1")
        except (StorageError, ValueError):
            return False
        return True

    async def close(self) -> None:
        self._closed = True
        if self.checkpointer is not None:
            # Closed first, so that the serving connection is the last one: its close
            # checkpoints what is left and removes the log.
            await self.checkpointer.close()
        await self._db.close()

    def _check_open(self) -> None:
        # aiosqlite says ValueError("Connection closed"); callers expect the storage's own error.
        if self._closed:
            raise StorageError("the database connection is closed")


def in_transaction(conn: sqlite3.Connection, work: Work[T], around: Pragmas | None) -> T:
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


def apply_migrations(conn: sqlite3.Connection, pending: list[migrations.Migration]) -> list[int]:
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
            f"'{migration.name}', '{stamp(datetime.now(UTC))}');"
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
