"""Outages on SQLite (the `storage.outages.OutageStore` half of `SqliteStorage`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from billing_core.outages import BuildingRef, Outage, OutageKind, OutageStatus
from storage.base import Recipient
from storage.chats import ChatRef
from storage.outage_rows import (
    CHAT_OUTAGES,
    LIST_OUTAGES,
    OUTAGES,
    RECIPIENTS,
    SQLITE_NOTICE_ROWS,
    SQLITE_TOLD_ROWS,
    TOLD,
    chat_outages,
    one_per_chat,
    stale_buildings,
    stored_outage,
)
from storage.outages import ChatOutage, SaveAction, SavedOutage, StoredOutage, campaign_kind
from storage.sqlite_connection import SqliteConnection, stamp


def _sqlite(sql: str) -> str:
    """PostgreSQL's numbered placeholders as SQLite's."""
    return sql.replace("$", "?")


def _save(conn: sqlite3.Connection, outage: Outage, at: str) -> SavedOutage:
    row = conn.execute(
        "SELECT id, kind, starts, ends, reason, status FROM outages WHERE ref = ?", (outage.ref,)
    ).fetchone()
    values = (
        outage.kind.value, stamp(outage.starts), stamp(outage.ends), outage.reason,
        outage.status.value,
    )  # fmt: skip
    if row is None:
        [outage_id] = conn.execute(
            "INSERT INTO outages (ref, kind, starts, ends, reason, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (outage.ref, *values, at, at),
        ).fetchone()
        action, news = SaveAction.ADDED, False
    else:
        outage_id = row[0]
        before = Outage(
            outage.ref, OutageKind(row[1]), datetime.fromisoformat(row[2]),
            datetime.fromisoformat(row[3]), row[4], OutageStatus(row[5]),
        )  # fmt: skip
        news = outage.is_news_after(before)
        conn.execute(
            "UPDATE outages SET kind = ?, starts = ?, ends = ?, reason = ?, status = ?, "
            "revision = revision + ?, updated_at = ? WHERE id = ?",
            (*values, int(news), at, outage_id),
        )
        conn.execute("DELETE FROM outage_buildings WHERE outage_id = ?", (outage_id,))
        action = SaveAction.of(before, outage)
    conn.executemany(
        "INSERT OR IGNORE INTO outage_buildings (outage_id, house_id, building, address) "
        "VALUES (?, ?, ?, ?)",
        [(outage_id, b.house_id, b.building, b.address) for b in outage.buildings],
    )
    return SavedOutage(outage.ref, action, news)


class SqliteOutages(SqliteConnection):
    """The outage half of `SqliteStorage`."""

    async def save_outages(self, outages: Sequence[Outage], at: datetime) -> list[SavedOutage]:
        when = stamp(at)
        return await self.atomically(
            lambda conn: [_save(conn, outage, when) for outage in outages], bulk=True
        )

    async def cancel_outage(self, ref: str, at: datetime) -> StoredOutage | None:
        await self.change(
            "UPDATE outages SET status = 'cancelled', revision = revision + 1, updated_at = ? "
            "WHERE ref = ? AND status = 'active'",
            (stamp(at), ref),
        )
        return await self.get_outage(ref)

    async def get_outage(self, ref: str) -> StoredOutage | None:
        row = await self.fetch_one(f"{LIST_OUTAGES} WHERE o.ref = ?", (ref,))
        return None if row is None else stored_outage(row)

    async def outage_by_id(self, outage_id: int) -> StoredOutage | None:
        row = await self.fetch_one(f"{OUTAGES} WHERE o.id = ?", (outage_id,))
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
        marks = ", ".join("?" for _ in channels) or "NULL"
        rows_sql = _sqlite(SQLITE_TOLD_ROWS if told_only else SQLITE_NOTICE_ROWS).replace(
            "{channels}", marks
        )
        selector: object = campaign_kind(outage_id, "") + "%" if told_only else outage_id

        def write(conn: sqlite3.Connection) -> tuple[int, int]:
            [period] = conn.execute(
                "SELECT substr(created_at, 1, 7) FROM outages WHERE id = ?", (outage_id,)
            ).fetchone()
            created = conn.execute(
                "INSERT INTO campaigns (kind, period, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (kind, period, stamp(at)),
            ).rowcount
            [campaign_id] = conn.execute(
                "SELECT id FROM campaigns WHERE kind = ? AND period = ?", (kind, period)
            ).fetchone()
            if not created:
                return int(campaign_id), 0
            written = conn.execute(rows_sql, (campaign_id, selector, *channels)).rowcount
            return int(campaign_id), written

        return await self.atomically(write, bulk=True)

    async def told_recipients(self, outage_id: int) -> list[Recipient]:
        prefix = campaign_kind(outage_id, "")
        rows = await self.fetch_all(_sqlite(TOLD), (prefix + "%",), bulk=True)
        return [Recipient(0, 0, ChatRef(r[0], r[1]), r[2], r[3]) for r in one_per_chat(rows)]

    async def list_outages(self, *, active_at: datetime | None = None) -> list[StoredOutage]:
        if active_at is None:
            rows = await self.fetch_all(f"{LIST_OUTAGES} ORDER BY o.starts, o.ref")
        else:
            rows = await self.fetch_all(
                f"{LIST_OUTAGES} WHERE o.status = 'active' AND o.ends > ? "
                "ORDER BY o.starts, o.ref",
                (stamp(active_at),),
            )
        return [stored_outage(row) for row in rows]

    async def outage_buildings(self, outage_id: int) -> list[BuildingRef]:
        rows = await self.fetch_all(
            "SELECT house_id, building, address FROM outage_buildings WHERE outage_id = ? "
            "ORDER BY address, house_id, building",
            (outage_id,),
        )
        return [BuildingRef(*row) for row in rows]

    async def outages_to_watch(self, now: datetime) -> list[StoredOutage]:
        rows = await self.fetch_all(
            f"{OUTAGES} WHERE o.ends > ? ORDER BY o.starts, o.ref", (stamp(now),)
        )
        return [stored_outage(row) for row in rows]

    async def outage_notices(self, outage_id: int) -> dict[str, datetime]:
        prefix = campaign_kind(outage_id, "")
        rows = await self.fetch_all(
            "SELECT kind, created_at FROM campaigns WHERE kind >= ? AND kind < ?",
            (prefix, prefix[:-1] + ";"),  # every kind that starts with the prefix
        )
        return {row[0].removeprefix(prefix): datetime.fromisoformat(row[1]) for row in rows}

    async def refresh_buildings(self) -> int:
        rows = await self.fetch_all(
            "SELECT number, address FROM accounts WHERE building_from IS NOT address", bulk=True
        )
        if not rows:
            return 0
        updates = stale_buildings(rows)
        await self.atomically(
            lambda conn: conn.executemany(
                "UPDATE accounts SET building = ?, building_from = ? WHERE number = ?", updates
            ),
            bulk=True,
        )
        return len(updates)

    async def outage_recipients(self, outage_id: int) -> list[Recipient]:
        rows = await self.fetch_all(_sqlite(RECIPIENTS), (outage_id,), bulk=True)
        return [Recipient(0, 0, ChatRef(r[0], r[1]), r[2], r[3]) for r in one_per_chat(rows)]

    async def chat_outages(self, chat: ChatRef, now: datetime) -> list[ChatOutage]:
        rows = await self.fetch_all(
            _sqlite(CHAT_OUTAGES), (chat.channel, chat.user_id, stamp(now))
        )
        return chat_outages(rows)

    async def set_house_ids(self, pairs: Sequence[tuple[str, str | None]]) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cursor = conn.executemany(
                "UPDATE accounts SET house_id = ? WHERE number = ?",
                [(house_id, number) for number, house_id in pairs],
            )
            return cursor.rowcount

        return await self.atomically(write, bulk=True)

    async def outage_notices_on(self, chat: ChatRef) -> bool:
        row = await self.fetch_one(
            "SELECT 1 FROM outage_opt_outs WHERE channel = ? AND user_id = ?",
            (chat.channel, chat.user_id),
        )
        return row is None

    async def set_outage_notices(self, chat: ChatRef, on: bool) -> None:
        key = (chat.channel, chat.user_id)
        if on:
            await self.change("DELETE FROM outage_opt_outs WHERE channel = ? AND user_id = ?", key)
        else:
            await self.change(
                "INSERT OR IGNORE INTO outage_opt_outs (channel, user_id) VALUES (?, ?)", key
            )
