"""The header row of every CSV file operators feed in (accounts, balances, outages): one set of
conventions, read once here; and the records after it (`records`).

- The delimiter is decided from the header line alone: more `;` than `,` means semicolon (a
  spreadsheet in the Russian locale saves with `;`).
- Names are compared case-, space- and `ё`-insensitively, and each standard column may also be
  written the way a Russian billing system or spreadsheet names it («лицевой счет» for
  `account`); `ALIASES` lists them.
- A column nobody knows refuses the file (a misspelt `last_t1` must not be dropped in silence),
  unless the operator asked to ignore unknown columns. Nameless columns at the end of the line
  (a separator the spreadsheet left after the last cell) are ignored either way.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO, TypeVar

_T = TypeVar("_T")


class RowError(ValueError):
    """One row is wrong; the message says what, for the operator."""


def checked(errors: list[str], check: Callable[..., _T], *args: object) -> _T | None:
    """`check(*args)`, or None with its RowError's reason added to `errors`: a row's every
    fault is found in one reading."""
    try:
        return check(*args)
    except RowError as exc:
        errors.append(str(exc))
        return None


def is_utf8(text: str) -> bool:
    """False for text holding lone surrogates: bytes that were not UTF-8, kept by the reader."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class HeaderError(ValueError):
    """The header row is missing or wrong: nothing in the file can be imported."""


# Russian names of the standard columns, as billing systems and people write them. Compared
# after `normalize_name`: lower case, `ё` as `е`, single spaces, no dots or colons at the end.
ALIASES: Mapping[str, str] = {
    "лицевой счет": "account",
    "номер лицевого счета": "account",
    "лс": "account",
    "л/с": "account",
    "счет": "account",
    "номер счетчика": "meter_serial",
    "заводской номер": "meter_serial",
    "заводской номер счетчика": "meter_serial",
    "серийный номер": "meter_serial",
    "счетчик": "meter_serial",
    "зоны": "zones",
    "тарифность": "zones",
    "число зон": "zones",
    "количество зон": "zones",
    "разрядность": "digits",
    "плита": "stove",
    "тип плиты": "stove",
    "телефон": "phone",
    "адрес": "address",
    "проживающих": "residents",
    "число проживающих": "residents",
    "количество проживающих": "residents",
    "площадь": "area_m2",
    "площадь м2": "area_m2",
    "последний период": "last_period",
    "период показаний": "last_period",
    "т1": "last_t1",
    "т2": "last_t2",
    "т3": "last_t3",
    "показание т1": "last_t1",
    "показание т2": "last_t2",
    "показание т3": "last_t3",
    "статус": "status",
    "начало окна": "window_start_day",
    "конец окна": "window_end_day",
    "дом": "house_id",
    "гуид дома": "house_id",
    "фиас дома": "house_id",
    "дата": "as_of",
    "на дату": "as_of",
    "сальдо": "balance",
    "баланс": "balance",
    "дата оплаты": "last_payment_date",
    "дата последней оплаты": "last_payment_date",
    "сумма оплаты": "last_payment_amount",
    "сумма последней оплаты": "last_payment_amount",
    "вид": "kind",
    "начало": "starts",
    "окончание": "ends",
    "причина": "reason",
}

_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """A header cell as compared: stripped (a BOM too), lower case, `ё` as `е`, one space
    between words, no trailing dot or colon."""
    name = _SPACES.sub(" ", name.replace("\ufeff", "").strip().lower().replace("ё", "е"))
    return name.rstrip(".:").strip()


@dataclass(frozen=True, slots=True)
class Header:
    """What the header row says: the delimiter, each known column's position, the number of
    cells a row has, and the columns ignored (as written in the file)."""

    delimiter: str
    columns: dict[str, int]
    width: int
    ignored: tuple[str, ...] = ()


def delimiter_of(line: str) -> str:
    return ";" if line.count(";") > line.count(",") else ","


def read_header(
    line: str,
    required: Sequence[str],
    optional: Sequence[str],
    *,
    ignore_unknown: bool = False,
    aliases: Mapping[str, str] = ALIASES,
) -> Header:
    """The header line read against the file's known columns; HeaderError (prefixed
    "line 1:") names the first problem and the known names."""
    if not line.strip():
        raise HeaderError(f"empty file: expected a header row ({', '.join(required)}, …)")
    delimiter = delimiter_of(line)
    names = next(csv.reader([line], delimiter=delimiter))
    while len(names) > 1 and not names[-1].strip():  # separators after the last cell
        names.pop()
    known = (*required, *optional)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for position, written in enumerate(names):
        name = normalize_name(written)
        name = name if name in known else aliases.get(name, name)
        if name in columns:
            raise HeaderError(f"line 1: column {name!r} appears twice")
        if name in known:
            columns[name] = position
            continue
        if ignore_unknown:
            ignored.append(written.strip() or f"column {position + 1}")
            continue
        if not name:
            raise HeaderError(
                f"line 1: column {position + 1} has no name; name it, or add "
                "--ignore-unknown-columns"
            )
        raise HeaderError(
            f"line 1: unknown column {written.strip()!r} (known: {', '.join(known)}); "
            "add --ignore-unknown-columns to import without it"
        )
    missing = [name for name in required if name not in columns]
    if missing:
        raise HeaderError(
            f"line 1: missing column {', '.join(missing)} (required: {', '.join(required)})"
        )
    return Header(delimiter, columns, len(names), tuple(ignored))


def records(text: TextIO, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every record after the header that is not blank."""
    reader = csv.reader(text, delimiter=delimiter)
    start = 2
    try:
        for cells in reader:
            line, start = start, reader.line_num + 2  # the header was read before
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield line, cells
    except csv.Error as exc:  # a NUL byte, a cell past the csv module's limit
        raise HeaderError(f"line {start}: not valid CSV: {exc}") from None
