"""The accounts CSV of `import-accounts` (docs/operators/csv.md), read as a stream.

`read_accounts` yields one `(line, ImportRow)` or `(line, reason)` per data row and never holds
more than one row: a 100 MB file costs what one line costs, plus the set of account numbers seen
(to reject a duplicate with the line of its first occurrence).

The standard `csv` module does the parsing; the header row follows the conventions every
operator CSV shares (`bot.imports.header`: delimiter, Russian aliases, unknown columns). The
file's encoding is checked whole before a row is read (`bot/imports/files.py`); a row that still
holds an undecodable byte (decoded as a lone surrogate) is rejected with its line number.

A row is refused with every reason found in it, so the operator fixes it once. Besides the
cells themselves, a row is refused when its `last_period` lies after the current period (the
caller says which that is), and when its meter serial is already active on another account
earlier in the file.
"""

from __future__ import annotations

import csv
import functools
import itertools
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TextIO, TypeVar

from billing_core.buildings import normalize_house_id
from billing_core.identifiers import normalize_account, normalize_phone, normalize_serial
from billing_core.models import AccountStatus, MeterKind, Period, Stove
from bot.imports.account_lines import LineRows
from bot.imports.header import HeaderError, RowError, checked, is_utf8
from bot.imports.header import read_header as read_csv_header
from storage.base import ImportRow
from storage.import_rows import AccountRow, import_row, keep_text

__all__ = [
    "DEFAULT_OPTIONS", "OPTIONAL", "REQUIRED", "HeaderError", "ReadOptions", "RowError",
    "read_accounts",
]  # fmt: skip

REQUIRED = ("account", "meter_serial", "zones")
OPTIONAL = (
    "digits", "stove", "phone", "address", "residents", "area_m2",
    "last_period", "last_t1", "last_t2", "last_t3", "status",
    "window_start_day", "window_end_day", "house_id",
)  # fmt: skip
_KEPT_WHEN_EMPTY = {
    "address": "address", "stove": "stove", "status": "status", "residents": "residents",
    "area_m2": "area_m2", "phone": "phones", "digits": "digits",
    "window_start_day": "window_start_day", "window_end_day": "window_end_day",
    "house_id": "house_id",
}  # fmt: skip
_LAST = ("last_t1", "last_t2", "last_t3")
_ZONES = {str(kind.value): kind.value for kind in MeterKind}
_STOVES = {s.value: s.value for s in Stove}
_STATUSES = {s.value: s.value for s in AccountStatus}
_DIGITS = {str(n): n for n in range(4, 9)}
_RESIDENTS = {str(n): n for n in range(100)}
_WINDOW_DAYS = {str(n): n for n in range(1, 32)}
_T = TypeVar("_T")
NOT_UTF8 = "not UTF-8 text; save the file as CSV UTF-8"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What the operator asked of the reading: `latest_period` ("YYYY-MM", the current
    period; a later `last_period` is refused) and whether unknown columns are ignored."""

    latest_period: str | None = None
    ignore_unknown_columns: bool = False


DEFAULT_OPTIONS = ReadOptions()


def read_header(
    text: TextIO, options: ReadOptions = DEFAULT_OPTIONS
) -> tuple[str, dict[str, int], int]:
    """Read the header line: the delimiter, each known column's position, the row width."""
    line = text.readline()
    if line.strip() and not is_utf8(line):
        raise HeaderError(f"line 1: {NOT_UTF8}")
    header = read_csv_header(
        line, REQUIRED, OPTIONAL, ignore_unknown=options.ignore_unknown_columns
    )
    return header.delimiter, header.columns, header.width


def read_accounts(
    text: TextIO, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[tuple[int, ImportRow | str]]:
    """Every data row after the header as (first line number, row or reason it was rejected)."""
    for line, item in read_account_rows(text, options):
        yield line, item if isinstance(item, str) else import_row(item)


def read_account_rows(
    text: TextIO, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[tuple[int, AccountRow | str]]:
    """`read_accounts` with each good row as column values (`storage.import_rows`). A line in
    the common spelling is read whole (`bot.imports.account_lines`); any other record goes through
    the `csv` module and the full checks, from its first line to its last."""
    delimiter, columns, width = read_header(text, options)
    latest = options.latest_period
    parser = _RowParser(columns, width, latest)
    parse = parser.parse
    line_row = LineRows(columns, delimiter, parser.keep_for, _period, width, latest).row
    seen: dict[int, int] = {}  # account as an int: a third of the memory of the string
    # A serial as an int too (`_serial_key`): (account, line) of the row that has it active.
    serials: dict[int, tuple[str, int]] = {}
    strip = str.strip
    end = 1  # the last line read
    for line in text:
        end += 1
        start = end
        row = line_row(line)
        if row is None:
            # The record may go on over the next lines (a quoted cell with line breaks).
            reader = csv.reader(itertools.chain((line,), text), delimiter=delimiter)
            try:
                cells = next(reader)
            except csv.Error as exc:
                end += reader.line_num - 1
                yield start, f"not valid CSV: {exc}"
                continue
            end += reader.line_num - 1
            while len(cells) > width and not cells[-1].strip():
                cells.pop()  # a separator after the last cell
            if len(cells) != width:
                if cells and (len(cells) > 1 or cells[0].strip()):
                    yield start, _wrong_width(width, len(cells), start, end)
                continue  # otherwise a blank line
            if end > start and _took_in_rows(cells, delimiter, width, columns["account"]):
                yield (
                    start,
                    (
                        f"a quote is not closed: lines {start}–{end} were read as one row, "
                        "with whole account rows inside a cell"
                    ),
                )
                continue
            try:
                row = parse(list(map(strip, cells)))
            except RowError as exc:
                yield start, str(exc)
                continue
        number = row[0]
        first = seen.setdefault(int(number), start)
        if first != start:
            yield start, f"account {number} already on line {first}"
            continue
        if row[3] != "closed":
            holder = serials.setdefault(_serial_key(row[9]), (number, start))
            if holder[0] != number:
                yield (
                    start,
                    f"meter_serial {row[9]} is already active on account {holder[0]} "
                    f"(line {holder[1]}); a meter is active on one account at a time",
                )
                continue
        yield start, row


def _serial_key(serial: str) -> int:
    """A serial (4 to 20 ASCII letters and digits, upper case) as an int that no other serial
    has: base 36, with the length so that leading zeros still count."""
    return int(serial, 36) * 32 + len(serial)


@dataclass(slots=True)
class Batch:
    """Up to `batch_rows` good rows and the rejections met among them, in file order."""

    rows: list[AccountRow] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the first line of each good row
    rejections: list[tuple[int, str]] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        """The first line of the first good row (0 when there is none)."""
        return self.lines[0] if self.lines else 0


def read_batches(
    text: TextIO, batch_rows: int, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Batch]:
    """`read_account_rows` gathered into batches. A batch also closes after `batch_rows`
    rejections, so a file of nothing but bad rows is held a batch at a time too. When reading
    fails, the good rows of the unfinished batch are dropped (none of them is written) and
    its rejections come as a last batch of their own before the error."""
    batch = Batch()
    rows, lines, rejections = batch.rows, batch.lines, batch.rejections
    items = read_account_rows(text, options)
    while True:
        try:
            line, item = next(items)
        except StopIteration:
            break
        except OSError:
            if rejections:  # counted in what the import reports before it stops
                yield Batch(rejections=rejections)
            raise
        if isinstance(item, str):
            rejections.append((line, item))
            if len(rejections) < batch_rows:
                continue
        else:
            rows.append(item)
            lines.append(line)
            if len(rows) < batch_rows:
                continue
        yield batch
        batch = Batch()
        rows, lines, rejections = batch.rows, batch.lines, batch.rejections
    if rows or rejections:
        yield batch


class _RowParser:
    """One data row (stripped cells in the header's order) to an `AccountRow`; RowError names
    every wrong cell. Cells are read by position (the header fixed them once), and the
    common spellings take a fast path; the rest go through `billing_core.identifiers`, which
    has the final word. A million rows pass through here: it is written for speed."""

    def __init__(
        self, columns: dict[str, int], width: int | None = None, latest: str | None = None
    ) -> None:
        # A missing optional column reads as the empty cell appended at position `width`.
        width = len(columns) if width is None else width
        self.latest = latest
        self.at = {name: columns.get(name, width) for name in REQUIRED + OPTIONAL}
        self.kept_cells = operator.itemgetter(*(self.at[name] for name in _KEPT_WHEN_EMPTY))
        self.kept_cache: dict[tuple[bool, ...], str] = {}
        self.cells_of = operator.itemgetter(
            *(self.at[name] for name in ("account", "meter_serial", "zones", "digits", "stove",
                                         "status", "phone", "residents", "area_m2", "address",
                                         "window_start_day", "window_end_day", "house_id"))
        )  # fmt: skip

    def parse(self, cells: list[str]) -> AccountRow:
        if not is_utf8("".join(cells)):
            raise RowError(NOT_UTF8)
        cells.append("")
        (account_text, serial_text, zones_text, digits_text, stove_text, status_text, phone_text,
         residents_text, area_text, address, start_text, end_text, house_text,
         ) = self.cells_of(cells)  # fmt: skip
        errors: list[str] = []
        number = account_text.replace("-", "")
        if not (len(number) == 10 and number.isdigit() and number.isascii()):
            number = normalize_account(account_text) or ""
            if not number:
                errors.append(
                    f"account must be 10 digits, hyphens and spaces allowed (got {account_text!r})"
                )
        if 4 <= len(serial_text) <= 20 and serial_text.isalnum() and serial_text.isascii():
            serial = serial_text.upper()
        else:
            serial = normalize_serial(serial_text) or ""
            if not serial:
                errors.append(
                    f"meter_serial must be 4 to 20 letters or digits (got {serial_text!r})"
                )
        zones = _ZONES.get(zones_text)
        if zones is None:
            errors.append(f"zones must be 1, 2 or 3 (got {zones_text or 'nothing'})")
        digits = (
            _DIGITS.get(digits_text)
            or checked(errors, _whole, digits_text, "digits", 4, 8, 6)
            or 6
        )
        stove = _STOVES.get(stove_text) or checked(
            errors, _choice, stove_text, "stove", _STOVES, "gas"
        )
        status = _STATUSES.get(status_text) or checked(
            errors, _choice, status_text, "status", _STATUSES, "active"
        )
        phones = checked(errors, _phones, phone_text) or ""
        residents = _RESIDENTS.get(residents_text) if residents_text else None
        if residents is None and residents_text:
            residents = checked(errors, _whole, residents_text, "residents", 0, 99, None)
        area = checked(errors, _number, area_text, "area_m2")
        if area is not None and not 1 <= area <= 10_000:
            errors.append(f"area_m2 must be between 1 and 10000 (got {area_text})")
        start = _WINDOW_DAYS.get(start_text) or checked(
            errors, _whole, start_text, "window_start_day", 1, 31, None
        )
        end = _WINDOW_DAYS.get(end_text) or checked(
            errors, _whole, end_text, "window_end_day", 1, 31, None
        )
        if start is not None and end is not None and start > end:
            errors.append(f"window_start_day {start} is after window_end_day {end}")
        house_id = normalize_house_id(house_text) if house_text else None
        if house_text and house_id is None:
            errors.append(
                "house_id must be the building's GUID, like "
                f"0c5b2444-70a0-4932-980c-b4dc0d3f02b5 (got {house_text!r})"
            )
        # Without a valid zone count, the register cells are checked one by one only.
        period, t1, t2, t3 = self._last(cells, zones or 0, digits, errors)
        # A None among these has put its reason in `errors` already.
        if errors or zones is None or stove is None or status is None:
            raise RowError("; ".join(errors))
        return (
            number, address, stove, status, residents, None if area is None else str(area),
            phones, start, end, serial, zones, digits, 0, period, t1, t2, t3, self.keep(cells),
            house_id,
        )  # fmt: skip

    def keep(self, cells: list[str]) -> str:
        return self.keep_for(tuple(map(operator.not_, self.kept_cells(cells))))

    def keep_for(self, empty: tuple[bool, ...]) -> str:
        """`AccountRow.keep` when the `_KEPT_WHEN_EMPTY` cells are empty as `empty` says."""
        keep = self.kept_cache.get(empty)
        if keep is None:
            names = zip(_KEPT_WHEN_EMPTY, empty, strict=False)
            keep = self.kept_cache[empty] = keep_text(_keep_of(tuple(n for n, e in names if e)))
        return keep

    def _last(
        self, cells: list[str], zones: int, digits: int, errors: list[str]
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """The last actual reading's period and values; what is wrong goes to `errors`."""
        at = self.at
        period_text = cells[at["last_period"]]
        if not period_text:
            if any(cells[at[column]] for column in _LAST):
                errors.append("last_t1…last_t3 need last_period (YYYY-MM)")
            return None, None, None, None
        period: str | None = None
        try:
            period = _period(period_text)
        except ValueError:
            errors.append(f"last_period must look like YYYY-MM (got {period_text})")
        if period is not None and self.latest is not None and period > self.latest:
            errors.append(
                f"last_period {period} is in the future (the current period is {self.latest})"
            )
        values: list[str | None] = [None, None, None]
        for position, column in enumerate(_LAST):
            text = cells[at[column]]
            if zones and position >= zones:
                if text:
                    errors.append(f"{column} given, but the meter has {zones} zone(s)")
                continue
            if not text:
                if zones:
                    errors.append(f"{column} is required with last_period")
                continue
            if text.isdigit() and text.isascii():  # the common spelling: a whole number
                significant = text.lstrip("0")
                if len(significant) > digits:
                    errors.append(f"{column} has more than {digits} digits (got {text})")
                values[position] = significant or "0"  # as str(Decimal(text)) spells it
                continue
            try:
                value = _number(text, column) or Decimal(0)
            except RowError as exc:
                errors.append(str(exc))
                continue
            if value.adjusted() >= digits:
                errors.append(f"{column} has more than {digits} digits (got {text})")
            values[position] = str(value)
        return period, values[0], values[1], values[2]


@functools.cache
def _keep_of(empty: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_KEPT_WHEN_EMPTY[c] for c in empty)


@functools.lru_cache(maxsize=256)
def _period(text: str) -> str:
    return str(Period.parse(text))


def _wrong_width(width: int, got: int, first: int, last: int) -> str:
    if first == last:
        return f"expected {width} cells, got {got}"
    # A quote left open takes in every line up to the next quote: say where it ended.
    return f"expected {width} cells, got {got} in lines {first}–{last} (is a quote not closed?)"


def _took_in_rows(cells: list[str], delimiter: str, width: int, account_at: int) -> bool:
    """Whether a cell spread over several lines holds a line that is a whole account row by
    itself: then a quote was left open and took in the rows after it (the cell count can
    still come out right), rather than a cell the author broke over lines on purpose (an
    address), whose lines do not start with an account number."""
    for cell in cells:
        for inner in cell.splitlines()[1:]:
            parts = next(csv.reader([inner], delimiter=delimiter), [])
            if len(parts) == width and normalize_account(parts[account_at]) is not None:
                return True
    return False


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


def _phones(text: str) -> str:
    """The cell's phone numbers, canonical and space-separated, as `accounts.phones` keeps them."""
    if not text:
        return ""
    if len(text) == 12 and text.startswith("+7") and text[1:].isdigit() and text.isascii():
        return text  # already canonical
    found: list[str] = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        phone = normalize_phone(part)
        if phone is None:
            raise RowError(f"phone must be a Russian number, +7… or 8… (got {part.strip()})")
        if phone not in found:
            found.append(phone)
    return " ".join(found)
