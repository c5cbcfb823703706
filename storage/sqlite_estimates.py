"""Closing a period on SQLite: the accounts still without a reading, and their estimates."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from billing_core.models import Bill, MeterReading, Period
from storage.sqlite_connection import SqliteConnection
from storage.sqlite_rows import _stamp, _write_reading

# Active accounts with an active meter and no current reading for the period, in number order.
_WITHOUT_READING = (
    "SELECT a.number FROM accounts a WHERE a.status = 'active' AND a.number > ? "
    "AND EXISTS (SELECT 1 FROM meters m WHERE m.account = a.number AND m.active = 1) "
    "AND NOT EXISTS (SELECT 1 FROM readings r "
    "WHERE r.account = a.number AND r.is_current = 1 AND r.period = ?) "
    "ORDER BY a.number LIMIT ?"
)


class SqliteEstimates(SqliteConnection):
    """The period-closing half of `SqliteStorage`."""

    async def accounts_to_estimate(
        self, period: Period, *, after: str = "", limit: int = 500
    ) -> list[str]:
        rows = await self._all(_WITHOUT_READING, (after, str(period), limit), bulk=True)
        return [row[0] for row in rows]

    async def record_estimates(
        self, estimates: Sequence[tuple[str, MeterReading, Bill]]
    ) -> list[str]:
        now = _stamp(datetime.now(UTC))

        def write(conn: sqlite3.Connection) -> list[str]:
            stored = []
            for account, reading, bill in estimates:
                if conn.execute(
                    "SELECT 1 FROM readings WHERE account = ? AND is_current = 1 AND period = ?",
                    (account, str(reading.period)),
                ).fetchone():
                    continue  # a reading came in meanwhile: it stands, no estimate is needed
                _write_reading(conn, account, reading, bill, now)
                stored.append(account)
            return stored

        return await self._atomically(write, bulk=True)
