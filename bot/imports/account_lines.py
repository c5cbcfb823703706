"""The accounts CSV's common spelling, read a whole line at a time.

Nearly every line an operator's billing system exports is spelled one way: unquoted cells,
ASCII digits, no spaces around them, the words in lower case. One regular expression built
from the header matches such a line whole and captures its cells, which leaves little for
Python to check: reading a million such lines took 3.7 s instead of the 5.9 s that the `csv`
module and the full checks in `bot.imports.accounts` take (bench/bench_import.py). A line
that does not match, or whose cells need a check the expression cannot make (more digits
than the meter has, a register missing for its zones), takes the full path, which gives the
same row or says what is wrong: this path only ever accepts, so it can never reject what
the full path would take, nor word a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from billing_core.models import AccountStatus, MeterKind, Stove
from storage.import_rows import AccountRow

# One capturing group per cell, each matching only the spelling the full path takes as it
# is (the `_RowParser` fast paths in bot/imports/accounts.py), so the row comes out the same.
_CELL = {
    "account": r"([0-9]{5}-[0-9]{3}-[0-9]{2}|[0-9]{10})",
    "meter_serial": r"([0-9A-Za-z]{4,20})",
    "zones": f"([{''.join(str(kind.value) for kind in MeterKind)}])",
    "digits": r"([4-8]?)",
    "stove": f"({'|'.join(stove.value for stove in Stove)}|)",
    "phone": r"(\+7[0-9]{10}|)",
    "residents": r"([1-9]?[0-9]|)",
    # From 1 to below 10000 with no leading zero: str(Decimal(text)) is the text itself. The
    # decimal comma is added where it is not the delimiter.
    "area_m2": r"([1-9][0-9]{{0,3}}(?:[.{comma}][0-9]{{1,6}})?|)",
    "last_period": r"([0-9]{4}-(?:0[1-9]|1[0-2])|)",
    "last_t1": r"([0-9]*)",
    "last_t2": r"([0-9]*)",
    "last_t3": r"([0-9]*)",
    "status": f"({'|'.join(status.value for status in AccountStatus)}|)",
    "window_start_day": r"([1-9]|[12][0-9]|3[01]|)",
    "window_end_day": r"([1-9]|[12][0-9]|3[01]|)",
    # A GUID as `normalize_house_id` returns it; upper case or braces take the full path.
    "house_id": r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|)",
}
# The address may be quoted (a comma file quotes it for its commas) but holds no quote, no
# line break and no byte that was not UTF-8 (decoded as a lone surrogate).
_ADDRESS = r'(?:"([^"\r\n\udc80-\udcff]*)"|([^{delimiter}"\r\n\udc80-\udcff]*))'
# A column the operator asked to ignore: any cell on this line, captured by nobody.
_IGNORED = r'(?:"[^"\r\n]*"|[^{delimiter}"\r\n]*)'
_END = r"\r?\n?"

# What the full path stores for an empty optional cell.
_ZONES = {str(kind.value): kind.value for kind in MeterKind}
_DIGITS = {"": 6, **{str(n): n for n in range(4, 9)}}
_RESIDENTS = {"": None, **{str(n): n for n in range(100)}}
_WINDOW_DAYS = {"": None, **{str(n): n for n in range(1, 32)}}

# The cells `row` reads, in the order it unpacks them (the address's two groups in one place).
_ORDER = (
    "account", "meter_serial", "zones", "digits", "stove", "status", "phone", "residents",
    "area_m2", "address", "last_period", "last_t1", "last_t2", "last_t3",
    "window_start_day", "window_end_day", "house_id",
)  # fmt: skip


class LineRows:
    """`row(line)`: the `AccountRow` of a line in the common spelling, or None when the line
    must take the full path. Built once per file from the header's columns (`width` cells a
    row, more when the file has ignored columns); `keep_for` gives `AccountRow.keep` from which
    of the optional cells are empty, in `KEPT_WHEN_EMPTY` order. A `last_period` after
    `latest` is left to the full path, which refuses it."""

    def __init__(
        self,
        columns: dict[str, int],
        delimiter: str,
        keep_for: Callable[[tuple[bool, ...]], str],
        period: Callable[[str], str],
        width: int | None = None,
        latest: str | None = None,
    ) -> None:
        escaped = re.escape(delimiter)
        patterns = {
            **_CELL,
            "area_m2": _CELL["area_m2"].format(comma="" if delimiter == "," else ","),
            "address": _ADDRESS.format(delimiter=escaped),
        }
        by_position: list[str | None] = [None] * (len(columns) if width is None else width)
        for name, position in columns.items():
            by_position[position] = name
        ignored = _IGNORED.format(delimiter=escaped)
        # Separators after the last cell are what a spreadsheet leaves; a last, empty group
        # stands for every optional column the file does not have.
        pattern = (
            escaped.join(ignored if name is None else patterns[name] for name in by_position)
            + f"(?:{escaped})*"
            + _END
            + "()"
        )
        self._match = re.compile(pattern).fullmatch
        self._latest = latest
        group: dict[str, int] = {}
        number = 1
        for column in by_position:
            if column is None:
                continue
            group[column] = number
            number += 2 if column == "address" else 1
        missing = number
        at = group.get("address")
        address = (missing, missing) if at is None else (at, at + 1)  # quoted, unquoted
        self._groups = (
            *(group.get(name, missing) for name in _ORDER[:9]),
            *address,
            *(group.get(name, missing) for name in _ORDER[10:]),
        )
        self._keep_for = keep_for
        self._period = period

    def row(self, line: str) -> AccountRow | None:
        found = self._match(line)
        if found is None:
            return None
        (account, serial, zones_text, digits_text, stove, status, phone, residents, area,
         quoted, address, period_text, t1, t2, t3, start, end, house) = found.group(
            *self._groups
        )  # fmt: skip
        if start and end and int(start) > int(end):
            return None
        address = (quoted or address or "").strip()  # the group not taken is None
        zones = _ZONES[zones_text]
        digits = _DIGITS[digits_text]
        if period_text:
            # t1 always, t2 from two zones on, t3 with three, each within the meter's digits.
            if not t1 or (zones > 1) != bool(t2) or (zones > 2) != bool(t3):
                return None
            v1 = t1.lstrip("0") or "0"  # as str(Decimal(text)) spells it
            v2 = (t2.lstrip("0") or "0") if t2 else None
            v3 = (t3.lstrip("0") or "0") if t3 else None
            if len(v1) > digits or len(v2 or "") > digits or len(v3 or "") > digits:
                return None
            period: str | None = self._period(period_text)
            if self._latest is not None and period is not None and period > self._latest:
                return None
        elif t1 or t2 or t3:
            return None
        else:
            period = v1 = v2 = v3 = None
        keep = self._keep_for(
            (not address, not stove, not status, not residents, not area, not phone,
             not digits_text, not start, not end, not house)
        )  # fmt: skip
        return (
            account.replace("-", ""), address, stove or "gas", status or "active",
            _RESIDENTS[residents], area.replace(",", ".") or None, phone, _WINDOW_DAYS[start],
            _WINDOW_DAYS[end],
            serial.upper(), zones, digits, 0, period, v1, v2, v3, keep, house or None,
        )  # fmt: skip
