"""`storage.sql.Executor` on PostgreSQL: the shared spelling's `?` placeholders numbered as
asyncpg wants them, each statement on a connection of the pool (a transaction on one)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

import asyncpg

from storage.postgres_connection import PostgresConnection
from storage.sql import Row, Statements, T

_PLACEHOLDER = re.compile(r"\?(\d*)")


@functools.lru_cache(maxsize=512)
def adapt(sql: str) -> str:
    """`?` as $1, $2… in order, `?N` as $N. (No statement holds a `?` in a string literal.)"""
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda m: f"${m.group(1) or next(counter)}", sql)


def changed(status: str) -> int:
    """The row count of a command status ("INSERT 0 1", "UPDATE 3", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class ConnectionStatements:
    """`Statements` on one connection (a transaction's)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def one(self, sql: str, *params: Any) -> Row | None:
        found: Row | None = await self._conn.fetchrow(adapt(sql), *params)
        return found

    async def all(self, sql: str, *params: Any) -> list[Row]:
        found: list[Row] = await self._conn.fetch(adapt(sql), *params)
        return found

    async def run(self, sql: str, *params: Any) -> int:
        return changed(await self._conn.execute(adapt(sql), *params))

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(adapt(sql), rows)


class PostgresExecutor:
    """`storage.sql.Executor` over a `PostgresConnection`'s pool."""

    def __init__(self, connection: PostgresConnection) -> None:
        self._c = connection

    async def one(self, sql: str, *params: Any) -> Row | None:
        async with self._c.connection() as conn:
            return await ConnectionStatements(conn).one(sql, *params)

    async def all(self, sql: str, *params: Any) -> list[Row]:
        async with self._c.connection() as conn:
            return await ConnectionStatements(conn).all(sql, *params)

    async def bulk(self, sql: str, *params: Any) -> list[Row]:
        return await self.all(sql, *params)

    async def run(self, sql: str, *params: Any) -> int:
        async with self._c.connection() as conn:
            return await ConnectionStatements(conn).run(sql, *params)

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._c.transaction() as conn:
            await ConnectionStatements(conn).many(sql, rows)

    async def transaction(
        self,
        work: Callable[[Statements], Coroutine[Any, Any, T]],
        *,
        durable: bool = True,
        bulk: bool = False,
    ) -> T:
        async with self._c.transaction() as conn:
            return await work(ConnectionStatements(conn))
