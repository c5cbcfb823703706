"""The account's money position on SQLite (see `storage.money`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from billing_core.models import Period
from storage.base import BalanceCounts, ImportedBalance, MoneyPosition
from storage.money import choose_position, plan_balances
from storage.sqlite_connection import SqliteConnection

_LATEST_BILL = (
    "SELECT period, credit FROM bills WHERE account = ? AND is_current = 1 AND period < ? "
    "ORDER BY period DESC, id DESC LIMIT 1"
)
_BALANCE = (
    "SELECT amount, as_of, last_payment_date, last_payment_amount FROM balances WHERE account = ?"
)


# A file's balances by set: the accounts looked up, then the balances written, a JSON array of
# rows per statement (at most `_PER_STATEMENT`).
_STORED_AS_OF = (
    "SELECT a.number, b.as_of FROM accounts a LEFT JOIN balances b ON b.account = a.number "
    "WHERE a.number IN (SELECT value FROM json_each(?))"
)
_WRITE_BALANCES = (
    "INSERT INTO balances (account, amount, as_of, last_payment_date, last_payment_amount) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') "
    "FROM json_each(?) WHERE true ON CONFLICT (account) DO UPDATE SET "
    "amount = excluded.amount, as_of = excluded.as_of, "
    "last_payment_date = excluded.last_payment_date, "
    "last_payment_amount = excluded.last_payment_amount"
)
_PER_STATEMENT = 10_000


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class SqliteMoney(SqliteConnection):
    """The money half of `SqliteStorage`."""

    async def money_position(self, account: str, before: Period) -> MoneyPosition:
        bill = await self._one(_LATEST_BILL, (account, str(before)))
        row = await self._one(_BALANCE, (account,))
        return choose_position(
            None if bill is None else (Period.parse(bill[0]), Decimal(bill[1])),
            None if row is None else (Decimal(row[0]), _day(row[1]), _day(row[2]), _money(row[3])),
        )

    async def record_balance(self, balance: ImportedBalance) -> bool:
        def write(conn: sqlite3.Connection) -> bool:
            stored = conn.execute(
                "SELECT as_of FROM balances WHERE account = ?", (balance.account,)
            ).fetchone()
            if (
                stored is not None
                and stored[0] is not None
                and stored[0] > balance.as_of.isoformat()
            ):
                return False
            conn.execute(
                "INSERT INTO balances (account, amount, as_of, last_payment_date, "
                "last_payment_amount) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET "
                "amount = excluded.amount, as_of = excluded.as_of, "
                "last_payment_date = excluded.last_payment_date, "
                "last_payment_amount = excluded.last_payment_amount",
                (
                    balance.account,
                    str(balance.amount),
                    balance.as_of.isoformat(),
                    None
                    if balance.last_payment_date is None
                    else balance.last_payment_date.isoformat(),
                    None
                    if balance.last_payment_amount is None
                    else str(balance.last_payment_amount),
                ),
            )
            return True

        return await self._atomically(write)

    async def record_balances(self, balances: Sequence[ImportedBalance]) -> BalanceCounts:
        def write(conn: sqlite3.Connection) -> BalanceCounts:
            numbers = sorted({b.account for b in balances})
            stored: dict[str, date | None] = {}
            for at in range(0, len(numbers), _PER_STATEMENT):
                chunk = json.dumps(numbers[at : at + _PER_STATEMENT])
                stored.update((n, _day(d)) for n, d in conn.execute(_STORED_AS_OF, (chunk,)))
            counts, kept = plan_balances(balances, stored)
            rows = [
                [b.account, str(b.amount), b.as_of.isoformat(), _iso(b.last_payment_date),
                 _text(b.last_payment_amount)]
                for b in kept
            ]  # fmt: skip
            for at in range(0, len(rows), _PER_STATEMENT):
                conn.execute(_WRITE_BALANCES, (json.dumps(rows[at : at + _PER_STATEMENT]),))
            return counts

        return await self._atomically(write)


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)
