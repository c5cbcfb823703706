"""«Мой счёт»: the current account's money as one screen — the billing system's balance as of
its day and the last payment, the current month's bill (computed, estimated, or not yet billed),
the amount to pay with its due date, and a penalty estimate for a debt overdue by more than 30
days (Housing Code art. 155 p. 14).

Every figure comes from the one money position (`Storage.money_position`, see
docs/architecture/decisions/0004-one-money-position.md):

- when the billing system's balance is newer than every bill of the bot up to this month, it
  already holds those bills: the amount to pay is the balance, due on the due day of the month
  it is as of (that is when the bill for the month before falls due);
- otherwise the latest bill is the statement: it was computed from the position in force (the
  balance it started from is shown above it) and its total is the amount to pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing_core.bills import due_date, penalty
from billing_core.format import format_date
from billing_core.models import Account, Period
from dialogs.render import bill_text, day, money, number, period
from dialogs.turn import Turn
from storage.base import MoneyPosition

PENALTY_GRACE_DAYS = 30  # Housing Code art. 155 p. 14: no penalty for the first 30 days


@dataclass(frozen=True, slots=True)
class Statement:
    """What «Мой счёт» says, and what a payment for it needs: the sum (zero when nothing is to
    pay) and the period it pays for."""

    text: str
    to_pay: Decimal
    due: date | None
    period: Period | None


async def statement(turn: Turn, account: Account) -> Statement | None:
    """The account's money screen; None when nothing is known (no bill, no balance)."""
    today = turn.local_now.date()
    current = Period.of(today)
    latest = await turn.storage.latest_bill(account.number)
    now = await turn.storage.money_position(account.number, current.next())
    if now.source == "imported" and now.as_of is not None:
        # The balance holds every bill of the bot up to this month.
        return _from_balance(turn, account, now, current, today)
    if latest is None:
        return None
    started = await turn.storage.money_position(account.number, latest.period)
    lines = []
    if latest.period < current:
        lines.append(turn.t("money_not_billed", period=period(turn, current)))
    if started.source == "imported":
        lines.extend(_balance_lines(turn, started, today))
    lines.extend(_last_payment(turn, now, today))
    lines.append(bill_text(turn, account, latest))
    return Statement("\n".join(lines), latest.total, latest.due, latest.period)


def _from_balance(
    turn: Turn, account: Account, balance: MoneyPosition, current: Period, today: date
) -> Statement:
    assert balance.as_of is not None  # noqa: S101 - the caller checked
    paid_for = Period.of(balance.as_of).prev()
    due = due_date(paid_for, turn.config.billing.due_day)
    lines = [
        turn.t("money_head", account=account.pretty),
        turn.t("money_not_billed", period=period(turn, current)),
        *_balance_lines(turn, balance, today),
        *_last_payment(turn, balance, today),
    ]
    to_pay = max(balance.amount, Decimal(0))
    if to_pay > 0:
        lines.append(turn.t("bill_total", total=money(turn, to_pay), due=day(turn, due)))
    else:
        lines.append(turn.t("bill_total_nothing"))
        if balance.amount < 0:
            lines.append(turn.t("bill_credit", credit=money(turn, -balance.amount)))
    return Statement("\n".join(lines), to_pay, due if to_pay > 0 else None, paid_for)


def _balance_lines(turn: Turn, balance: MoneyPosition, today: date) -> list[str]:
    """The billing system's balance as of its day and, for a debt overdue by more than 30 days,
    the penalty so far: an estimate, as payments since that day are not known here."""
    assert balance.as_of is not None  # noqa: S101 - an imported balance has its day
    as_of = _day(turn, balance.as_of, today)
    if balance.amount > 0:
        lines = [turn.t("money_debt", day=as_of, amount=money(turn, balance.amount))]
    elif balance.amount < 0:
        lines = [turn.t("money_overpaid", day=as_of, amount=money(turn, -balance.amount))]
    else:
        lines = [turn.t("money_settled", day=as_of)]
    due = due_date(Period.of(balance.as_of).prev(), turn.config.billing.due_day)
    if balance.amount > 0 and (today - due).days > PENALTY_GRACE_DAYS:
        rate = turn.config.penalty_key_rate
        so_far = penalty(balance.amount, due, today, rate, grace_days=PENALTY_GRACE_DAYS)
        lines.append(
            turn.t(
                "money_penalty",
                amount=money(turn, so_far),
                due=_day(turn, due, today),
                today=day(turn, today),
                rate=number(turn, (rate * 100).normalize()),
            )
        )
    return lines


def _last_payment(turn: Turn, position: MoneyPosition, today: date) -> list[str]:
    if position.last_payment_date is None or position.last_payment_amount is None:
        return []
    return [
        turn.t(
            "money_last_payment",
            amount=money(turn, position.last_payment_amount),
            day=_day(turn, position.last_payment_date, today),
        )
    ]


def _day(turn: Turn, value: date, today: date) -> str:
    """A day, with its year when that is not this year's («1 марта 2025»)."""
    return format_date(value, turn.lang, with_year=value.year != today.year)
