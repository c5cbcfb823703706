"""Closing a period on PostgreSQL: the accounts still without a reading, and their estimates."""

from __future__ import annotations

from collections.abc import Sequence

from billing_core.models import Bill, MeterReading, Period
from storage.postgres_connection import PostgresConnection
from storage.postgres_readings import lock_meter, write_reading


class PostgresEstimates(PostgresConnection):
    """The period-closing half of `PostgresStorage`."""

    async def accounts_to_estimate(
        self, period: Period, *, after: str = "", limit: int = 500
    ) -> list[str]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT a.number FROM accounts a WHERE a.status = 'active' AND a.number > $1 "
                "AND EXISTS (SELECT 1 FROM meters m WHERE m.account = a.number AND m.active) "
                "AND NOT EXISTS (SELECT 1 FROM readings r "
                "WHERE r.account = a.number AND r.is_current AND r.period = $2) "
                "ORDER BY a.number LIMIT $3",
                after,
                str(period),
                limit,
            )
        return [row[0] for row in rows]

    async def record_estimates(
        self, estimates: Sequence[tuple[str, MeterReading, Bill]]
    ) -> list[str]:
        stored = []
        async with self._tx() as conn:
            for account, reading, bill in estimates:
                meter_id = await lock_meter(conn, account)  # then a submission waits for us
                if await conn.fetchval(
                    "SELECT 1 FROM readings WHERE account = $1 AND is_current AND period = $2",
                    account,
                    str(reading.period),
                ):
                    continue  # a reading came in meanwhile: it stands, no estimate is needed
                await write_reading(conn, meter_id, account, reading, bill)
                stored.append(account)
        return stored
