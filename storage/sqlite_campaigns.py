"""Reminder campaigns on SQLite: who gets one, recipients claimed in batches, outcomes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from billing_core.models import Period
from storage.base import Campaign, Recipient
from storage.chats import ChatRef
from storage.sqlite_connection import SqliteConnection
from storage.sqlite_rows import _all_statuses, _campaign, _stamp


class SqliteCampaigns(SqliteConnection):
    """The campaign half of `SqliteStorage`."""

    # -- reminder campaigns ------------------------------------------------------------------
    async def campaign_candidates(self, period: Period, *, only_missing: bool) -> list[Recipient]:
        missing = (
            "AND NOT EXISTS (SELECT 1 FROM readings r WHERE r.account = b.account "
            "AND r.period = ? AND r.is_current = 1)"
        )
        rows = await self._all(
            "SELECT b.channel, b.user_id, b.account, b.alias FROM bindings b "  # noqa: S608
            "JOIN accounts a ON a.number = b.account AND a.status = 'active' "
            "LEFT JOIN chat_profiles p ON p.channel = b.channel AND p.user_id = b.user_id "
            "WHERE coalesce(p.reminders_on, 1) = 1 AND coalesce(p.blocked, 0) = 0 "
            "AND EXISTS (SELECT 1 FROM meters m WHERE m.account = b.account AND m.active = 1) "
            f"{missing if only_missing else ''} ORDER BY b.channel, b.user_id, b.account",
            (str(period),) if only_missing else (),
            bulk=True,
        )
        return [Recipient(0, 0, ChatRef(r[0], r[1]), r[2], r[3]) for r in rows]

    async def create_campaign(
        self, kind: str, period: Period, recipients: Sequence[Recipient], at: datetime
    ) -> tuple[int, bool]:
        def create(conn: sqlite3.Connection) -> tuple[int, bool]:
            created = conn.execute(
                "INSERT INTO campaigns (kind, period, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (kind, str(period), _stamp(at)),
            ).rowcount
            [campaign_id] = conn.execute(
                "SELECT id FROM campaigns WHERE kind = ? AND period = ?", (kind, str(period))
            ).fetchone()
            if created:
                conn.executemany(
                    "INSERT OR IGNORE INTO campaign_recipients "
                    "(campaign_id, channel, user_id, account, alias) VALUES (?, ?, ?, ?, ?)",
                    [
                        (campaign_id, r.chat.channel, r.chat.user_id, r.account, r.alias)
                        for r in recipients
                    ],
                )
            return int(campaign_id), bool(created)

        return await self._atomically(create, bulk=True)

    async def claim_recipients(
        self, campaign_id: int, limit: int, *, channel: str | None = None
    ) -> list[Recipient]:
        only = "AND channel = ?" if channel is not None else ""
        params: tuple[Any, ...] = (
            (campaign_id, channel, limit) if channel is not None else (campaign_id, limit)
        )
        claim = (
            "UPDATE campaign_recipients SET status = 'sending' WHERE id IN ("  # noqa: S608
            "SELECT id FROM campaign_recipients WHERE campaign_id = ? AND status = 'pending' "
            f"{only} ORDER BY id LIMIT ?) "
            "RETURNING id, campaign_id, channel, user_id, account, alias, attempts"
        )
        rows = await self._atomically(lambda conn: conn.execute(claim, params).fetchall())
        return sorted(
            (Recipient(r[0], r[1], ChatRef(r[2], r[3]), r[4], r[5], r[6]) for r in rows),
            key=lambda r: r.id,
        )

    async def finish_recipient(self, recipient_id: int, status: str, detail: str = "") -> None:
        await self.finish_recipients([(recipient_id, status, detail)])

    async def finish_recipients(self, outcomes: Sequence[tuple[int, str, str]]) -> None:
        rows = [(status, detail, recipient_id) for recipient_id, status, detail in outcomes]
        await self._atomically(
            lambda conn: conn.executemany(
                "UPDATE campaign_recipients SET status = ?, detail = ?, attempts = attempts + 1 "
                "WHERE id = ?",
                rows,
            )
        )

    async def release_recipient(self, recipient_id: int) -> None:
        await self._change(
            "UPDATE campaign_recipients SET status = 'pending', attempts = attempts + 1 "
            "WHERE id = ? AND status = 'sending'",
            (recipient_id,),
        )

    async def campaign_counts(self, campaign_id: int) -> dict[str, int]:
        """Rows per status; every status is present, zero when it has none."""
        rows = await self._all(
            "SELECT status, count(*) FROM campaign_recipients WHERE campaign_id = ? "
            "GROUP BY status",
            (campaign_id,),
        )
        return _all_statuses(rows)

    async def open_campaigns(self) -> list[int]:
        rows = await self._all(
            "SELECT c.id FROM campaigns c WHERE EXISTS (SELECT 1 FROM campaign_recipients r "
            "WHERE r.campaign_id = c.id AND r.status = 'pending') ORDER BY c.id"
        )
        return [int(r[0]) for r in rows]

    async def get_campaign(self, campaign_id: int) -> Campaign | None:
        row = await self._one(
            "SELECT id, kind, period, created_at FROM campaigns WHERE id = ?", (campaign_id,)
        )
        return None if row is None else _campaign(row)

    async def find_campaign(self, kind: str, period: Period) -> Campaign | None:
        row = await self._one(
            "SELECT id, kind, period, created_at FROM campaigns WHERE kind = ? AND period = ?",
            (kind, str(period)),
        )
        return None if row is None else _campaign(row)
