"""The account's money position on PostgreSQL (see `storage.money`)."""

from __future__ import annotations

from collections.abc import Sequence

from billing_core.models import Period
from storage.base import BalanceCounts, ImportedBalance, MoneyPosition
from storage.money import choose_position, plan_balances
from storage.postgres_connection import PostgresConnection

# A file's balances by set: the accounts looked up, then the balances written, each one
# statement over arrays.
_STORED_AS_OF = (
    "SELECT a.number, b.as_of FROM accounts a LEFT JOIN balances b ON b.account = a.number "
    "WHERE a.number = ANY($1::text[])"
)
_WRITE_BALANCES = (
    "INSERT INTO balances (account, amount, as_of, last_payment_date, last_payment_amount) "
    "SELECT * FROM unnest($1::text[], $2::numeric[], $3::date[], $4::date[], $5::numeric[]) "
    "ON CONFLICT (account) DO UPDATE SET amount = EXCLUDED.amount, as_of = EXCLUDED.as_of, "
    "last_payment_date = EXCLUDED.last_payment_date, "
    "last_payment_amount = EXCLUDED.last_payment_amount"
)


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

    async def record_balances(self, balances: Sequence[ImportedBalance]) -> BalanceCounts:
        async with self._tx() as conn:
            numbers = sorted({b.account for b in balances})
            # The accounts' balances locked: a concurrent import waits rather than interleaves.
            stored = {
                r["number"]: r["as_of"]
                for r in await conn.fetch(_STORED_AS_OF + " FOR UPDATE OF a", numbers)
            }
            counts, kept = plan_balances(balances, stored)
            if kept:
                await conn.execute(
                    _WRITE_BALANCES,
                    [b.account for b in kept],
                    [b.amount for b in kept],
                    [b.as_of for b in kept],
                    [b.last_payment_date for b in kept],
                    [b.last_payment_amount for b in kept],
                )
        return counts
