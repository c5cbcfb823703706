"""The balances CSV of `import-balances` (docs/operators/csv.md, "Balances").

Same conventions as the accounts CSV (the header as bot/imports/header.py reads it: `,` or `;`,
columns in any order, Russian names too; the encoding checked by bot/imports/files.py). One row per
account: its balance in the supplier's billing system as of a day (a debt positive, an
overpayment negative) and, optionally, the last payment. Amounts may use a decimal comma and
spaces between thousands, as a spreadsheet in the Russian locale writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TextIO

from billing_core.identifiers import normalize_account
from bot.imports.header import RowError, checked, read_header, records
from storage.base import ImportedBalance

REQUIRED = ("account", "as_of", "balance")
OPTIONAL = ("last_payment_date", "last_payment_amount")
NOT_TEXT = "not text in the file's encoding (a byte changed after the check?)"
# Larger than any household's electricity balance: a figure past it is a shifted column.
MAX_AMOUNT = Decimal(10_000_000)


def read_balances(
    text: TextIO, *, ignore_unknown: bool = False
) -> Iterator[tuple[int, ImportedBalance | list[str]]]:
    """(line, balance) for every good row and (line, reasons) for every bad one, in file order.
    HeaderError when the header row is wrong (raised before the first row)."""
    header = read_header(text.readline(), REQUIRED, OPTIONAL, ignore_unknown=ignore_unknown)
    return _rows(text, header.columns, header.width, header.delimiter)


def _rows(
    text: TextIO, columns: dict[str, int], width: int, delimiter: str
) -> Iterator[tuple[int, ImportedBalance | list[str]]]:
    for line, cells in records(text, delimiter):
        while len(cells) > width and not cells[-1].strip():  # separators after the last cell
            cells.pop()
        if len(cells) != width:
            yield line, [f"expected {width} cells, got {len(cells)}"]
            continue
        try:
            "".join(cells).encode("utf-8")
        except UnicodeEncodeError:
            yield line, [NOT_TEXT]
            continue
        row = {name: cells[at].strip() for name, at in columns.items()}
        yield line, _balance(row)


def _balance(row: dict[str, str]) -> ImportedBalance | list[str]:
    errors: list[str] = []
    account = normalize_account(row["account"])
    if account is None:
        errors.append(f"account must be 10 digits (got {row['account'] or 'nothing'})")
    as_of = checked(errors, _day, row["as_of"], "as_of", True)
    amount = checked(errors, _amount, row["balance"], "balance", True, True)
    paid_on = checked(errors, _day, row.get("last_payment_date", ""), "last_payment_date", False)
    paid = checked(
        errors, _amount, row.get("last_payment_amount", ""), "last_payment_amount", False, False
    )
    if (paid_on is None) != (paid is None) and not errors:
        errors.append(
            "last_payment_date and last_payment_amount go together: give both or neither"
        )
    if paid_on is not None and as_of is not None and paid_on > as_of:
        errors.append(f"last_payment_date {paid_on} is after as_of {as_of}")
    if errors or account is None or as_of is None or amount is None:
        return errors
    return ImportedBalance(account, as_of, amount, paid_on, paid)


def _day(text: str, name: str, required: bool) -> date | None:
    if not text:
        if required:
            raise RowError(f"{name} is empty (YYYY-MM-DD)")
        return None
    try:
        if len(text) == 10 and text[2] == "." and text[5] == ".":  # DD.MM.YYYY
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{name} must be a date YYYY-MM-DD (got {text})") from None


def _amount(text: str, name: str, required: bool, signed: bool) -> Decimal | None:
    if not text:
        if required:
            raise RowError(f"{name} is empty (rubles; a debt positive, an overpayment negative)")
        return None
    compact = text.replace("\u00a0", "").replace(" ", "").replace(",", ".").replace("−", "-")
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise RowError(f"{name} must be a sum in rubles (got {text})") from None
    cents = Decimal("0.01")
    if not value.is_finite() or abs(value) >= MAX_AMOUNT or value != value.quantize(cents):
        raise RowError(f"{name} must be a sum in rubles with at most 2 decimals (got {text})")
    if not signed and value <= 0:
        raise RowError(f"{name} must be more than zero (got {text})")
    return value.quantize(Decimal("0.01"))
