"""The pool under `PostgresStorage`: opening it, a connection or a transaction per
operation, and the schema's lifecycle (migrations under an advisory lock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Self

import asyncpg

from storage import migrations
from storage.base import StorageError

POOL_SIZE = 10
MIGRATION_LOCK = 7_316_001  # pg_advisory_xact_lock key: one migrating process at a time


class PostgresConnection:
    """An asyncpg pool, and the plumbing every `PostgresStorage` method goes through."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, url: str) -> Self:
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE, timeout=10)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            raise StorageError(f"cannot connect to PostgreSQL: {exc}") from exc
        return cls(pool)

    # -- plumbing --------------------------------------------------------------------------
    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            async with self._pool.acquire() as conn:
                yield conn
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(str(exc)) from exc

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._conn() as conn, conn.transaction():
            yield conn

    # -- lifecycle ---------------------------------------------------------------------------
    async def migrate(self) -> list[int]:
        applied: list[int] = []
        async with self._tx() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL)"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_version")}
            for migration in migrations.load("postgres"):
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

    async def schema_versions(self) -> list[int]:
        async with self._conn() as conn:
            rows = await conn.fetch("SELECT version FROM schema_version ORDER BY version")
        return [r["version"] for r in rows]

    async def table_names(self) -> list[str]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        return sorted(r["tablename"] for r in rows)

    async def ping(self) -> bool:
        try:
            async with self._conn() as conn:
                await conn.fetchval("SELECT 1")
        except StorageError:
            return False
        return True

    async def close(self) -> None:
        await self._pool.close()
