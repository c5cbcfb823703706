"""An account's money position: the credit a bill carries, and the billing system's balance,
met in one place on both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from billing_core.models import Bill, Period
from storage.base import BalanceCounts, ImportedBalance, MoneyPosition, Storage
from tests.storage.factories import MARCH, account, bill, reading, seed

NUMBER = "1234567890"
APRIL, MAY = MARCH.next(), MARCH.next().next()
D = Decimal


def carrying(credit: str, period: Period = MARCH) -> Bill:
    return replace(bill(period=period, total="0"), credit=D(credit))


async def test_nothing_known_is_zero(storage: Storage) -> None:
    await seed(storage)
    assert await storage.money_position(NUMBER, APRIL) == MoneyPosition()


async def test_the_credit_a_bill_carries_is_the_next_bills_position(storage: Storage) -> None:
    await seed(storage)
    await storage.record_submission(NUMBER, reading("4521"), carrying("1200.00"))

    position = await storage.money_position(NUMBER, APRIL)
    assert (position.amount, position.source, position.period) == (D("-1200.00"), "bill", MARCH)
    stored = await storage.latest_bill(NUMBER)
    assert stored is not None
    assert stored.credit == D("1200.00")
    # a correction inside March's window starts from what March started from, not from itself
    assert await storage.money_position(NUMBER, MARCH) == MoneyPosition()


async def test_a_later_bill_that_used_the_credit_up_leaves_nothing(storage: Storage) -> None:
    await seed(storage)
    await storage.record_submission(NUMBER, reading("4521"), carrying("1200.00"))
    await storage.record_submission(NUMBER, reading("4600", period=APRIL),
                                    carrying("400.00", APRIL))  # fmt: skip
    assert (await storage.money_position(NUMBER, MAY)).amount == D("-400.00")
    used_up = replace(bill(period=APRIL, total="232.00"), credit=D(0))
    await storage.record_submission(NUMBER, reading("4700", period=APRIL), used_up)
    assert (await storage.money_position(NUMBER, MAY)).amount == D(0)


async def test_a_newer_imported_balance_stands_in_for_earlier_bills(storage: Storage) -> None:
    await seed(storage)
    await storage.record_submission(NUMBER, reading("4521"), carrying("1200.00"))
    # as of 2 April: the billing system has billed March (and seen a payment)
    assert await storage.record_balance(
        ImportedBalance(NUMBER, date(2026, 4, 2), D("150.00"), date(2026, 3, 30), D("900.00"))
    )
    position = await storage.money_position(NUMBER, MAY)
    assert position == MoneyPosition(
        amount=D("150.00"), source="imported", as_of=date(2026, 4, 2),
        last_payment_date=date(2026, 3, 30), last_payment_amount=D("900.00"),
    )  # fmt: skip
    # a bill for April came after that balance: its credit is the position again
    await storage.record_submission(NUMBER, reading("4600", period=APRIL),
                                    carrying("75.50", APRIL))  # fmt: skip
    after = await storage.money_position(NUMBER, MAY)
    assert (after.amount, after.source, after.last_payment_amount) == (
        D("-75.50"), "bill", D("900.00"))  # fmt: skip


async def test_an_older_balance_is_skipped(storage: Storage) -> None:
    await seed(storage)
    assert await storage.record_balance(ImportedBalance(NUMBER, date(2026, 4, 2), D("10")))
    assert not await storage.record_balance(ImportedBalance(NUMBER, date(2026, 3, 2), D("99")))
    assert await storage.record_balance(ImportedBalance(NUMBER, date(2026, 4, 2), D("-5.25")))
    assert (await storage.money_position(NUMBER, MAY)).amount == D("-5.25")


async def test_balances_by_set_do_what_one_by_one_does(storage: Storage) -> None:
    other = "1234567891"
    await seed(storage, account(), account(other, "0099999"))
    await storage.record_balance(ImportedBalance(NUMBER, date(2026, 4, 2), D("10")))

    counts = await storage.record_balances(
        [
            ImportedBalance(NUMBER, date(2026, 3, 2), D("99")),  # older than the stored one
            ImportedBalance("9999999999", date(2026, 4, 2), D("1")),  # no such account
            ImportedBalance(other, date(2026, 4, 3), D("7"), date(2026, 4, 1), D("500.10")),
            ImportedBalance(NUMBER, date(2026, 4, 2), D("-5.25")),  # the same day: taken
            ImportedBalance(other, date(2026, 4, 1), D("8")),  # older than the row before
        ]
    )

    assert counts == BalanceCounts(taken=2, older=2, unknown=(1,))
    assert (await storage.money_position(NUMBER, MAY)).amount == D("-5.25")
    assert await storage.money_position(other, MAY) == MoneyPosition(
        amount=D(7), source="imported", as_of=date(2026, 4, 3),
        last_payment_date=date(2026, 4, 1), last_payment_amount=D("500.10"),
    )  # fmt: skip
    assert await storage.record_balances([]) == BalanceCounts()
