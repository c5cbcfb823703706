"""Closing a period: which accounts still need an estimate, and storing the estimates."""

from __future__ import annotations

from dataclasses import replace

from billing_core.models import AccountStatus, BillBasis, MeterReading, ReadingSource
from storage.base import Storage
from tests.storage.factories import MARCH, account, bill, reading, row, seed

FEBRUARY = MARCH.prev()


def estimated(t1: str) -> MeterReading:
    return reading(t1, source=ReadingSource.ESTIMATED, user="")


async def test_only_active_accounts_without_a_reading_need_an_estimate(storage: Storage) -> None:
    numbers = ["1000000001", "1000000002", "1000000003", "1000000004"]
    accounts = [account(n, f"S{n[-1]}") for n in numbers]
    accounts[2] = replace(accounts[2], status=AccountStatus.AUTOMATIC)
    accounts[3] = replace(accounts[3], status=AccountStatus.CLOSED)
    await storage.upsert_accounts([row(a) for a in accounts])
    await storage.record_submission(numbers[1], reading("4521"), bill(numbers[1]))
    await storage.record_submission(numbers[0], reading("4400", period=FEBRUARY), None)

    assert await storage.accounts_to_estimate(MARCH) == [numbers[0]]
    assert await storage.accounts_to_estimate(FEBRUARY) == [numbers[1]]


async def test_accounts_to_estimate_come_in_pages(storage: Storage) -> None:
    numbers = [f"20000000{n:02d}" for n in range(7)]
    await seed(storage, *(account(n, f"S{n}") for n in numbers))

    first = await storage.accounts_to_estimate(MARCH, limit=3)
    second = await storage.accounts_to_estimate(MARCH, after=first[-1], limit=3)
    third = await storage.accounts_to_estimate(MARCH, after=second[-1], limit=3)

    assert [*first, *second, *third] == numbers
    assert len(third) == 1


async def test_estimates_are_stored_with_their_bills(storage: Storage) -> None:
    await seed(storage, account("1000000001", "S1"), account("1000000002", "S2"))
    average = replace(bill("1000000001"), basis=BillBasis.AVERAGE)

    stored = await storage.record_estimates(
        [("1000000001", estimated("4600"), average), ("1000000002", estimated("900"), None)]
    )

    assert stored == ["1000000001", "1000000002"]
    current = await storage.current_reading("1000000001", MARCH)
    assert current == estimated("4600")
    assert await storage.latest_bill("1000000001") == average
    assert await storage.accounts_to_estimate(MARCH) == []


async def test_an_estimate_never_replaces_a_reading(storage: Storage) -> None:
    await seed(storage, account("1000000001", "S1"), account("1000000002", "S2"))
    await storage.record_submission("1000000001", reading("4521"), bill("1000000001"))
    average = replace(bill("1000000002"), basis=BillBasis.AVERAGE)

    stored = await storage.record_estimates(
        [
            ("1000000001", estimated("4600"), replace(bill("1000000001"), total="1.00")),
            ("1000000002", estimated("900"), average),
        ]
    )

    assert stored == ["1000000002"]
    assert await storage.current_reading("1000000001", MARCH) == reading("4521")
    assert await storage.latest_bill("1000000001") == bill("1000000001")
    assert await storage.latest_bill("1000000002") == average
