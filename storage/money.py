"""An account's money position, the same on every engine: the newer of the credit the latest
bill carried and the billing system's imported balance.

A balance as of a day in month M is the billing system's account after it billed the months
before M, so it stands in for every bot bill of a period before M; a bot bill of period M or
later came after it, and the position is what that bill carried forward (its credit; a debt it
showed is taken as asked for). The bill that carried a credit is always one of an earlier period
than the bill being computed, so a resident correcting a reading inside the window is billed
from the same position as the first time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from billing_core.models import Period
from storage.base import BalanceCounts, ImportedBalance, MoneyPosition

NOTHING = MoneyPosition()


def choose_position(
    bill: tuple[Period, Decimal] | None,
    imported: tuple[Decimal, date | None, date | None, Decimal | None] | None,
) -> MoneyPosition:
    """The position from the latest earlier bill (period, credit) and the stored balance
    (amount, as of, last payment date, last payment amount), either of which may be missing."""
    from_bill = (
        None if bill is None else MoneyPosition(amount=-bill[1], source="bill", period=bill[0])
    )
    if imported is None:
        return from_bill or NOTHING
    amount, as_of, paid_on, paid = imported
    balance = MoneyPosition(
        amount=amount,
        source="imported",
        as_of=as_of,
        last_payment_date=paid_on,
        last_payment_amount=paid,
    )
    if from_bill is None or from_bill.period is None:
        return balance
    if as_of is None or Period.of(as_of) <= from_bill.period:
        # the bill came after the balance; the last payment is still worth showing
        return MoneyPosition(
            amount=from_bill.amount,
            source="bill",
            period=from_bill.period,
            last_payment_date=paid_on,
            last_payment_amount=paid,
        )
    return balance


def plan_balances(
    balances: Sequence[ImportedBalance], stored: Mapping[str, date | None]
) -> tuple[BalanceCounts, list[ImportedBalance]]:
    """What `record_balance` of each balance in turn would do, given `stored`: each known
    account's stored `as_of` (None: none, or older than any). The counts, and the one balance
    per account that ends up stored, in first-seen order."""
    kept: dict[str, ImportedBalance] = {}
    as_of = dict(stored)
    taken = older = 0
    unknown: list[int] = []
    for at, balance in enumerate(balances):
        number = balance.account
        if number not in as_of:
            unknown.append(at)
            continue
        latest = as_of[number]
        if latest is not None and latest > balance.as_of:
            older += 1
            continue
        taken += 1
        as_of[number] = balance.as_of
        kept[number] = balance
    return BalanceCounts(taken, older, tuple(unknown)), list(kept.values())
