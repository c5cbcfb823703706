"""Reminder campaigns on PostgreSQL: who gets one, recipients claimed in batches with
`FOR UPDATE SKIP LOCKED` (safe with several processes), outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from billing_core.models import Period
from storage.base import Campaign, Recipient, RecipientStatus
from storage.chats import ChatRef
from storage.postgres_connection import PostgresConnection
from storage.postgres_rows import _campaign, _recipient
from storage.rows import aware


class PostgresCampaigns(PostgresConnection):
    """The campaign half of `PostgresStorage`."""

    # -- reminder campaigns ------------------------------------------------------------------
    async def campaign_candidates(self, period: Period, *, only_missing: bool) -> list[Recipient]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT b.channel, b.user_id, b.account, b.alias FROM bindings b "
                "JOIN accounts a ON a.number = b.account AND a.status = 'active' "
                "LEFT JOIN chat_profiles p ON p.channel = b.channel AND p.user_id = b.user_id "
                "WHERE coalesce(p.reminders_on, true) AND NOT coalesce(p.blocked, false) "
                "AND EXISTS (SELECT 1 FROM meters m WHERE m.account = b.account AND m.active) "
                "AND (NOT $2 OR NOT EXISTS (SELECT 1 FROM readings r "
                "WHERE r.account = b.account AND r.period = $1 AND r.is_current)) "
                "ORDER BY b.channel, b.user_id, b.account",
                str(period),
                only_missing,
            )
        return [
            Recipient(0, 0, ChatRef(r["channel"], r["user_id"]), r["account"], r["alias"])
            for r in rows
        ]

    async def create_campaign(
        self, kind: str, period: Period, recipients: Sequence[Recipient], at: datetime
    ) -> tuple[int, bool]:
        async with self._tx() as conn:
            campaign_id = await conn.fetchval(
                "INSERT INTO campaigns (kind, period, created_at) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING RETURNING id",
                kind,
                str(period),
                aware(at),
            )
            if campaign_id is None:
                existing: int = await conn.fetchval(
                    "SELECT id FROM campaigns WHERE kind = $1 AND period = $2", kind, str(period)
                )
                return existing, False
            await conn.executemany(
                "INSERT INTO campaign_recipients (campaign_id, channel, user_id, account, alias) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                [
                    (campaign_id, r.chat.channel, r.chat.user_id, r.account, r.alias)
                    for r in recipients
                ],
            )
        return int(campaign_id), True

    async def claim_recipients(
        self, campaign_id: int, limit: int, *, channel: str | None = None
    ) -> list[Recipient]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "UPDATE campaign_recipients SET status = 'sending' WHERE id IN ("
                "SELECT id FROM campaign_recipients WHERE campaign_id = $1 "
                "AND status = 'pending' AND ($3::text IS NULL OR channel = $3) "
                "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) "
                "RETURNING id, campaign_id, channel, user_id, account, alias, attempts",
                campaign_id,
                limit,
                channel,
            )
        return sorted((_recipient(r) for r in rows), key=lambda r: r.id)

    async def finish_recipient(self, recipient_id: int, status: str, detail: str = "") -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE campaign_recipients SET status = $1, detail = $2, "
                "attempts = attempts + 1 WHERE id = $3",
                status,
                detail,
                recipient_id,
            )

    async def finish_recipients(self, outcomes: Sequence[tuple[int, str, str]]) -> None:
        async with self._tx() as conn:
            await conn.executemany(
                "UPDATE campaign_recipients SET status = $1, detail = $2, "
                "attempts = attempts + 1 WHERE id = $3",
                [(status, detail, recipient_id) for recipient_id, status, detail in outcomes],
            )

    async def release_recipient(self, recipient_id: int) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE campaign_recipients SET status = 'pending', attempts = attempts + 1 "
                "WHERE id = $1 AND status = 'sending'",
                recipient_id,
            )

    async def campaign_counts(self, campaign_id: int) -> dict[str, int]:
        """Rows per status; every status is present, zero when it has none."""
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT status, count(*) AS n FROM campaign_recipients WHERE campaign_id = $1 "
                "GROUP BY status",
                campaign_id,
            )
        counts = dict.fromkeys(
            (
                RecipientStatus.PENDING, RecipientStatus.SENDING, RecipientStatus.SENT,
                RecipientStatus.BLOCKED, RecipientStatus.FAILED, RecipientStatus.SKIPPED,
            ),
            0,
        )  # fmt: skip
        counts.update({r["status"]: r["n"] for r in rows})
        return counts

    async def open_campaigns(self) -> list[int]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT c.id FROM campaigns c WHERE EXISTS (SELECT 1 FROM campaign_recipients r "
                "WHERE r.campaign_id = c.id AND r.status = 'pending') ORDER BY c.id"
            )
        return [r["id"] for r in rows]

    async def get_campaign(self, campaign_id: int) -> Campaign | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(
                "SELECT id, kind, period, created_at FROM campaigns WHERE id = $1", campaign_id
            )
        return None if row is None else _campaign(row)

    async def find_campaign(self, kind: str, period: Period) -> Campaign | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(
                "SELECT id, kind, period, created_at FROM campaigns "
                "WHERE kind = $1 AND period = $2",
                kind,
                str(period),
            )
        return None if row is None else _campaign(row)
