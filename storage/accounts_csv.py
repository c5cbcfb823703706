"""The accounts CSV of `import-accounts` (INTERFACES.md "Accounts CSV"), read as a stream.

`read_accounts` yields one `(line, ImportRow)` or `(line, reason)` per data row and never holds
more than one row: a 100 MB file costs what one line costs, plus the set of account numbers seen
(to reject a duplicate with the line of its first occurrence).

The standard `csv` module does the parsing. The delimiter is decided from the header line
alone (more `;` than `,` means semicolon), not with `csv.Sniffer`, whose guess on a one-line
sample can pick a letter. The file is decoded with `surrogateescape`, so one row with bytes
that are not UTF-8 is rejected with its line number instead of stopping the whole import.
"""

from __future__ import annotations

import csv
import functools
import operator
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import TextIO, TypeVar

from billing_core.identifiers import normalize_account, normalize_phone, normalize_serial
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

REQUIRED = ("account", "meter_serial", "zones")
OPTIONAL = (
    "digits", "stove", "phone", "address", "residents", "area_m2",
    "last_period", "last_t1", "last_t2", "last_t3", "status",
)  # fmt: skip
_KEPT_WHEN_EMPTY = {
    "address": "address", "stove": "stove", "status": "status", "residents": "residents",
    "area_m2": "area_m2", "phone": "phones", "digits": "digits",
}  # fmt: skip
_LAST = (("last_t1", Register.T1), ("last_t2", Register.T2), ("last_t3", Register.T3))
_KINDS = {"1": MeterKind.SINGLE, "2": MeterKind.TWO_ZONE, "3": MeterKind.THREE_ZONE}
_STOVES = {s.value: s for s in Stove}
_STATUSES = {s.value: s for s in AccountStatus}
_DIGITS = {str(n): n for n in range(4, 9)}
_RESIDENTS = {str(n): n for n in range(100)}
_T = TypeVar("_T")


class HeaderError(ValueError):
    """The header row is missing or wrong: nothing can be imported."""


class RowError(ValueError):
    """One row is wrong; the message says what, for the operator."""


def read_header(text: TextIO) -> tuple[str, dict[str, int]]:
    """Read the header line: the delimiter and each known column's position."""
    line = text.readline()
    if not line.strip():
        raise HeaderError("empty file: expected a header row (account, meter_serial, zones, …)")
    if not _is_utf8(line):
        raise HeaderError("line 1: not UTF-8 text; save the file as CSV UTF-8")
    delimiter = ";" if line.count(";") > line.count(",") else ","
    names = [name.strip().lower() for name in next(csv.reader([line], delimiter=delimiter))]
    columns: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in columns:
            raise HeaderError(f"line 1: column {name!r} appears twice")
        if name not in REQUIRED and name not in OPTIONAL:
            known = ", ".join(REQUIRED + OPTIONAL)
            raise HeaderError(f"line 1: unknown column {name!r} (known: {known})")
        columns[name] = position
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise HeaderError(
            f"line 1: missing column {', '.join(missing)} (required: {', '.join(REQUIRED)})"
        )
    return delimiter, columns


def read_accounts(text: TextIO) -> Iterator[tuple[int, ImportRow | str]]:
    """Every data row after the header as (first line number, row or reason it was rejected)."""
    delimiter, columns = read_header(text)
    parse = _RowParser(columns).parse
    reader = csv.reader(text, delimiter=delimiter)
    seen: dict[int, int] = {}  # account as an int: a third of the memory of the string
    width = len(columns)
    end = 1
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num + 1
            yield start, f"not valid CSV: {exc}"
            continue
        end = reader.line_num + 1
        if len(cells) != width:
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield start, f"expected {width} cells, got {len(cells)}"
            continue  # otherwise a blank line
        try:
            row = parse(list(map(str.strip, cells)))
        except RowError as exc:
            yield start, str(exc)
            continue
        number = row.account.number
        first = seen.setdefault(int(number), start)
        if first != start:
            yield start, f"account {number} already on line {first}"
            continue
        yield start, row


class _RowParser:
    """One data row (stripped cells in the header's order) to an ImportRow; RowError names the
    first wrong cell. Cells are read by position (the header fixed them once), and the common
    spellings take a fast path; the rest go through `billing_core.identifiers`, which has the
    final word. A million rows pass through here: it is written for speed."""

    def __init__(self, columns: dict[str, int]) -> None:
        # A missing optional column reads as the empty cell appended at position `width`.
        width = len(columns)
        self.at = {name: columns.get(name, width) for name in REQUIRED + OPTIONAL}
        # A tuple even for one name: itemgetter of one position would return the bare cell.
        self.kept_cells = operator.itemgetter(*(self.at[name] for name in _KEPT_WHEN_EMPTY), width)
        self.kept_cache: dict[tuple[bool, ...], frozenset[str]] = {}

    def parse(self, cells: list[str]) -> ImportRow:
        if not _is_utf8("".join(cells)):
            raise RowError("not UTF-8 text")
        cells.append("")
        at = self.at
        text = cells[at["account"]]
        compact = text.replace("-", "")
        number: str | None = compact
        if not (len(compact) == 10 and compact.isdigit() and compact.isascii()):
            number = None
        if number is None and (number := normalize_account(text)) is None:
            raise RowError(f"account must be 10 digits, hyphens and spaces allowed (got {text!r})")
        text = cells[at["meter_serial"]]
        if 4 <= len(text) <= 20 and text.isalnum() and text.isascii():
            serial = text.upper()
        elif (found := normalize_serial(text)) is not None:
            serial = found
        else:
            raise RowError(f"meter_serial must be 4 to 20 letters or digits (got {text!r})")
        text = cells[at["zones"]]
        kind = _KINDS.get(text)
        if kind is None:
            raise RowError(f"zones must be 1, 2 or 3 (got {text or 'nothing'})")
        text = cells[at["digits"]]
        digits = _DIGITS.get(text) or _whole(text, "digits", 4, 8, default=6) or 6
        stove = _choice(cells[at["stove"]], "stove", _STOVES, Stove.GAS)
        status = _choice(cells[at["status"]], "status", _STATUSES, AccountStatus.ACTIVE)
        phones = _phones(cells[at["phone"]])
        text = cells[at["residents"]]
        residents = _RESIDENTS.get(text) if text else None
        if residents is None and text:
            residents = _whole(text, "residents", 0, 99, default=None)
        text = cells[at["area_m2"]]
        area = _number(text, "area_m2")
        if area is not None and not 1 <= area <= 10_000:
            raise RowError(f"area_m2 must be between 1 and 10000 (got {text})")
        last_period, last_values = self._last(cells, kind, digits)
        account = Account(
            number=number,
            meter=Meter(serial=serial, kind=kind, digits=digits),
            stove=stove,
            status=status,
            address=cells[at["address"]],
            residents=residents,
            area_m2=area,
            phones=phones,
        )
        return ImportRow(account, last_period, last_values, self._keep(cells))

    def _keep(self, cells: list[str]) -> frozenset[str]:
        empty = tuple(map(operator.not_, self.kept_cells(cells)))
        keep = self.kept_cache.get(empty)
        if keep is None:
            names = zip(_KEPT_WHEN_EMPTY, empty, strict=False)
            keep = self.kept_cache[empty] = _keep_of(tuple(n for n, e in names if e))
        return keep

    def _last(
        self, cells: list[str], kind: MeterKind, digits: int
    ) -> tuple[Period | None, Readings | None]:
        at = self.at
        period_text = cells[at["last_period"]]
        if not period_text:
            if any(cells[at[column]] for column, _ in _LAST):
                raise RowError("last_t1…last_t3 need last_period (YYYY-MM)")
            return None, None
        try:
            period = _period(period_text)
        except ValueError:
            raise RowError(f"last_period must look like YYYY-MM (got {period_text})") from None
        values: Readings = {}
        zones = kind.value
        for position, (column, register) in enumerate(_LAST):
            text = cells[at[column]]
            if position >= zones:
                if text:
                    raise RowError(f"{column} given, but the meter has {zones} zone(s)")
                continue
            if not text:
                raise RowError(f"{column} is required with last_period")
            if text.isdigit() and text.isascii():  # the common spelling: a whole number
                if len(text.lstrip("0")) > digits:
                    raise RowError(f"{column} has more than {digits} digits (got {text})")
                values[register] = Decimal(text)
                continue
            value = _number(text, column) or Decimal(0)
            if value.adjusted() >= digits:
                raise RowError(f"{column} has more than {digits} digits (got {text})")
            values[register] = value
        return period, values


@functools.cache
def _keep_of(empty: tuple[str, ...]) -> frozenset[str]:
    # The file has no window columns: an override set otherwise is always kept.
    return frozenset(("window_start_day", "window_end_day", *(_KEPT_WHEN_EMPTY[c] for c in empty)))


@functools.lru_cache(maxsize=256)
def _period(text: str) -> Period:
    return Period.parse(text)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _whole(text: str, name: str, low: int, high: int, default: int | None) -> int | None:
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise RowError(f"{name} must be a whole number from {low} to {high} (got {text})")
    return int(text)


def _choice(text: str, name: str, choices: dict[str, _T], default: _T) -> _T:
    if not text:
        return default
    found = choices.get(text) or choices.get(text.lower())
    if found is None:
        raise RowError(f"{name} must be {' or '.join(choices)} (got {text})")
    return found


def _number(text: str, name: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise RowError(f"{name} must be a number (got {text})") from None
    if not value.is_finite() or value < 0:
        raise RowError(f"{name} must be a number, zero or more (got {text})")
    return value


def _phones(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    if len(text) == 12 and text.startswith("+7") and text[1:].isdigit() and text.isascii():
        return (text,)  # already canonical
    found: list[str] = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        phone = normalize_phone(part)
        if phone is None:
            raise RowError(f"phone must be a Russian number, +7… or 8… (got {part.strip()})")
        if phone not in found:
            found.append(phone)
    return tuple(found)
