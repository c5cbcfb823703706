"""What an import refuses because of what the database holds: a meter serial already active on
another account, a last reading below the one stored. Both through rows in memory and through
a staged batch (the SQLite import's large-file path; any other engine loads it back)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from billing_core.models import AccountStatus, MeterKind, Period, ReadingSource, Register
from storage.base import ImportRow, Storage, UpsertCounts
from storage.import_rows import account_row, stage_rows
from tests.storage.factories import account, reading, row

FEB = Period(2026, 2)
MAR = Period(2026, 3)
Upsert = Callable[[Storage, Sequence[ImportRow]], Awaitable[UpsertCounts]]


async def _in_memory(storage: Storage, rows: Sequence[ImportRow]) -> UpsertCounts:
    return await storage.upsert_accounts(rows)


def _staged(folder: Path) -> Upsert:
    counter = iter(range(1000))

    async def upsert(storage: Storage, rows: Sequence[ImportRow]) -> UpsertCounts:
        path = folder / f"batch-{next(counter)}.sqlite3"
        return await storage.upsert_accounts(stage_rows(str(path), list(map(account_row, rows))))

    return upsert


@pytest.fixture(params=["in memory", "staged"])
def upsert(request: pytest.FixtureRequest, tmp_path: Path) -> Upsert:
    return _in_memory if request.param == "in memory" else _staged(tmp_path)


def _last(number: str, serial: str, period: Period, *values: str, **fields: object) -> ImportRow:
    kind = MeterKind(len(values))
    registers = (Register.T1, Register.T2, Register.T3)
    return row(
        account(number, serial, kind, **fields),
        last_period=period,
        last_values={r: Decimal(v) for r, v in zip(registers, values, strict=False)},
    )


async def test_a_serial_active_on_another_account_is_refused(
    storage: Storage, upsert: Upsert
) -> None:
    await upsert(storage, [row(account("1111111111", "AB1234"))])

    counts = await upsert(
        storage, [row(account("2222222222", "CD5678")), row(account("3333333333", "AB1234"))]
    )

    assert counts.added == 1
    assert counts.updated == 0
    assert counts.rejected == (
        (1, "meter_serial AB1234 is already active on account 1111111111 in the database; "
         "a meter is active on one account at a time"),
    )  # fmt: skip
    assert await storage.get_account("3333333333") is None
    assert await storage.get_account("2222222222") is not None


async def test_a_serial_may_move_when_its_holder_is_closed_retired_or_in_the_batch(
    storage: Storage, upsert: Upsert
) -> None:
    await upsert(
        storage,
        [
            row(account("1111111111", "AB1234", status=AccountStatus.CLOSED)),
            row(account("2222222222", "CD5678")),
            row(account("3333333333", "EF9012")),
        ],
    )
    # 2222222222's meter is replaced in an earlier batch; 3333333333's in the same batch.
    await upsert(storage, [row(account("2222222222", "GH3456"))])

    counts = await upsert(
        storage,
        [
            row(account("4444444444", "AB1234")),
            row(account("5555555555", "CD5678")),
            row(account("6666666666", "EF9012")),
            row(account("3333333333", "IJ7890")),
        ],
    )

    assert counts == UpsertCounts(added=3, updated=1)


async def test_a_closed_account_may_keep_a_serial_another_holds(
    storage: Storage, upsert: Upsert
) -> None:
    await upsert(storage, [row(account("1111111111", "AB1234"))])

    counts = await upsert(
        storage, [row(account("2222222222", "AB1234", status=AccountStatus.CLOSED))]
    )

    assert counts == UpsertCounts(added=1, updated=0)


async def test_the_same_account_and_serial_again_is_an_update(
    storage: Storage, upsert: Upsert
) -> None:
    await upsert(storage, [row(account("1111111111", "AB1234"))])

    assert await upsert(storage, [row(account("1111111111", "AB1234"))]) == UpsertCounts(0, 1)


async def test_a_last_reading_below_the_stored_one_is_refused_with_each_register(
    storage: Storage, upsert: Upsert
) -> None:
    await upsert(storage, [_last("1111111111", "AB1234", FEB, "1200", "800")])
    await storage.record_submission("1111111111", reading("1300", "850", period=MAR), None)

    counts = await upsert(storage, [_last("1111111111", "AB1234", MAR, "1250", "840")])

    assert counts.added == counts.updated == 0
    assert counts.rejected == (
        (0, "last_t1 1250 is below 1300, last_t2 840 is below 850, the reading stored for "
         "2026-03; a meter's reading never goes down"),
    )  # fmt: skip
    current = await storage.current_reading("1111111111", MAR)
    assert current is not None
    assert current.values == {Register.T1: Decimal("1300"), Register.T2: Decimal("850")}


async def test_the_reading_compared_is_the_latest_at_or_before_the_files_period(
    storage: Storage, upsert: Upsert
) -> None:
    await upsert(storage, [_last("1111111111", "AB1234", FEB, "1200")])
    await storage.record_submission("1111111111", reading("1300", period=MAR), None)

    # February again, lower than March but not than February: history, taken.
    counts = await upsert(storage, [_last("1111111111", "AB1234", FEB, "1200.5")])
    # January, before anything stored: taken; February below its stored value: refused.
    later = await upsert(
        storage,
        [
            _last("1111111111", "AB1234", Period(2026, 1), "900"),
        ],
    )
    below = await upsert(storage, [_last("1111111111", "AB1234", FEB, "1199.9")])

    assert counts == UpsertCounts(0, 1)
    assert later == UpsertCounts(0, 1)
    assert [at for at, _ in below.rejected] == [0]
    assert "last_t1 1199.9 is below 1200" in below.rejected[0][1]


async def test_estimates_and_another_meter_do_not_count(storage: Storage, upsert: Upsert) -> None:
    await upsert(storage, [_last("1111111111", "AB1234", FEB, "1200")])
    estimated = reading("1500", period=MAR, source=ReadingSource.ESTIMATED)
    await storage.record_submission("1111111111", estimated, None)
    await upsert(storage, [_last("2222222222", "CD5678", FEB, "5000")])

    counts = await upsert(
        storage,
        [
            _last("1111111111", "AB1234", MAR, "1250"),  # below the estimate: taken
            _last("2222222222", "EF9012", MAR, "10"),  # a new meter starts low: taken
        ],
    )

    assert counts == UpsertCounts(0, 2)


async def test_refused_rows_are_left_out_and_the_others_go_in(
    storage: Storage, upsert: Upsert
) -> None:
    await upsert(
        storage,
        [
            _last("1111111111", "AB1234", FEB, "1200"),
            row(account("2222222222", "CD5678")),
            _last("5555555555", "GH3456", FEB, "70"),
        ],
    )

    counts = await upsert(
        storage,
        [
            row(account("3333333333", "EF9012")),
            _last("1111111111", "AB1234", MAR, "1300"),
            _last("4444444444", "CD5678", MAR, "10"),
            _last("5555555555", "GH3456", MAR, "69"),
        ],
    )

    assert counts.added == 1
    assert counts.updated == 1
    assert [(at, reason.split(" ")[0]) for at, reason in counts.rejected] == [
        (2, "meter_serial"),
        (3, "last_t1"),
    ]
    assert await storage.get_account("4444444444") is None
    march = await storage.current_reading("5555555555", MAR)
    assert march is None
