"""The compact form of an imported account row, and a batch of them that storage reads as
`ImportRow`s.

A million-row import crosses a process boundary (the CSV is parsed in one process and written
in another) and is bound into SQL statements column by column. A flat tuple of column values
pickles in a fraction of the time an `ImportRow` (three frozen dataclasses, Decimals, enums)
takes, and SQLite binds it as it is. `RowBatch` keeps the `Storage.upsert_accounts` protocol:
it is a sequence of `ImportRow`s built on demand, and an engine that knows it reads `rows`.

`StagedRows` is a batch the reading process has already bound into a table of a SQLite file
of its own (`stage_rows`), for the SQLite engine to insert from with set-based statements: the
binding, about a quarter of what writing a new account cost, then runs beside the writer
instead of in it, and nothing is pickled. Any other reader loads the rows back.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast, overload

from billing_core.models import (
    Account,
    AccountStatus,
    Meter,
    MeterKind,
    Period,
    Readings,
    Register,
    Stove,
)
from storage.base import ImportRow

# One account row as column values, in this order (the order of `ROW_COLUMNS` below):
#   0 number, 1 address, 2 stove, 3 status, 4 residents, 5 area_m2 (text of the Decimal),
#   6 phones (space-separated), 7 window_start_day, 8 window_end_day, 9 meter serial,
#   10 zones, 11 digits, 12 decimals, 13 last_period ("YYYY-MM" or None),
#   14..16 last t1..t3 (text of the Decimal, or None), 17 keep (" name name " or ""),
#   18 house_id (a lower-case GUID, or None).
AccountRow = tuple[
    str, str, str, str, int | None, str | None, str, int | None, int | None,
    str, int, int, int, str | None, str | None, str | None, str | None, str, str | None,
]  # fmt: skip
ROW_WIDTH = 19
# The columns of a table of `AccountRow`s, in the same order.
ROW_COLUMNS = (
    "number TEXT, address TEXT, stove TEXT, status TEXT, residents INTEGER, area_m2 TEXT, "
    "phones TEXT, window_start_day INTEGER, window_end_day INTEGER, serial TEXT, "
    "zones INTEGER, digits INTEGER, decimals INTEGER, last_period TEXT, t1 TEXT, t2 TEXT, "
    "t3 TEXT, keep TEXT, house_id TEXT"
)
# Rows per multi-row INSERT, within SQLite's bound-parameter limit (999 before 3.32).
_VARIABLE_LIMIT = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
# Measured: a few hundred rows per statement bind faster than the thousands the limit allows.
_ROWS_PER_INSERT = 200

_REGISTERS = (Register.T1, Register.T2, Register.T3)


def bind_none_directly() -> None:
    """Have the sqlite3 module bind None without searching its adapters, for the whole process
    (called by whatever opens a SQLite database of ours; a second call changes nothing).

    The module looks every None it binds up in its adapter registry and then probes it for
    `__adapt__` and `__conform__` before binding NULL; an adapter registered for NoneType
    (returning None, a C call) ends that search at the first look. Binding None cost 3 times
    what binding a string does; an import batch binds about four per row: 13 % of its
    instructions (callgrind). NULL is still what is bound."""
    sqlite3.register_adapter(type(None), cast(Callable[[None], None], {}.get))


def keep_text(keep: frozenset[str] | set[str]) -> str:
    """`ImportRow.keep` as the text the upsert statements search: " a b " (or "")."""
    return f" {' '.join(sorted(keep))} " if keep else ""


def account_row(row: ImportRow) -> AccountRow:
    """An `ImportRow` as column values."""
    acc = row.account
    meter = acc.meter
    values = row.last_values
    period = t1 = t2 = t3 = None
    if row.last_period is not None and values:
        period = str(row.last_period)
        t1, t2, t3 = (None if v is None else str(v) for v in map(values.get, _REGISTERS))
    return (
        acc.number, acc.address, acc.stove.value, acc.status.value, acc.residents,
        None if acc.area_m2 is None else str(acc.area_m2), " ".join(acc.phones),
        acc.window_start_day, acc.window_end_day, meter.serial, meter.kind.value, meter.digits,
        meter.decimals, period, t1, t2, t3, keep_text(row.keep), acc.house_id,
    )  # fmt: skip


def import_row(row: AccountRow) -> ImportRow:
    """Column values back as the `ImportRow` they were made from."""
    (number, address, stove, status, residents, area, phones, start_day, end_day, serial, zones,
     digits, decimals, period, t1, t2, t3, keep, house_id) = row  # fmt: skip
    values: Readings | None = None
    if period is not None:
        values = {
            register: Decimal(text)
            for register, text in zip(_REGISTERS, (t1, t2, t3), strict=True)
            if text is not None
        }
    account = Account(
        number=number,
        meter=Meter(serial=serial, kind=MeterKind(zones), digits=digits, decimals=decimals),
        stove=Stove(stove),
        status=AccountStatus(status),
        address=address,
        residents=residents,
        area_m2=None if area is None else Decimal(area),
        phones=tuple(phones.split()),
        window_start_day=start_day,
        window_end_day=end_day,
        house_id=house_id,
    )
    last_period = None if period is None else Period.parse(period)
    return ImportRow(account, last_period, values, frozenset(keep.split()))


class RowBatch(Sequence[ImportRow]):
    """A batch of `AccountRow`s that reads as `ImportRow`s (built when asked for)."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[AccountRow]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> ImportRow: ...

    @overload
    def __getitem__(self, index: slice) -> RowBatch: ...

    def __getitem__(self, index: int | slice) -> ImportRow | RowBatch:
        if isinstance(index, slice):
            return RowBatch(self.rows[index])
        return import_row(self.rows[index])

    def __iter__(self) -> Iterator[ImportRow]:
        return map(import_row, self.rows)


@dataclass(frozen=True, slots=True)
class StagedRows(Sequence[ImportRow]):
    """`size` rows that `stage_rows` wrote to table `import_rows` of the SQLite file `path`,
    rowid 1 to `size` in file order, each account number once."""

    path: str
    size: int

    def load(self) -> list[AccountRow]:
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute("SELECT * FROM import_rows ORDER BY rowid").fetchall()
        finally:
            conn.close()

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> ImportRow: ...

    @overload
    def __getitem__(self, index: slice) -> RowBatch: ...

    def __getitem__(self, index: int | slice) -> ImportRow | RowBatch:
        return RowBatch(self.load())[index]

    def __iter__(self) -> Iterator[ImportRow]:
        return map(import_row, self.load())


def stage_rows(path: str, rows: list[AccountRow]) -> StagedRows:
    """`rows` written to a new SQLite file at `path`, to be read once and then deleted: no
    journal, no fsync."""
    bind_none_directly()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        conn.execute(f"CREATE TABLE import_rows ({ROW_COLUMNS})")
        insert_rows(conn, "INSERT INTO import_rows VALUES ", ROW_WIDTH, rows)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return StagedRows(path, len(rows))


def insert_rows(
    db: sqlite3.Connection, insert: str, width: int, rows: Sequence[tuple[Any, ...]]
) -> None:
    """`insert` ("INSERT … VALUES ") for every row, many rows per statement.

    Not `executemany` row by row: binding a few hundred rows to one statement costs the
    sqlite3 module far less per row than stepping a statement once per row, and the connection's
    thread then holds the GIL for fewer, longer stretches.
    """
    per = min(_ROWS_PER_INSERT, _VARIABLE_LIMIT // width)
    whole = len(rows) - len(rows) % per
    one = f"({', '.join('?' * width)})"
    if whole:
        chunks = (
            list(itertools.chain.from_iterable(rows[i : i + per])) for i in range(0, whole, per)
        )
        db.executemany(insert + ", ".join([one] * per), chunks)
    if whole < len(rows):
        rest = rows[whole:]
        db.execute(
            insert + ", ".join([one] * len(rest)), list(itertools.chain.from_iterable(rest))
        )


def account_rows(rows: Iterable[ImportRow]) -> list[AccountRow]:
    """The column values of `rows`: a `RowBatch`'s own, a `StagedRows`' loaded, else each
    `ImportRow` converted."""
    if isinstance(rows, RowBatch):
        return rows.rows
    if isinstance(rows, StagedRows):
        return rows.load()
    return [account_row(row) for row in rows]
