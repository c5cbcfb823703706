"""The compact form of an imported account row, and a batch of them that storage reads as
`ImportRow`s.

A million-row import crosses a process boundary (the CSV is parsed in one process and written
in another) and is bound into SQL statements column by column. A flat tuple of column values
pickles in a fraction of the time an `ImportRow` (three frozen dataclasses, Decimals, enums)
takes, and SQLite binds it as it is. `RowBatch` keeps the `Storage.upsert_accounts` protocol:
it is a sequence of `ImportRow`s built on demand, and an engine that knows it reads `rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import overload

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

# One account row as column values, in this order (the order of the staging table in
# storage/sqlite_import.py):
#   0 number, 1 address, 2 stove, 3 status, 4 residents, 5 area_m2 (text of the Decimal),
#   6 phones (space-separated), 7 window_start_day, 8 window_end_day, 9 meter serial,
#   10 zones, 11 digits, 12 decimals, 13 last_period ("YYYY-MM" or None),
#   14..16 last t1..t3 (text of the Decimal, or None), 17 keep (" name name " or "").
AccountRow = tuple[
    str, str, str, str, int | None, str | None, str, int | None, int | None,
    str, int, int, int, str | None, str | None, str | None, str | None, str,
]  # fmt: skip
ROW_WIDTH = 18

_REGISTERS = (Register.T1, Register.T2, Register.T3)


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
        meter.decimals, period, t1, t2, t3, keep_text(row.keep),
    )  # fmt: skip


def import_row(row: AccountRow) -> ImportRow:
    """Column values back as the `ImportRow` they were made from."""
    (number, address, stove, status, residents, area, phones, start_day, end_day, serial, zones,
     digits, decimals, period, t1, t2, t3, keep) = row  # fmt: skip
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


def account_rows(rows: Iterable[ImportRow]) -> list[AccountRow]:
    """The column values of `rows`: a `RowBatch`'s own, else each `ImportRow` converted."""
    if isinstance(rows, RowBatch):
        return rows.rows
    return [account_row(row) for row in rows]
