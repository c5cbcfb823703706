"""Accounts and meters: import upserts, lookups by pair and by phone."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billing_core.models import AccountStatus, MeterKind, Period, ReadingSource, Register, Stove
from storage.base import Storage, UpsertCounts
from storage.import_rows import RowBatch, account_row, stage_rows
from tests.storage.factories import account, row


async def test_upsert_then_get_round_trips_every_field(storage: Storage) -> None:
    full = account(
        "0012345678",
        "00098765",
        MeterKind.THREE_ZONE,
        stove=Stove.ELECTRIC,
        status=AccountStatus.AUTOMATIC,
        address="Москва, ул. Тверская, д. 7, кв. 12",
        residents=3,
        area_m2=Decimal("54.30"),
        phones=("+79991234567", "+74951234567"),
    )
    counts = await storage.upsert_accounts([row(full)])

    assert counts == UpsertCounts(added=1, updated=0)
    assert await storage.get_account("0012345678") == full
    assert await storage.get_account("9999999999") is None
    assert await storage.count_accounts() == 1


async def test_second_import_counts_updates_and_changes_fields(storage: Storage) -> None:
    await storage.upsert_accounts(
        [row(account("1111111111")), row(account("2222222222", "0022222"))]
    )

    counts = await storage.upsert_accounts(
        [row(account("1111111111", address="новый адрес")), row(account("3333333333", "0033333"))]
    )

    assert counts == UpsertCounts(added=1, updated=1)
    stored = await storage.get_account("1111111111")
    assert stored is not None
    assert stored.address == "новый адрес"
    assert await storage.count_accounts() == 3


async def test_kept_fields_survive_an_update(storage: Storage) -> None:
    await storage.upsert_accounts(
        [row(account(stove=Stove.ELECTRIC, address="Арбат, 1", phones=("+79990000001",)))]
    )

    await storage.upsert_accounts(
        [row(account(), keep=frozenset({"stove", "address", "phones", "residents"}))]
    )

    stored = await storage.get_account("1234567890")
    assert stored is not None
    assert (stored.stove, stored.address, stored.phones) == (
        Stove.ELECTRIC,
        "Арбат, 1",
        ("+79990000001",),
    )


async def test_new_serial_replaces_the_meter(storage: Storage) -> None:
    await storage.upsert_accounts([row(account(serial="0000111"))])

    await storage.upsert_accounts([row(account(serial="0000222", kind=MeterKind.TWO_ZONE))])

    assert await storage.find_account("1234567890", "0000111") is None
    found = await storage.find_account("1234567890", "0000222")
    assert found is not None
    assert found.meter.kind is MeterKind.TWO_ZONE
    assert found.meter.active


async def test_find_account_needs_both_halves(storage: Storage) -> None:
    await storage.upsert_accounts([row(account(serial="0012345"))])

    assert await storage.find_account("1234567890", "0012345") is not None
    assert await storage.find_account("1234567890", "12345") is None  # leading zeros matter
    assert await storage.find_account("1234567899", "0012345") is None


async def test_find_by_phone_follows_updates(storage: Storage) -> None:
    await storage.upsert_accounts(
        [
            row(account("1111111111", phones=("+79991112233",))),
            row(account("2222222222", "0022222", phones=("+79991112233", "+79995556677"))),
        ]
    )
    found = await storage.find_accounts_by_phone("+79991112233")
    assert [a.number for a in found] == ["1111111111", "2222222222"]

    await storage.upsert_accounts([row(account("1111111111", phones=("+79990000000",)))])

    found = await storage.find_accounts_by_phone("+79991112233")
    assert [a.number for a in found] == ["2222222222"]
    assert await storage.find_accounts_by_phone("+70000000000") == []


async def test_last_reading_from_the_file_is_stored_once(storage: Storage) -> None:
    feb = Period(2026, 2)
    values = {Register.T1: Decimal("4521"), Register.T2: Decimal("1800")}
    imported = row(account(kind=MeterKind.TWO_ZONE), last_period=feb, last_values=values)

    await storage.upsert_accounts([imported])
    await storage.upsert_accounts([imported])

    current = await storage.current_reading("1234567890", feb)
    assert current is not None
    assert current.values == values
    assert current.source is ReadingSource.CONTROL
    assert len(await storage.reading_history("1234567890", feb)) == 1


async def test_ping(storage: Storage) -> None:
    assert await storage.ping() is True


async def test_window_override_survives_a_file_update(storage: Storage) -> None:
    await storage.upsert_accounts([row(account(window_start_day=1, window_end_day=31))])

    await storage.upsert_accounts(
        [row(account(), keep=frozenset({"window_start_day", "window_end_day"}))]
    )

    stored = await storage.get_account("1234567890")
    assert stored is not None
    assert (stored.window_start_day, stored.window_end_day) == (1, 31)


async def test_a_batch_mixing_new_known_and_repeated_accounts(storage: Storage) -> None:
    feb = Period(2026, 2)
    await storage.upsert_accounts([row(account("1111111111", serial="0000111"))])

    counts = await storage.upsert_accounts(
        [
            row(
                account("2222222222", "0022222"),
                last_period=feb,
                last_values={Register.T1: Decimal(5)},
            ),
            row(account("1111111111", serial="0000999")),
            row(account("2222222222", "0022222", address="второй раз")),
        ]
    )

    assert counts == UpsertCounts(added=1, updated=2)
    second = await storage.get_account("2222222222")
    assert second is not None
    assert second.address == "второй раз"
    assert await storage.find_account("1111111111", "0000999") is not None
    current = await storage.current_reading("2222222222", feb)
    assert current is not None
    assert current.values == {Register.T1: Decimal(5)}


async def _pragma(storage: Storage, name: str) -> int:
    db: Any = getattr(storage, "_db")  # noqa: B009 - the connection's pragma, SQLite only
    [(value,)] = await db.execute_fetchall(f"PRAGMA {name}")
    return int(value)


async def test_sqlite_import_relaxes_durability_only_for_its_own_transaction(
    storage: Storage,
) -> None:
    if getattr(storage, "engine", "") != "sqlite":
        pytest.skip("synchronous, foreign_keys and CHECK constraints are SQLite settings")
    normal, on, off = 1, 1, 0  # the connection's settings at rest
    # Over 200 rows: the multi-row insert goes through whole chunks and a remainder.
    numbers = [f"{4000000000 + n:010d}" for n in range(450)]
    await storage.upsert_accounts(
        [
            row(
                account(n, phones=(f"+7999{n[-7:]}",)),
                last_period=Period(2026, 2),
                last_values={Register.T1: Decimal(5)},
            )
            for n in numbers
        ]
    )
    assert await _pragma(storage, "synchronous") == normal
    assert await _pragma(storage, "foreign_keys") == on
    assert await _pragma(storage, "ignore_check_constraints") == off
    db: Any = getattr(storage, "_db")  # noqa: B009
    assert await db.execute_fetchall("PRAGMA foreign_key_check") == []
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # checked again after it
        await db.execute(
            "INSERT INTO meters (account, serial, zones, digits, decimals, active) "
            "VALUES (?, 'X1', 4, 6, 0, 0)",
            (numbers[0],),
        )
    assert await storage.count_accounts() == len(numbers)
    assert [a.number for a in await storage.find_accounts_by_phone("+79990000449")] == [
        numbers[-1]
    ]
    assert await storage.current_reading(numbers[-1], Period(2026, 2)) is not None

    with pytest.raises(AttributeError):
        await storage.upsert_accounts([None])  # type: ignore[list-item]
    assert await _pragma(storage, "synchronous") == normal
    assert await _pragma(storage, "foreign_keys") == on
    assert await _pragma(storage, "ignore_check_constraints") == off


async def test_a_row_batch_writes_what_its_import_rows_say(storage: Storage) -> None:
    feb = Period(2026, 2)
    await storage.upsert_accounts(
        [row(account("1111111111", serial="0000111", phones=("+79990000001",)))]
    )
    full = account(
        "2222222222", "0000222", MeterKind.TWO_ZONE, stove=Stove.ELECTRIC, address="Арбат, 1",
        residents=2, area_m2=Decimal("40.5"), phones=("+79990000002", "+74950000002"),
    )  # fmt: skip
    imported = [
        row(full, last_period=feb, last_values={Register.T1: Decimal(7), Register.T2: Decimal(3)}),
        row(account("1111111111", serial="0000999"), keep=frozenset({"phones"})),
    ]
    batch = RowBatch([account_row(r) for r in imported])
    assert list(batch) == imported  # what an engine that iterates the batch reads

    counts = await storage.upsert_accounts(batch)

    assert counts == UpsertCounts(added=1, updated=1)
    assert await storage.get_account("2222222222") == full
    current = await storage.current_reading("2222222222", feb)
    assert current is not None
    assert current.values == {Register.T1: Decimal(7), Register.T2: Decimal(3)}
    kept = await storage.find_account("1111111111", "0000999")
    assert kept is not None
    assert kept.phones == ("+79990000001",)
    assert [a.number for a in await storage.find_accounts_by_phone("+74950000002")] == [
        "2222222222"
    ]


async def test_a_staged_batch_writes_what_its_rows_say(storage: Storage, tmp_path: Path) -> None:
    feb = Period(2026, 2)
    two_zone = account(
        "2222222222", "0000222", MeterKind.TWO_ZONE, address="Арбат, 1",
        phones=("+79990000002", "+74950000002"),
    )  # fmt: skip
    fresh = [
        row(account("1111111111", serial="0000111", phones=("+79990000001",))),
        row(
            two_zone,
            last_period=feb,
            last_values={Register.T1: Decimal(7), Register.T2: Decimal(3)},
        ),
    ]
    staged = stage_rows(str(tmp_path / "fresh.sqlite3"), [account_row(r) for r in fresh])
    assert list(staged) == fresh  # what an engine that iterates the batch reads

    # All new: the set-based path on SQLite.
    assert await storage.upsert_accounts(staged) == UpsertCounts(added=2, updated=0)

    assert await storage.get_account("2222222222") == two_zone
    current = await storage.current_reading("2222222222", feb)
    assert current is not None
    assert current.values == {Register.T1: Decimal(7), Register.T2: Decimal(3)}
    assert [a.number for a in await storage.find_accounts_by_phone("+74950000002")] == [
        "2222222222"
    ]
    assert await storage.find_account("1111111111", "0000111") is not None

    # One known, one new: row by row, keeping what the row says to keep.
    mixed = [
        row(account("1111111111", serial="0000999"), keep=frozenset({"phones"})),
        row(account("3333333333", serial="0000333")),
    ]
    staged = stage_rows(str(tmp_path / "mixed.sqlite3"), [account_row(r) for r in mixed])

    assert await storage.upsert_accounts(staged) == UpsertCounts(added=1, updated=1)

    kept = await storage.find_account("1111111111", "0000999")
    assert kept is not None
    assert kept.phones == ("+79990000001",)
    assert await storage.find_account("3333333333", "0000333") is not None
    assert await storage.count_accounts() == 3


async def test_a_new_phone_list_replaces_the_stored_one(storage: Storage) -> None:
    await storage.upsert_accounts(
        [row(account("1111111111", phones=("+79990000001", "+79990000002")))]
    )
    await storage.upsert_accounts(
        [row(account("2222222222", "0022222", phones=("+79990000001",)))]
    )

    await storage.upsert_accounts([row(account("1111111111", phones=("+79990000003",)))])

    assert [a.number for a in await storage.find_accounts_by_phone("+79990000001")] == [
        "2222222222"
    ]
    assert await storage.find_accounts_by_phone("+79990000002") == []
    assert [a.number for a in await storage.find_accounts_by_phone("+79990000003")] == [
        "1111111111"
    ]
