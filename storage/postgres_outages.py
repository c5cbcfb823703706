"""Outages on PostgreSQL (the `storage.outages.OutageStore` half of `PostgresStorage`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from billing_core.models import Period
from billing_core.outages import BuildingRef, Outage, OutageKind, OutageStatus
from storage.base import Recipient
from storage.chats import ChatRef
from storage.outage_rows import (
    CHAT_OUTAGES,
    LIST_OUTAGES,
    OUTAGES,
    POSTGRES_NOTICE_ROWS,
    POSTGRES_TOLD_ROWS,
    RECIPIENTS,
    TOLD,
    chat_outages,
    one_per_chat,
    stale_buildings,
    stored_outage,
)
from storage.outages import ChatOutage, SaveAction, SavedOutage, StoredOutage, campaign_kind
from storage.postgres_connection import PostgresConnection
from storage.rows import aware


async def _save(conn: asyncpg.Connection, outage: Outage, at: datetime) -> SavedOutage:
    row = await conn.fetchrow(
        "SELECT id, kind, starts, ends, reason, status FROM outages WHERE ref = $1 FOR UPDATE",
        outage.ref,
    )
    values = (outage.kind.value, outage.starts, outage.ends, outage.reason, outage.status.value)
    if row is None:
        outage_id = await conn.fetchval(
            "INSERT INTO outages (ref, kind, starts, ends, reason, status, created_at, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            outage.ref, *values, at,
        )  # fmt: skip
        action, news = SaveAction.ADDED, False
    else:
        outage_id = row["id"]
        before = Outage(
            outage.ref, OutageKind(row["kind"]), row["starts"], row["ends"], row["reason"],
            OutageStatus(row["status"]),
        )  # fmt: skip
        news = outage.is_news_after(before)
        await conn.execute(
            "UPDATE outages SET kind = $1, starts = $2, ends = $3, reason = $4, status = $5, "
            "revision = revision + $6, updated_at = $7 WHERE id = $8",
            *values, int(news), at, outage_id,
        )  # fmt: skip
        await conn.execute("DELETE FROM outage_buildings WHERE outage_id = $1", outage_id)
        action = SaveAction.of(before, outage)
    await conn.executemany(
        "INSERT INTO outage_buildings (outage_id, house_id, building, address) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        [(outage_id, b.house_id, b.building, b.address) for b in outage.buildings],
    )
    return SavedOutage(outage.ref, action, news)


class PostgresOutages(PostgresConnection):
    """The outage half of `PostgresStorage`."""

    async def save_outages(self, outages: Sequence[Outage], at: datetime) -> list[SavedOutage]:
        async with self.transaction() as conn:
            return [await _save(conn, outage, aware(at)) for outage in outages]

    async def cancel_outage(self, ref: str, at: datetime) -> StoredOutage | None:
        async with self.connection() as conn:
            await conn.execute(
                "UPDATE outages SET status = 'cancelled', revision = revision + 1, "
                "updated_at = $1 WHERE ref = $2 AND status = 'active'",
                aware(at),
                ref,
            )
        return await self.get_outage(ref)

    async def get_outage(self, ref: str) -> StoredOutage | None:
        async with self.connection() as conn:
            row = await conn.fetchrow(f"{LIST_OUTAGES} WHERE o.ref = $1", ref)
        return None if row is None else stored_outage(row)

    async def outage_by_id(self, outage_id: int) -> StoredOutage | None:
        async with self.connection() as conn:
            row = await conn.fetchrow(f"{OUTAGES} WHERE o.id = $1", outage_id)
        return None if row is None else stored_outage(row)

    async def write_notice(
        self,
        outage_id: int,
        key: str,
        channels: Sequence[str],
        at: datetime,
        *,
        told_only: bool = False,
    ) -> tuple[int, int]:
        kind = campaign_kind(outage_id, key)
        async with self.transaction() as conn:
            created_at = await conn.fetchval(
                "SELECT created_at FROM outages WHERE id = $1", outage_id
            )
            period = str(Period.of(created_at.astimezone(UTC)))
            campaign_id = await conn.fetchval(
                "INSERT INTO campaigns (kind, period, created_at) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING RETURNING id",
                kind, period, aware(at),
            )  # fmt: skip
            if campaign_id is None:
                existing: int = await conn.fetchval(
                    "SELECT id FROM campaigns WHERE kind = $1 AND period = $2", kind, period
                )
                return existing, 0
            if told_only:
                status = await conn.execute(
                    POSTGRES_TOLD_ROWS, campaign_id, campaign_kind(outage_id, "") + "%",
                    list(channels),
                )  # fmt: skip
            else:
                status = await conn.execute(
                    POSTGRES_NOTICE_ROWS, campaign_id, outage_id, list(channels)
                )
        return int(campaign_id), int(status.split()[-1])

    async def told_recipients(self, outage_id: int) -> list[Recipient]:
        async with self.connection() as conn:
            rows = await conn.fetch(TOLD, campaign_kind(outage_id, "") + "%")
        return [Recipient(0, 0, ChatRef(r[0], r[1]), r[2], r[3]) for r in one_per_chat(rows)]

    async def list_outages(self, *, active_at: datetime | None = None) -> list[StoredOutage]:
        async with self.connection() as conn:
            if active_at is None:
                rows = await conn.fetch(f"{LIST_OUTAGES} ORDER BY o.starts, o.ref")
            else:
                rows = await conn.fetch(
                    f"{LIST_OUTAGES} WHERE o.status = 'active' AND o.ends > $1 "
                    "ORDER BY o.starts, o.ref",
                    aware(active_at),
                )
        return [stored_outage(row) for row in rows]

    async def outage_buildings(self, outage_id: int) -> list[BuildingRef]:
        async with self.connection() as conn:
            rows = await conn.fetch(
                "SELECT house_id, building, address FROM outage_buildings WHERE outage_id = $1 "
                "ORDER BY address, house_id, building",
                outage_id,
            )
        return [BuildingRef(*row) for row in rows]

    async def outages_to_watch(self, now: datetime) -> list[StoredOutage]:
        async with self.connection() as conn:
            rows = await conn.fetch(
                f"{OUTAGES} WHERE o.ends > $1 ORDER BY o.starts, o.ref", aware(now)
            )
        return [stored_outage(row) for row in rows]

    async def outage_notices(self, outage_id: int) -> dict[str, datetime]:
        prefix = campaign_kind(outage_id, "")
        async with self.connection() as conn:
            rows = await conn.fetch(
                "SELECT kind, created_at FROM campaigns WHERE starts_with(kind, $1)", prefix
            )
        return {row["kind"].removeprefix(prefix): row["created_at"] for row in rows}

    async def refresh_buildings(self) -> int:
        async with self.connection() as conn:
            rows = await conn.fetch(
                "SELECT number, address FROM accounts WHERE building_from IS DISTINCT FROM address"
            )
        if not rows:
            return 0
        updates = stale_buildings(rows)
        async with self.transaction() as conn:
            await conn.executemany(
                "UPDATE accounts SET building = $1, building_from = $2 WHERE number = $3", updates
            )
        return len(updates)

    async def outage_recipients(self, outage_id: int) -> list[Recipient]:
        async with self.connection() as conn:
            rows = await conn.fetch(RECIPIENTS, outage_id)
        return [Recipient(0, 0, ChatRef(r[0], r[1]), r[2], r[3]) for r in one_per_chat(rows)]

    async def chat_outages(self, chat: ChatRef, now: datetime) -> list[ChatOutage]:
        async with self.connection() as conn:
            rows = await conn.fetch(CHAT_OUTAGES, chat.channel, chat.user_id, aware(now))
        return chat_outages(rows)

    async def set_house_ids(self, pairs: Sequence[tuple[str, str | None]]) -> int:
        async with self.transaction() as conn:
            found = await conn.fetchval(
                "WITH given AS (SELECT * FROM unnest($1::text[], $2::text[]) AS g(number, hid)), "
                "done AS (UPDATE accounts a SET house_id = given.hid FROM given "
                "WHERE a.number = given.number RETURNING 1) SELECT count(*) FROM done",
                [number for number, _ in pairs],
                [house_id for _, house_id in pairs],
            )
        return int(found)

    async def outage_notices_on(self, chat: ChatRef) -> bool:
        async with self.connection() as conn:
            found = await conn.fetchval(
                "SELECT 1 FROM outage_opt_outs WHERE channel = $1 AND user_id = $2",
                chat.channel,
                chat.user_id,
            )
        return found is None

    async def set_outage_notices(self, chat: ChatRef, on: bool) -> None:
        async with self.connection() as conn:
            if on:
                await conn.execute(
                    "DELETE FROM outage_opt_outs WHERE channel = $1 AND user_id = $2",
                    chat.channel,
                    chat.user_id,
                )
            else:
                await conn.execute(
                    "INSERT INTO outage_opt_outs (channel, user_id) VALUES ($1, $2) "
                    "ON CONFLICT DO NOTHING",
                    chat.channel,
                    chat.user_id,
                )
