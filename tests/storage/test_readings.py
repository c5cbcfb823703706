"""Submissions: atomic reading + supersede + bill, idempotency, history, bills, export."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from billing_core.models import MeterKind, Period, ReadingSource, Register
from storage import operations
from storage.base import Storage, StoredSubmission, open_storage
from tests.storage.factories import AT, MARCH, account, bill, reading, row, seed, traced

NUMBER = "1234567890"


async def test_first_submission_stores_reading_and_bill(storage: Storage) -> None:
    await seed(storage)

    result = await storage.record_submission(NUMBER, reading("4521"), bill(), update_id="u1")

    assert result == StoredSubmission(superseded=False, duplicate=False)
    assert await storage.current_reading(NUMBER, MARCH) == reading("4521")
    assert await storage.latest_bill(NUMBER) == bill()


async def test_correction_supersedes_and_keeps_history(storage: Storage) -> None:
    await seed(storage)
    await storage.record_submission(NUMBER, reading("4521"), bill(total="787.00"))

    later = reading("4531", at=AT + timedelta(hours=1))
    result = await storage.record_submission(NUMBER, later, bill(total="865.70"))

    assert result.superseded is True
    assert await storage.current_reading(NUMBER, MARCH) == later
    assert await storage.reading_history(NUMBER, MARCH) == [reading("4521"), later]
    assert await storage.bills(NUMBER) == [bill(total="865.70")]


async def test_redelivered_update_is_stored_once(storage: Storage) -> None:
    await seed(storage)
    await storage.record_submission(NUMBER, reading("4521"), bill(), update_id="777")

    again = await storage.record_submission(NUMBER, reading("9999"), bill(), update_id="777")

    assert again == StoredSubmission(superseded=False, duplicate=True)
    assert await storage.reading_history(NUMBER, MARCH) == [reading("4521")]
    assert len(await storage.bills(NUMBER)) == 1


async def test_round_values_read_back_as_they_were_written(storage: Storage) -> None:
    # PostgreSQL's binary form gave 40000 back as Decimal('4E+4'): equal, but the export wrote
    # "4E+4" into the billing system's file.
    await seed(storage)
    await storage.record_submission(NUMBER, reading("40000"), bill(total="10000.00"))

    stored = await storage.current_reading(NUMBER, MARCH)
    [exported] = [e async for e in storage.export_readings(MARCH)]
    [stored_bill] = await storage.bills(NUMBER)

    assert stored is not None
    assert [str(v) for v in stored.values.values()] == ["40000"]
    assert [str(v) for v in exported.reading.values.values()] == ["40000"]
    assert (exported.zones, str(exported.amount)) == (1, "10000.00")  # the bill as told
    assert str(stored_bill.total) == "10000.00"
    assert [str(line.quantity_kwh) for line in stored_bill.lines] == ["100", "0"]


async def test_claimed_update_may_still_be_submitted(storage: Storage) -> None:
    await seed(storage)
    assert await storage.claim_update("telegram", "900") is True

    result = await storage.record_submission(NUMBER, reading("4521"), bill(), update_id="900")

    assert result.duplicate is False


async def test_submission_without_bill_retires_the_periods_bill(storage: Storage) -> None:
    await seed(storage)
    await storage.record_submission(NUMBER, reading("4521"), bill())

    await storage.record_submission(NUMBER, reading("4600"), None)

    assert await storage.latest_bill(NUMBER) is None
    assert await storage.current_reading(NUMBER, MARCH) == reading("4600")


async def test_concurrent_submissions_leave_one_current_reading(url: str) -> None:
    # Two connections (two pools on PostgreSQL): what two bot processes would do.
    first, second = await open_storage(url), await open_storage(url)
    try:
        await seed(first)
        a = reading("4521", user="a")
        b = reading("4530", user="b")
        results = await asyncio.gather(
            first.record_submission(NUMBER, a, bill()),
            second.record_submission(NUMBER, b, bill()),
        )

        assert sorted(r.superseded for r in results) == [False, True]
        history = await first.reading_history(NUMBER, MARCH)
        assert sorted(h.chat_user for h in history) == ["a", "b"]
        assert await first.current_reading(NUMBER, MARCH) == history[-1]
        assert len(await first.readings(NUMBER)) == 1
        assert len(await first.bills(NUMBER)) == 1
    finally:
        await first.close()
        await second.close()


async def test_concurrent_redelivery_is_stored_once(url: str) -> None:
    first, second = await open_storage(url), await open_storage(url)
    try:
        await seed(first)
        results = await asyncio.gather(
            first.record_submission(NUMBER, reading("4521"), bill(), update_id="42"),
            second.record_submission(NUMBER, reading("4521"), bill(), update_id="42"),
        )

        assert sorted(r.duplicate for r in results) == [False, True]
        assert len(await first.reading_history(NUMBER, MARCH)) == 1
    finally:
        await first.close()
        await second.close()


async def test_readings_are_newest_first_one_per_period(storage: Storage) -> None:
    await seed(storage, account(kind=MeterKind.TWO_ZONE))
    for month, t1 in ((1, "100"), (2, "200"), (3, "300")):
        period = Period(2026, month)
        await storage.record_submission(
            NUMBER, reading(t1, "50", period=period), bill(period=period)
        )
    await storage.record_submission(
        NUMBER,
        reading("310", "55", period=MARCH, source=ReadingSource.CONTROL),
        bill(period=MARCH),
    )

    found = await storage.readings(NUMBER)
    assert [(str(r.period), r.values[Register.T1]) for r in found] == [
        ("2026-03", Decimal("310")),
        ("2026-02", Decimal("200")),
        ("2026-01", Decimal("100")),
    ]
    assert found[0].values[Register.T2] == Decimal("55")
    assert len(await storage.readings(NUMBER, limit=2)) == 2
    residents = await storage.readings(NUMBER, sources=[ReadingSource.RESIDENT])
    assert [str(r.period) for r in residents] == ["2026-02", "2026-01"]
    assert [str(b.period) for b in await storage.bills(NUMBER)] == [
        "2026-03",
        "2026-02",
        "2026-01",
    ]


async def test_decimals_and_offsets_survive(storage: Storage) -> None:
    await seed(storage)
    precise = reading("004521.25")

    await storage.record_submission(NUMBER, precise, bill())

    stored = await storage.current_reading(NUMBER, MARCH)
    assert stored is not None
    assert stored.values[Register.T1] == Decimal("4521.25")
    assert stored.submitted_at == AT
    assert stored.submitted_at.utcoffset() is not None


async def test_export_pages_through_current_readings(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operations, "EXPORT_PAGE", 2)
    numbers = [f"10000000{i:02d}" for i in range(5)]
    await storage.upsert_accounts([row(account(n, f"SN{n}")) for n in numbers])
    for n in numbers:
        await storage.record_submission(n, reading("1"), bill(n))
    await storage.record_submission(numbers[0], reading("2"), bill(numbers[0]))
    await storage.record_submission(numbers[1], reading("9", period=Period(2026, 2)), None)

    exported = [e async for e in storage.export_readings(MARCH)]

    assert [(e.account, e.meter_serial) for e in exported] == [(n, f"SN{n}") for n in numbers]
    assert exported[0].reading.values[Register.T1] == Decimal("2")
    assert [e.amount for e in exported] == [Decimal("787.00")] * 5


async def test_a_reading_without_a_bill_exports_no_amount(storage: Storage) -> None:
    await seed(storage)
    await storage.record_submission(NUMBER, reading("4400"), None)  # the meter's first reading

    [exported] = [e async for e in storage.export_readings(MARCH)]

    assert exported.amount is None


async def test_sqlite_reaches_current_rows_without_reading_superseded_ones(
    storage: Storage,
) -> None:
    # A resident may correct a period's readings as often as the window allows, and each
    # correction keeps the rows before it as history. Read through an index of every row, that
    # history was scanned again by each later turn of the account, slower with every correction.
    if getattr(storage, "engine", "") != "sqlite":
        pytest.skip("query plans are SQLite's here; PostgreSQL plans by its statistics")
    await seed(storage)
    for n in range(3):
        await storage.record_submission(NUMBER, reading(f"45{n}0"), bill(total=f"7{n}0.00"))

    async def turn_reads() -> None:
        await storage.load_subject(NUMBER)
        await storage.readings(NUMBER)
        await storage.current_reading(NUMBER, MARCH)
        await storage.bills(NUMBER)
        await storage.record_submission(NUMBER, reading("4600"), bill(total="800.00"))

    ran = await traced(storage, turn_reads)
    by_account = [
        sql for sql in ran
        if "account = '1234567890'" in sql and "is_current = 1" in sql
    ]  # fmt: skip
    db: Any = getattr(storage, "_db")  # noqa: B009 - the connection's own query planner
    plans = {}
    for sql in by_account:
        async with db.execute(f"EXPLAIN QUERY PLAN {sql}") as cursor:
            plans[sql] = " ".join(str(step[3]) for step in await cursor.fetchall())

    assert any("FROM readings" in sql for sql in plans)
    assert any("FROM bills" in sql or "UPDATE bills" in sql for sql in plans)
    for sql, plan in plans.items():
        assert "INDEX readings_by_account (account=? AND is_current=?" in plan or (
            "INDEX bills_by_account (account=? AND is_current=?" in plan
        ), (sql, plan)
