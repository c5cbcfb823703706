"""The accounts CSV reader: every reason a row is refused, and what a good row becomes."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from billing_core.models import AccountStatus, MeterKind, Period, Register, Stove
from bot.imports.accounts import HeaderError, ReadOptions, read_accounts, read_batches
from storage.base import ImportRow
from storage.import_rows import account_row, import_row

HEADER = (
    "account;meter_serial;zones;digits;stove;phone;residents;area_m2;last_period;"
    "last_t1;last_t2;last_t3;status"
)


def read(*rows: str, header: str = HEADER) -> list[tuple[int, ImportRow | str]]:
    return list(read_accounts(io.StringIO(header + "\n" + "".join(r + "\n" for r in rows))))


def test_a_full_row() -> None:
    [(line, row)] = read(
        "12345 678 90;ab-00123;2;5;Electric;8 (916) 123-45-67, +79031112233;3;54,3;"
        "2026-02;4521;1800;;closed"
    )

    assert line == 2
    assert isinstance(row, ImportRow)
    account = row.account
    assert (account.number, account.meter.serial, account.meter.kind) == (
        "1234567890", "AB00123", MeterKind.TWO_ZONE,
    )  # fmt: skip
    assert (account.meter.digits, account.stove, account.status) == (
        5, Stove.ELECTRIC, AccountStatus.CLOSED,
    )  # fmt: skip
    assert account.phones == ("+79161234567", "+79031112233")
    assert (account.residents, account.area_m2) == (3, Decimal("54.3"))
    assert row.last_period == Period(2026, 2)
    assert row.last_values == {Register.T1: Decimal(4521), Register.T2: Decimal(1800)}
    assert row.keep == {"address", "window_start_day", "window_end_day", "house_id"}


def test_empty_cells_are_kept_and_defaults_apply() -> None:
    [(_, row)] = read("1234567890;0012345;1;;;;;;;;;;")

    assert isinstance(row, ImportRow)
    assert (row.account.meter.digits, row.account.stove) == (6, Stove.GAS)
    assert row.account.status is AccountStatus.ACTIVE
    assert row.keep >= {"digits", "stove", "phones", "residents", "area_m2", "status", "address"}
    assert row.last_period is None


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("123456789;0012345;1;;;;;;;;;;", "account must be 10 digits"),
        ("1234567890;00-1;1;;;;;;;;;;", "meter_serial must be 4 to 20 letters or digits"),
        ("1234567890;0012345;0;;;;;;;;;;", "zones must be 1, 2 or 3 (got 0)"),
        ("1234567890;0012345;;;;;;;;;;;", "zones must be 1, 2 or 3 (got nothing)"),
        ("1234567890;0012345;1;12;;;;;;;;;", "digits must be a whole number from 4 to 8"),
        ("1234567890;0012345;1;;wood;;;;;;;;", "stove must be gas or electric (got wood)"),
        ("1234567890;0012345;1;;;12345;;;;;;;", "phone must be a Russian number"),
        ("1234567890;0012345;1;;;;-1;;;;;;", "residents must be a whole number from 0 to 99"),
        ("1234567890;0012345;1;;;;;много;;;;;", "area_m2 must be a number (got много)"),
        ("1234567890;0012345;1;;;;;0,5;;;;;", "area_m2 must be between 1 and 10000"),
        ("1234567890;0012345;1;;;;;;2026-2;100;;;", "last_period must look like YYYY-MM"),
        ("1234567890;0012345;1;;;;;;;100;;;", "last_t1…last_t3 need last_period"),
        ("1234567890;0012345;2;;;;;;2026-02;100;;;", "last_t2 is required with last_period"),
        ("1234567890;0012345;1;;;;;;2026-02;100;5;;", "last_t2 given, but the meter has 1 zone"),
        ("1234567890;0012345;1;;;;;;2026-02;1000000;;;", "last_t1 has more than 6 digits"),
        ("1234567890;0012345;1;;;;;;2026-02;-5;;;", "last_t1 must be a number, zero or more"),
        ("1234567890;0012345;1;;;;;;;;;;frozen", "status must be active or automatic or closed"),
        ("1234567890;0012345;1", "expected 13 cells, got 3"),
    ],
)
def test_each_bad_cell_is_named(cells: str, reason: str) -> None:
    [(line, result)] = read(cells)

    assert line == 2
    assert isinstance(result, str)
    assert reason in result


def test_line_numbers_count_blank_and_quoted_multiline_rows() -> None:
    rows = read(
        "",
        '1234567890;0012345;1;;;;;;;;;;"active"',
        "x;0012345;1;;;;;;;;;;",
    )
    assert [(line, isinstance(r, str)) for line, r in rows] == [(3, False), (4, True)]

    multiline = list(
        read_accounts(
            io.StringIO(
                'account,meter_serial,zones,address\n1234567890,0012345,1,"a\nb"\nbad,0012345,1,\n'
            )
        )
    )
    assert [line for line, _ in multiline] == [2, 4]


def test_a_quote_left_open_is_reported_with_the_lines_it_took_in() -> None:
    rows = read(
        "1234567890;0012345;1;;;;;;;;;;",
        '"2234567890;0012345;1;;;;;;;;;;',
        "3234567890;0012345;1;;;;;;;;;;",
        "4234567890;0012345;1;;;;;;;;;;",
    )

    assert [(line, r if isinstance(r, str) else "ok") for line, r in rows] == [
        (2, "ok"),
        (3, "expected 13 cells, got 1 in lines 3–5 (is a quote not closed?)"),
    ]


def test_a_quote_left_open_in_the_last_column_is_not_read_as_an_address() -> None:
    header = "account,meter_serial,zones,address"
    rows = read(
        '1000000001,0000001,1,"Lenina 1',
        "1000000002,0000002,1,Lenina 2",
        "1000000003,0000003,1,Lenina 3",
        header=header,
    )
    assert rows == [
        (2, "a quote is not closed: lines 2–4 were read as one row, with whole account rows "
            "inside a cell"),
    ]  # fmt: skip
    # An address broken over lines on purpose is one cell, as before.
    [(_, row)] = read('1000000001,0000001,1,"Москва,\nЛенина 1, кв. 2"', header=header)
    assert isinstance(row, ImportRow)
    assert row.account.address == "Москва,\nЛенина 1, кв. 2"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "empty file"),
        ("account;account;meter_serial;zones", "column 'account' appears twice"),
        ("account;meter;zones", "unknown column 'meter'"),
        ("account;;meter_serial;zones", r"column 2 has no name; name it, or add --ignore"),
        ("account;meter_serial;zones;лицевой счет", "column 'account' appears twice"),
        ("meter_serial,zones", "missing column account"),
    ],
)
def test_header_problems(header: str, message: str) -> None:
    with pytest.raises(HeaderError, match=message):
        list(read_accounts(io.StringIO(header + "\n")))


def test_header_is_case_and_space_tolerant() -> None:
    [(_, row)] = read("1234567890, 0012345 ,1", header=" Account , METER_SERIAL,Zones")
    assert isinstance(row, ImportRow)
    assert row.account.meter.serial == "0012345"


def test_batches_close_on_good_rows_and_on_rejections() -> None:
    good = [f"{1000000000 + n};001234{n};1;;;;;;;;;;" for n in range(5)]
    bad = ["x;0012345;1;;;;;;;;;;"] * 3
    text = io.StringIO(HEADER + "\n" + "\n".join([*good[:3], *bad, *good[3:]]) + "\n")

    batches = list(read_batches(text, 2))

    assert [(b.first_line, [r[0] for r in b.rows]) for b in batches] == [
        (2, ["1000000000", "1000000001"]),
        (4, ["1000000002"]),  # closed by its second rejection
        (8, ["1000000003", "1000000004"]),
    ]
    assert [[line for line, _ in b.rejections] for b in batches] == [[], [5, 6], [7]]


def test_column_values_and_import_rows_convert_both_ways() -> None:
    [(_, row)] = read(
        "12345 678 90;ab-00123;3;5;Electric;8 (916) 123-45-67;3;1e3;2026-02;0,0;007;12,50;closed"
    )
    assert isinstance(row, ImportRow)
    values = account_row(row)

    assert import_row(values) == row
    assert values[5] == "1E+3"  # area_m2 and readings keep the Decimal's own spelling
    assert values[13:17] == ("2026-02", "0", "7", "12.50")


def test_russian_headers_and_a_separator_after_the_last_cell() -> None:
    [(_, row)] = read(
        "1234567890;0012345;2;Москва;2026-02;100;50;",
        header="Лицевой счет;Номер счётчика;Тарифность;Адрес;Последний период;Т1;Т2;",
    )
    assert isinstance(row, ImportRow)
    assert (row.account.number, row.account.meter.serial) == ("1234567890", "0012345")
    assert row.last_values == {Register.T1: Decimal(100), Register.T2: Decimal(50)}


@pytest.mark.parametrize("line", ["1234567890;0012345;1;5;20", '"1234567890";0012345;1;5;20'])
def test_window_columns_set_the_accounts_own_window(line: str) -> None:
    [(_, row)] = read(line, header="account;meter_serial;zones;window_start_day;window_end_day")
    assert isinstance(row, ImportRow)
    assert (row.account.window_start_day, row.account.window_end_day) == (5, 20)
    assert "window_start_day" not in row.keep


def test_a_future_period_is_refused_on_either_path() -> None:
    header = "account;meter_serial;zones;last_period;last_t1"
    text = io.StringIO(
        f"{header}\n1234567890;0012345;1;2026-12;100\n2234567890;0012346;1;2027-01;1 000\n"
    )

    rows = list(read_accounts(text, ReadOptions(latest_period="2026-12")))

    assert isinstance(rows[0][1], ImportRow)
    assert rows[1] == (3, "last_period 2027-01 is in the future (the current period is 2026-12)")


def test_a_closed_account_may_leave_its_meter_to_another() -> None:
    rows = read(
        "1234567890;0012345;1;;;;;;;;;;closed",
        "2234567890;0012345;1;;;;;;;;;;active",
        "3234567890;0012345;1;;;;;;;;;;active",
    )
    assert [isinstance(item, ImportRow) for _, item in rows] == [True, True, False]
    assert rows[2][1] == (
        "meter_serial 0012345 is already active on account 2234567890 (line 3); "
        "a meter is active on one account at a time"
    )


def test_ignored_columns_are_skipped_on_either_path() -> None:
    header = "account;note;meter_serial;zones"
    text = io.StringIO(f'{header}\n1234567890;x;0012345;1\n2234567890;"a;b";0012346;1\n')

    rows = list(read_accounts(text, ReadOptions(ignore_unknown_columns=True)))

    assert [row.account.meter.serial for _, row in rows if isinstance(row, ImportRow)] == [
        "0012345", "0012346",
    ]  # fmt: skip
