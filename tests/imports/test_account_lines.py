"""The whole-line reading of the accounts CSV's common spelling gives exactly what the `csv`
module and the full checks give, and never accepts a line they refuse."""

from __future__ import annotations

import csv
import io
import random

import pytest

from bot.imports.account_lines import LineRows
from bot.imports.accounts import OPTIONAL, REQUIRED, RowError, _period, _RowParser
from storage.import_rows import AccountRow

# Each column's cells: the common spellings first, then ones only the full path reads or
# refuses. Several are near misses of the line pattern on purpose.
CELLS = {
    "account": ["7000000001", "70000-000-02", "70000 000 03", "7000-000004", "70000000o5",
                "7000000０06", " 7000000007", "700000000"],
    "meter_serial": ["01202985", "ab12", "AB-0012", "x" * 21, "abc", "ＡＢ12345", "01202985 "],
    "zones": ["1", "2", "3", "4", "", "02", "２"],
    "digits": ["", "6", "4", "8", "9", "3", "06", " 5"],
    "stove": ["", "gas", "electric", "Electric", "GAS", "coal"],
    "phone": ["", "+79161234567", "89161234567", "+7 916 123-45-67", "+79161234567,+79031112233",
              "+7916123456", "+791612345678"],
    "address": ["", "г. Москва, ул. Тверская, д. 1, кв. 2", '"ул. Вавилова, д. 3"', "  д. 4  ",
                'кв. "5"', '""', "ул.\x00Маросейка", "\udcff", "   "],
    "residents": ["", "0", "3", "99", "100", "05", "-1", "2.5"],
    "area_m2": ["", "38,4", "38.40", "1", "9999.9", "10000", "0.5", "038.4", "1e3", "54 ,3",
                "12,345678", "12,3456789"],
    "last_period": ["", "2026-02", "2026-13", "2026-2", "26-02", "2026-00"],
    "last_t1": ["", "83148", "0", "000", "00123456", "123456789", "12.5", "1 200"],
    "last_t2": ["", "3628", "0123", "1234567"],
    "last_t3": ["", "17", "99999999"],
    "status": ["", "active", "automatic", "closed", "Active", "open"],
    "window_start_day": ["", "1", "31", "0", "32", "05", " 7"],
    "window_end_day": ["", "26", "31", "0", "32", "7"],
    "house_id": ["",
                 "0c5b2444-70a0-4932-980c-b4dc0d3f02b5", "0C5B2444-70A0-4932-980C-B4DC0D3F02B5",
                 "{0c5b2444-70a0-4932-980c-b4dc0d3f02b5}", "0c5b2444-70a0-4932", "дом 5"],
}  # fmt: skip
HEADERS = [
    list(REQUIRED + OPTIONAL),
    ["status", "last_t3", "last_t2", "last_t1", "last_period", "area_m2", "residents",
     "address", "phone", "stove", "digits", "zones", "meter_serial", "account"],
    ["account", "meter_serial", "zones"],
    ["zones", "account", "address", "meter_serial", "last_period", "last_t1"],
]  # fmt: skip


def full_path(line: str, delimiter: str, parser: _RowParser, width: int) -> AccountRow | None:
    """What `read_account_rows` makes of the line with the `csv` module: the row, or None."""
    [cells] = list(csv.reader([line], delimiter=delimiter))
    if len(cells) != width:
        return None
    try:
        return parser.parse([cell.strip() for cell in cells])
    except RowError:
        return None


def lines_for(names: list[str], delimiter: str, rng: random.Random, count: int) -> list[str]:
    lines = []
    for n in range(count):
        # Every other line takes only common spellings; the rest differ from one such line
        # in one cell, so each near miss is met with the other cells good.
        chosen = {name: rng.choice(CELLS[name][:3]) for name in CELLS}
        zones = int(chosen["zones"])
        period = chosen["last_period"] = rng.choice(("", "2026-02"))
        for position, name in enumerate(("last_t1", "last_t2", "last_t3")):
            chosen[name] = rng.choice(CELLS[name][1:3]) if period and position < zones else ""
        if n % 2:
            name = rng.choice(names)
            chosen[name] = rng.choice(CELLS[name])
        cells = [chosen[name] for name in names]
        lines.append(delimiter.join(cells) + rng.choice(("\n", "\r\n", "")))
    return lines


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("names", HEADERS, ids=lambda names: f"{len(names)}-columns")
def test_a_line_read_whole_is_read_as_the_full_path_reads_it(
    names: list[str], delimiter: str
) -> None:
    columns = {name: position for position, name in enumerate(names)}
    parser = _RowParser(columns)
    line_rows = LineRows(columns, delimiter, parser.keep_for, _period)
    taken = refused_by_both = 0
    for line in lines_for(names, delimiter, random.Random(f"{names}{delimiter}"), 3000):  # noqa: S311
        fast = line_rows.row(line)
        full = full_path(line, delimiter, parser, len(names))
        if fast is None:
            refused_by_both += full is None
            continue
        assert fast == full, line
        taken += 1
    # Both kinds happen: the comparison above has been made many times over.
    assert taken > 100
    assert refused_by_both > 100


@pytest.mark.parametrize(
    "line",
    [
        "7000000001;01202985;1;6;gas;;г. Москва;2;38,4;2026-02;83148;;;active;;;",
        '70000-000-02;ab12;3;8;electric;+79161234567;"д. 1";;1;2026-02;0;000;00123456;;1;31;',
        "7000000003;01202985;2;;;;;;;;;;;;;;0c5b2444-70a0-4932-980c-b4dc0d3f02b5",
    ],
)
def test_common_lines_are_read_whole(line: str) -> None:
    names = list(REQUIRED + OPTIONAL)
    columns = {name: position for position, name in enumerate(names)}
    parser = _RowParser(columns)

    row = LineRows(columns, ";", parser.keep_for, _period).row(line)

    assert row is not None
    assert row == full_path(line, ";", parser, len(names))


def test_the_reader_reads_a_file_of_both_kinds_line_by_line() -> None:
    from bot.imports.accounts import read_account_rows

    text = (
        "account;meter_serial;zones;address;last_period;last_t1\n"
        "7000000001;01202985;1;д. 1;2026-02;100\n"
        '7000000002;01202986;1;"д. 2\nкв. 3";;\n'  # two lines: the full path
        "7000000003;01202987;1;д. 4;2026-02;1234567\n"  # 7 digits: the full path refuses
        "7000000004;01202988;1;д. 5;;\n"
    )

    got = [(line, item if isinstance(item, str) else item[0])
           for line, item in read_account_rows(io.StringIO(text))]  # fmt: skip

    assert got == [
        (2, "7000000001"),
        (3, "7000000002"),
        (5, "last_t1 has more than 6 digits (got 1234567)"),
        (6, "7000000004"),
    ]
