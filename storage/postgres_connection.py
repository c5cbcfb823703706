"""The pool under `PostgresStorage`: opening it, a connection or a transaction per
operation, one chat's turns kept apart across processes, and the schema's lifecycle
(migrations under an advisory lock)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from decimal import Decimal
from typing import Self

import asyncpg

from storage import migrations
from storage.base import LeaderLock, StorageError, schema_too_new, without_password
from storage.chats import ChatRef
from storage.leader import PostgresLeaderLock

POOL_SIZE = 10
MIGRATION_LOCK = 7_316_001  # pg_advisory_xact_lock key: one migrating process at a time
# pg_advisory_lock(class, key) for chat turns: the two-key form is a key space of its own.
TURN_LOCKS = 7_316
TURN_WAIT = 10.0  # seconds a turn waits for another process's turn of the same chat
_DISCONNECTED = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
_LOCK_TURN = "SELECT pg_advisory_lock($1, $2)"


async def _numerics_as_text(conn: asyncpg.Connection) -> None:
    """NUMERIC values cross as PostgreSQL spells them ('40000', '10000.00'), as SQLite's TEXT
    columns hold them. asyncpg's binary form gives 40000 back as Decimal('4E+4'): equal, but
    written as '4E+4' wherever it is printed (the readings export, for one)."""
    await conn.set_type_codec(
        "numeric", schema="pg_catalog", encoder=str, decoder=Decimal, format="text"
    )


def _turn_key(chat: ChatRef) -> int:
    # Two chats that share a key only take turns with each other: harmless.
    digest = hashlib.blake2b(f"{chat.channel}\0{chat.user_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresConnection:
    """An asyncpg pool, and the plumbing every `PostgresStorage` method goes through."""

    def __init__(self, pool: asyncpg.Pool, turns: asyncpg.Pool, url: str = "") -> None:
        self._pool = pool
        self._turns = turns  # connections that only hold turn locks (`chat_turn`)
        self._url = url  # for the leader lock's connection of its own

    @classmethod
    async def connect(cls, url: str) -> Self:
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=POOL_SIZE, timeout=10, init=_numerics_as_text
            )
        except (OSError, asyncpg.PostgresError, TimeoutError, ValueError) as exc:
            # asyncpg quotes a URL it cannot parse, password included.
            message = without_password(str(exc), url)
            raise StorageError(f"cannot connect to PostgreSQL: {message}") from None
        # Connects on first use (min_size 0): only a process that runs dialogs holds these.
        turns = await asyncpg.create_pool(url, min_size=0, max_size=POOL_SIZE, timeout=10)
        return cls(pool, turns, url)

    def leader_lock(self, name: str) -> LeaderLock:
        return PostgresLeaderLock(self._url, name)

    # -- plumbing --------------------------------------------------------------------------
    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            async with self._pool.acquire() as conn:
                yield conn
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(str(exc)) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.connection() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def chat_turn(self, chat: ChatRef) -> AsyncIterator[None]:
        """A session advisory lock on the chat, held on a connection of a pool of its own: the
        turn's queries meanwhile take connections from the main pool, so turns waiting for
        locks can never hold every connection their queries need."""
        try:
            conn = await self._turns.acquire()
        except _DISCONNECTED as exc:
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        try:
            key = _turn_key(chat)
            try:
                await conn.execute(_LOCK_TURN, TURN_LOCKS, key, timeout=TURN_WAIT)
            except TimeoutError as exc:
                raise StorageError(f"the chat's last turn held on for {TURN_WAIT:g} s") from exc
            except _DISCONNECTED as exc:
                raise StorageError(str(exc)) from exc
            yield
        finally:
            # Releasing unlocks: asyncpg resets a connection it takes back (that runs
            # pg_advisory_unlock_all), and closes one it cannot reset, which ends the session
            # and its locks. A turn that has committed is not failed for that.
            with suppress(*_DISCONNECTED):
                await self._turns.release(conn)

    # -- lifecycle ---------------------------------------------------------------------------
    async def migrate(self) -> list[int]:
        applied: list[int] = []
        async with self.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL)"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_version")}
            known = migrations.load("postgres")
            if done and max(done) > known[-1].version:
                raise schema_too_new(max(done), known[-1].version)
            for migration in known:
                if migration.version in done:
                    continue
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_version VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    datetime.now(UTC),
                )
                applied.append(migration.version)
        return applied

    async def schema_version(self) -> int:
        async with self.connection() as conn:
            if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
                return 0
            newest = await conn.fetchval("SELECT max(version) FROM schema_version")
        return int(newest or 0)

    async def schema_versions(self) -> list[int]:
        async with self.connection() as conn:
            rows = await conn.fetch("SELECT version FROM schema_version ORDER BY version")
        return [r["version"] for r in rows]

    async def table_names(self) -> list[str]:
        async with self.connection() as conn:
            rows = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        return sorted(r["tablename"] for r in rows)

    async def ping(self) -> bool:
        try:
            async with self.connection() as conn:
                await conn.fetchval("SELECT 1")
        except StorageError:
            return False
        return True

    async def close(self) -> None:
        await self._turns.close()
        await self._pool.close()
