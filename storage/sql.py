"""The small executor each engine provides, so that a statement both engines mean alike is
written once (`storage.operations`).

Statements are written in one spelling and each engine adapts it (`sqlite_executor`,
`postgres_executor`): `?` placeholders, or (never mixed with them) `?1`, `?2`… to use one
value twice; booleans compared as `= TRUE` / `= FALSE`. Parameters are Python values (str,
int, bool, Decimal, date, datetime, None); a row comes back as a sequence read by position,
its values as the engine returns them, read through `storage.rows` (`moment`, `day`,
`number`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
Row = Sequence[Any]


class Statements(Protocol):
    """What runs inside a transaction (and, each as its own, outside one)."""

    async def one(self, sql: str, *params: Any) -> Row | None: ...

    async def all(self, sql: str, *params: Any) -> list[Row]: ...

    async def run(self, sql: str, *params: Any) -> int:
        """Run a statement; the number of rows it changed."""

    async def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once per row of parameters."""


class Executor(Statements, Protocol):
    async def bulk(self, sql: str, *params: Any) -> list[Row]:
        """`all` for a read whose size grows with the data (SQLite reads it on its thread)."""

    async def transaction(
        self,
        work: Callable[[Statements], Coroutine[Any, Any, T]],
        *,
        durable: bool = True,
        bulk: bool = False,
    ) -> T:
        """`work` as one transaction, committed at its end and rolled back on any exception.
        `work` must await nothing but its statements (SQLite runs it at one go); `durable`
        False lets SQLite commit without waiting for the disk, `bulk` work (its size grows
        with the data) runs on SQLite's thread."""
