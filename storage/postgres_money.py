"""The account's money position on PostgreSQL (see `storage.money`)."""

from __future__ import annotations

from billing_core.models import Period
from storage.base import ImportedBalance, MoneyPosition
from storage.money import choose_position
from storage.postgres_connection import PostgresConnection


class PostgresMoney(PostgresConnection):
    """The money half of `PostgresStorage`."""

    async def money_position(self, account: str, before: Period) -> MoneyPosition:
        async with self._conn() as conn:
            bill = await conn.fetchrow(
                "SELECT period, credit FROM bills WHERE account = $1 AND is_current "
                "AND period < $2 ORDER BY period DESC, id DESC LIMIT 1",
                account,
                str(before),
            )
            row = await conn.fetchrow(
                "SELECT amount, as_of, last_payment_date, last_payment_amount FROM balances "
                "WHERE account = $1",
                account,
            )
        return choose_position(
            None if bill is None else (Period.parse(bill["period"]), bill["credit"]),
            None
            if row is None
            else (
                row["amount"],
                row["as_of"],
                row["last_payment_date"],
                row["last_payment_amount"],
            ),
        )

    async def record_balance(self, balance: ImportedBalance) -> bool:
        async with self._tx() as conn:
            status = await conn.execute(
                "INSERT INTO balances (account, amount, as_of, last_payment_date, "
                "last_payment_amount) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account) DO UPDATE "
                "SET amount = EXCLUDED.amount, as_of = EXCLUDED.as_of, "
                "last_payment_date = EXCLUDED.last_payment_date, "
                "last_payment_amount = EXCLUDED.last_payment_amount "
                "WHERE balances.as_of IS NULL OR balances.as_of <= EXCLUDED.as_of",
                balance.account,
                balance.amount,
                balance.as_of,
                balance.last_payment_date,
                balance.last_payment_amount,
            )
        return bool(status != "INSERT 0 0")
