"""`storage.sql.Executor` on SQLite: statements adapted once each, run on the one connection.

A transaction is one function of the connection (`SqliteConnection.atomically`), so that
nothing else runs on the connection in between: the shared `work` coroutine is driven to its
end right there. Its statements run synchronously and never suspend it; one that awaited
anything else would find no event loop to resume it, and is refused loudly.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from storage.sql import Row, Statements, T
from storage.sqlite_connection import SqliteConnection, stamp

_BOOLEAN = re.compile(r"= (TRUE|FALSE)\b")


@functools.lru_cache(maxsize=512)
def adapt(sql: str) -> str:
    """The shared spelling in SQLite's: booleans compared with 1 and 0, as the partial indexes
    are written (a comparison with TRUE does not match `WHERE is_current = 1`)."""
    return _BOOLEAN.sub(lambda found: "= 1" if found.group(1) == "TRUE" else "= 0", sql)


# Times and days as sortable ISO text, sums as the text of the Decimal: as they are stored.
_AS_STORED: dict[type, Callable[[Any], Any]] = {
    datetime: stamp,
    date: date.isoformat,
    Decimal: str,
}


def values(params: Sequence[Any]) -> Sequence[Any]:
    """Parameters as SQLite stores them; most have nothing to convert (checked by type only:
    a statement's parameters are ours, never subclasses)."""
    for value in params:
        if type(value) in _AS_STORED:
            return [_AS_STORED.get(type(v), _same)(v) for v in params]
    return params


def _same(value: Any) -> Any:
    return value


class SyncStatements:
    """`Statements` on a connection inside a transaction, on the thread that holds it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def one(self, sql: str, *params: Any) -> Row | None:
        found: Row | None = self._conn.execute(adapt(sql), values(params)).fetchone()
        return found

    async def all(self, sql: str, *params: Any) -> list[Row]:
        return self._conn.execute(adapt(sql), values(params)).fetchall()

    async def run(self, sql: str, *params: Any) -> int:
        return self._conn.execute(adapt(sql), values(params)).rowcount

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(adapt(sql), map(values, rows))


def drive(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end; its result."""
    try:
        work.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    work.close()
    raise RuntimeError("a SQLite transaction awaited something besides its own statements")


class SqliteExecutor:
    """`storage.sql.Executor` over a `SqliteConnection`."""

    def __init__(self, connection: SqliteConnection) -> None:
        self._c = connection

    async def one(self, sql: str, *params: Any) -> Row | None:
        statement, bound = adapt(sql), values(params)
        found: Row | None = await self._c.at_once(
            lambda conn: conn.execute(statement, bound).fetchone()
        )
        return found

    async def all(self, sql: str, *params: Any) -> list[Row]:
        statement, bound = adapt(sql), values(params)
        found: list[Row] = await self._c.at_once(
            lambda conn: conn.execute(statement, bound).fetchall()
        )
        return found

    async def bulk(self, sql: str, *params: Any) -> list[Row]:
        statement, bound = adapt(sql), values(params)
        found: list[Row] = await self._c.on_thread(
            lambda conn: conn.execute(statement, bound).fetchall()
        )
        return found

    async def run(self, sql: str, *params: Any) -> int:
        statement, bound = adapt(sql), values(params)
        changed: int = await self._c.atomically(
            lambda conn: conn.execute(statement, bound).rowcount
        )
        return changed

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        statement, bound = adapt(sql), [values(row) for row in rows]
        await self._c.atomically(lambda conn: conn.executemany(statement, bound))

    async def transaction(
        self,
        work: Callable[[Statements], Coroutine[Any, Any, T]],
        *,
        durable: bool = True,
        bulk: bool = False,
    ) -> T:
        def whole(conn: sqlite3.Connection) -> T:
            return drive(work(SyncStatements(conn)))

        return await self._c.atomically(whole, durable=durable, bulk=bulk)
