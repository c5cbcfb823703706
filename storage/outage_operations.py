"""`storage.outages.OutageStore` written once over the executor (`storage.sql`); an engine
gives its statements for a notice's rows (`notice_rows`, `told_rows`: one row a chat, which
the engines spell differently) and its bulk `set_house_ids`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from billing_core.models import Period
from billing_core.outages import Outage, OutageKind, OutageStatus
from storage.base import Recipient
from storage.chats import ChatRef
from storage.outage_rows import (
    CHAT_OUTAGES,
    LIST_OUTAGES,
    OUTAGES,
    RECIPIENTS,
    chat_outages,
    one_per_chat,
    stale_buildings,
    stored_outage,
)
from storage.outages import ChatOutage, SaveAction, SavedOutage, StoredOutage, campaign_kind
from storage.rows import aware, moment
from storage.sql import Executor, Statements


async def _save(tx: Statements, outage: Outage, at: datetime, lock: str) -> SavedOutage:
    row = await tx.one(
        "SELECT id, kind, starts, ends, reason, status FROM outages WHERE ref = ?" + lock,  # noqa: S608
        outage.ref,
    )
    values = (
        outage.kind.value, aware(outage.starts), aware(outage.ends), outage.reason,
        outage.status.value,
    )  # fmt: skip
    if row is None:
        found = await tx.one(
            "INSERT INTO outages (ref, kind, starts, ends, reason, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            outage.ref, *values, at, at,
        )  # fmt: skip
        assert found is not None  # noqa: S101 - RETURNING of an INSERT that raised nothing
        outage_id = found[0]
        action, news = SaveAction.ADDED, False
    else:
        outage_id = row[0]
        before = Outage(
            outage.ref, OutageKind(row[1]), moment(row[2]), moment(row[3]), row[4],
            OutageStatus(row[5]),
        )  # fmt: skip
        news = outage.is_news_after(before)
        await tx.run(
            "UPDATE outages SET kind = ?, starts = ?, ends = ?, reason = ?, status = ?, "
            "revision = revision + ?, updated_at = ? WHERE id = ?",
            *values, int(news), at, outage_id,
        )  # fmt: skip
        await tx.run("DELETE FROM outage_buildings WHERE outage_id = ?", outage_id)
        action = SaveAction.of(before, outage)
    await tx.many(
        "INSERT INTO outage_buildings (outage_id, house_id, building, address) "
        "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(outage_id, b.house_id, b.building, b.address) for b in outage.buildings],
    )
    return SavedOutage(outage.ref, action, news)


def _recipients(rows: Sequence[Sequence[str]]) -> list[Recipient]:
    return [Recipient(0, 0, ChatRef(r[0], r[1]), r[2], r[3]) for r in one_per_chat(rows)]


class OutageOperations:
    """The outage operations both engines share."""

    ex: Executor
    lock_rows: str  # see `storage.operations.Operations.lock_rows`
    notice_rows: str  # storage.outage_rows: SQLITE_NOTICE_ROWS or POSTGRES_NOTICE_ROWS
    told_rows: str  # SQLITE_TOLD_ROWS or POSTGRES_TOLD_ROWS

    async def save_outages(self, outages: Sequence[Outage], at: datetime) -> list[SavedOutage]:
        async def save(tx: Statements) -> list[SavedOutage]:
            return [await _save(tx, outage, aware(at), self.lock_rows) for outage in outages]

        return await self.ex.transaction(save, bulk=True)

    async def cancel_outage(self, ref: str, at: datetime) -> StoredOutage | None:
        await self.ex.run(
            "UPDATE outages SET status = 'cancelled', revision = revision + 1, updated_at = ? "
            "WHERE ref = ? AND status = 'active'",
            aware(at),
            ref,
        )
        return await self.get_outage(ref)

    async def get_outage(self, ref: str) -> StoredOutage | None:
        row = await self.ex.one(f"{LIST_OUTAGES} WHERE o.ref = ?", ref)
        return None if row is None else stored_outage(row)

    async def outage_by_id(self, outage_id: int) -> StoredOutage | None:
        row = await self.ex.one(f"{OUTAGES} WHERE o.id = ?", outage_id)
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
        marks = ", ".join(f"?{n}" for n in range(3, 3 + len(channels))) or "NULL"
        rows_sql = (self.told_rows if told_only else self.notice_rows).replace("{channels}", marks)
        selector: object = campaign_kind(outage_id, "") + "%" if told_only else outage_id

        async def write(tx: Statements) -> tuple[int, int]:
            found = await tx.one("SELECT created_at FROM outages WHERE id = ?", outage_id)
            assert found is not None  # noqa: S101 - the caller names a stored outage
            period = str(Period.of(moment(found[0]).astimezone(UTC)))
            created = await tx.run(
                "INSERT INTO campaigns (kind, period, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                kind,
                period,
                aware(at),
            )
            campaign = await tx.one(
                "SELECT id FROM campaigns WHERE kind = ? AND period = ?", kind, period
            )
            assert campaign is not None  # noqa: S101 - inserted or there already
            if not created:
                return int(campaign[0]), 0
            written = await tx.run(rows_sql, campaign[0], selector, *channels)
            return int(campaign[0]), written

        return await self.ex.transaction(write, bulk=True)

    async def list_outages(self, *, active_at: datetime | None = None) -> list[StoredOutage]:
        if active_at is None:
            rows = await self.ex.all(f"{LIST_OUTAGES} ORDER BY o.starts, o.ref")
        else:
            rows = await self.ex.all(
                f"{LIST_OUTAGES} WHERE o.status = 'active' AND o.ends > ? "
                "ORDER BY o.starts, o.ref",
                aware(active_at),
            )
        return [stored_outage(row) for row in rows]

    async def outages_to_watch(self, now: datetime) -> list[StoredOutage]:
        rows = await self.ex.all(
            f"{OUTAGES} WHERE o.ends > ? ORDER BY o.starts, o.ref", aware(now)
        )
        return [stored_outage(row) for row in rows]

    async def outage_notices(self, outage_id: int) -> dict[str, datetime]:
        prefix = campaign_kind(outage_id, "")
        rows = await self.ex.all(
            "SELECT kind, created_at FROM campaigns WHERE kind LIKE ?", prefix + "%"
        )
        return {row[0].removeprefix(prefix): moment(row[1]) for row in rows}

    async def refresh_buildings(self) -> int:
        rows = await self.ex.bulk(
            "SELECT number, address FROM accounts "
            "WHERE building_from IS NULL OR building_from <> address"
        )
        if not rows:
            return 0
        updates = stale_buildings(rows)

        async def write(tx: Statements) -> None:
            await tx.many(
                "UPDATE accounts SET building = ?, building_from = ? WHERE number = ?", updates
            )

        await self.ex.transaction(write, bulk=True)
        return len(updates)

    async def outage_recipients(self, outage_id: int) -> list[Recipient]:
        return _recipients(await self.ex.bulk(RECIPIENTS, outage_id))

    async def chat_outages(self, chat: ChatRef, now: datetime) -> list[ChatOutage]:
        rows = await self.ex.all(CHAT_OUTAGES, chat.channel, chat.user_id, aware(now))
        return chat_outages(rows)

    async def outage_notices_on(self, chat: ChatRef) -> bool:
        row = await self.ex.one(
            "SELECT 1 FROM outage_opt_outs WHERE channel = ? AND user_id = ?",
            chat.channel,
            chat.user_id,
        )
        return row is None

    async def set_outage_notices(self, chat: ChatRef, on: bool) -> None:
        if on:
            await self.ex.run(
                "DELETE FROM outage_opt_outs WHERE channel = ? AND user_id = ?",
                chat.channel,
                chat.user_id,
            )
        else:
            await self.ex.run(
                "INSERT INTO outage_opt_outs (channel, user_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                chat.channel,
                chat.user_id,
            )
