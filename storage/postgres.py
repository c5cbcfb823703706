"""PostgreSQL storage through an asyncpg pool, safe for several bot processes at once.

Cross-process safety comes from the database, not from Python: a submission locks its meter
row, so two submissions for one meter run one after the other; campaign rows are claimed with
`FOR UPDATE SKIP LOCKED`; migrations run under an advisory lock. The pool and the migrations
live in `storage.postgres_connection`, the reminder campaigns' methods in
`storage.postgres_campaigns`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from billing_core.models import (
    Account,
    Bill,
    BillBasis,
    BillLine,
    MeterReading,
    Period,
    ReadingSource,
)
from storage.base import (
    PRUNE_BATCH,
    SUBJECT_HISTORY,
    Binding,
    ChatProfile,
    ChatSnapshot,
    DialogState,
    ExportedReading,
    ImportRow,
    StorageError,
    StoredSubmission,
    Subject,
    UpsertCounts,
)
from storage.chats import ChatRef
from storage.postgres_campaigns import PostgresCampaigns
from storage.postgres_estimates import PostgresEstimates
from storage.postgres_import import upsert_batch
from storage.postgres_money import PostgresMoney
from storage.postgres_outages import PostgresOutages
from storage.postgres_readings import lock_meter, write_reading
from storage.postgres_rows import (
    _LOAD_CHAT,
    _SAVE_TURN,
    _reading,
)
from storage.rows import ACCOUNT_SELECT, READING_COLUMNS, account_of, aware

EXPORT_PAGE = 1000


class PostgresStorage(PostgresCampaigns, PostgresEstimates, PostgresMoney, PostgresOutages):
    """`Storage` on PostgreSQL. Use `connect(url)`, then `migrate()`, and `close()` at the end."""

    engine = "postgres"
    reads_staged_rows = False

    # -- accounts and meters -----------------------------------------------------------------
    async def upsert_accounts(self, rows: Iterable[ImportRow]) -> UpsertCounts:
        batch = list(rows)
        now = datetime.now(UTC)
        async with self._tx() as conn:
            return await upsert_batch(conn, batch, now)

    async def get_account(self, number: str) -> Account | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(f"{ACCOUNT_SELECT} WHERE a.number = $1", number)
        return None if row is None else account_of(row)

    async def find_account(self, number: str, meter_serial: str) -> Account | None:
        account = await self.get_account(number)
        if account is None or account.meter.serial != meter_serial:
            return None
        return account

    async def find_accounts_by_phone(self, phone: str) -> list[Account]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                f"{ACCOUNT_SELECT} JOIN account_phones p ON p.account = a.number "
                "WHERE p.phone = $1 ORDER BY a.number",
                phone,
            )
        return [account_of(row) for row in rows]

    async def count_accounts(self) -> int:
        async with self._conn() as conn:
            count: int = await conn.fetchval("SELECT count(*) FROM accounts")
        return count

    # -- chats -------------------------------------------------------------------------------
    async def get_profile(self, chat: ChatRef) -> ChatProfile | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(
                "SELECT locale, consent_at, reminders_on, blocked, current_account "
                "FROM chat_profiles WHERE channel = $1 AND user_id = $2",
                chat.channel,
                chat.user_id,
            )
        if row is None:
            return None
        return ChatProfile(chat, *row.values())

    async def save_profile(self, profile: ChatProfile) -> None:
        consent = None if profile.consent_at is None else aware(profile.consent_at)
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO chat_profiles (channel, user_id, locale, consent_at, reminders_on, "
                "blocked, current_account) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (channel, user_id) DO UPDATE SET locale = EXCLUDED.locale, "
                "consent_at = EXCLUDED.consent_at, reminders_on = EXCLUDED.reminders_on, "
                "blocked = EXCLUDED.blocked, current_account = EXCLUDED.current_account",
                profile.chat.channel, profile.chat.user_id, profile.locale, consent,
                profile.reminders_on, profile.blocked, profile.current_account,
            )  # fmt: skip

    async def set_blocked(self, chat: ChatRef, blocked: bool) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO chat_profiles (channel, user_id, blocked) VALUES ($1, $2, $3) "
                "ON CONFLICT (channel, user_id) DO UPDATE SET blocked = EXCLUDED.blocked",
                chat.channel,
                chat.user_id,
                blocked,
            )

    async def bindings(self, chat: ChatRef) -> list[Binding]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT account, alias, bound_at FROM bindings WHERE channel = $1 "
                "AND user_id = $2 ORDER BY bound_at, account",
                chat.channel,
                chat.user_id,
            )
        return [Binding(chat, r["account"], r["alias"], r["bound_at"]) for r in rows]

    async def chats_of_account(self, account: str) -> list[ChatRef]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT channel, user_id FROM bindings WHERE account = $1 "
                "ORDER BY channel, user_id",
                account,
            )
        return [ChatRef(r["channel"], r["user_id"]) for r in rows]

    async def bind(self, chat: ChatRef, account: str, alias: str, at: datetime) -> bool:
        try:
            async with self._conn() as conn:
                status = await conn.execute(
                    "INSERT INTO bindings (channel, user_id, account, alias, bound_at) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    chat.channel, chat.user_id, account, alias, aware(at),
                )  # fmt: skip
        except StorageError as exc:
            if isinstance(exc.__cause__, asyncpg.ForeignKeyViolationError):
                raise StorageError(f"no account {account[:5]}-***-** to bind") from exc
            raise
        return bool(status == "INSERT 0 1")

    async def rename_binding(self, chat: ChatRef, account: str, alias: str) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE bindings SET alias = $1 WHERE channel = $2 AND user_id = $3 "
                "AND account = $4",
                alias, chat.channel, chat.user_id, account,
            )  # fmt: skip

    async def unbind(self, chat: ChatRef, account: str) -> None:
        async with self._tx() as conn:
            await conn.execute(
                "DELETE FROM bindings WHERE channel = $1 AND user_id = $2 AND account = $3",
                chat.channel, chat.user_id, account,
            )  # fmt: skip
            await conn.execute(
                "UPDATE chat_profiles SET current_account = NULL "
                "WHERE channel = $1 AND user_id = $2 AND current_account = $3",
                chat.channel, chat.user_id, account,
            )  # fmt: skip

    async def forget_chat(self, chat: ChatRef, pseudonym: str) -> None:
        async with self._tx() as conn:
            for table in ("outage_opt_outs", "bindings", "chat_profiles", "dialog_states"):
                await conn.execute(
                    f"DELETE FROM {table} WHERE channel = $1 AND user_id = $2",  # noqa: S608
                    chat.channel,
                    chat.user_id,
                )
            await conn.execute(
                "UPDATE campaign_recipients SET status = 'skipped', detail = 'forgotten' "
                "WHERE channel = $1 AND user_id = $2 AND status = 'pending'",
                chat.channel,
                chat.user_id,
            )
            await conn.execute(
                "UPDATE campaign_recipients SET user_id = $3, alias = '' "
                "WHERE channel = $1 AND user_id = $2",
                chat.channel,
                chat.user_id,
                pseudonym,
            )
            await conn.execute(
                "UPDATE readings SET chat_user = $3 WHERE channel = $1 AND chat_user = $2",
                chat.channel,
                chat.user_id,
                pseudonym,
            )

    async def load_state(self, chat: ChatRef) -> DialogState | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(
                "SELECT state, data::text AS data, subject FROM dialog_states "
                "WHERE channel = $1 AND user_id = $2",
                chat.channel,
                chat.user_id,
            )
        if row is None:
            return None
        return DialogState(row["state"], json.loads(row["data"]), row["subject"])

    async def save_state(self, chat: ChatRef, state: DialogState) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO dialog_states (channel, user_id, state, data, subject) "
                "VALUES ($1, $2, $3, $4::jsonb, $5) ON CONFLICT (channel, user_id) "
                "DO UPDATE SET state = EXCLUDED.state, data = EXCLUDED.data, "
                "subject = EXCLUDED.subject",
                chat.channel, chat.user_id, state.state,
                json.dumps(state.data, ensure_ascii=False), state.subject,
            )  # fmt: skip

    async def record_bind_failure(self, chat_key: str, account: str, at: datetime) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO bind_failures (chat_key, account, at) VALUES ($1, $2, $3)",
                chat_key,
                account,
                aware(at),
            )

    async def bind_failures_since(self, chat_key: str, since: datetime) -> list[datetime]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT at FROM bind_failures WHERE chat_key = $1 AND at >= $2 ORDER BY at",
                chat_key,
                aware(since),
            )
        return [r["at"] for r in rows]

    async def account_bind_failures_since(self, account: str, since: datetime) -> list[datetime]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                "SELECT at FROM bind_failures WHERE account = $1 AND at >= $2 ORDER BY at",
                account,
                aware(since),
            )
        return [r["at"] for r in rows]

    async def claim_update(self, channel: str, update_id: str) -> bool:
        async with self._conn() as conn:
            status = await conn.execute(
                "INSERT INTO processed_updates (scope, channel, update_id, at) "
                "VALUES ('update', $1, $2, $3) ON CONFLICT DO NOTHING",
                channel,
                update_id,
                datetime.now(UTC),
            )
        return bool(status == "INSERT 0 1")

    async def prune(self, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
        async with self._conn() as conn:
            status = await conn.execute("DELETE FROM bind_failures WHERE at < $1", aware(before))
        removed = _deleted(status)
        while True:
            async with self._conn() as conn:
                status = await conn.execute(
                    "DELETE FROM processed_updates WHERE ctid IN (SELECT ctid "
                    "FROM processed_updates WHERE at < $1 LIMIT $2)",
                    aware(before),
                    batch,
                )
            gone = _deleted(status)
            removed += gone
            if gone < batch:
                return removed

    async def load_chat(self, chat: ChatRef, update_id: str | None = None) -> ChatSnapshot:
        async with self._conn() as conn:
            row = await conn.fetchrow(_LOAD_CHAT, chat.channel, chat.user_id, update_id)
        profile = None
        if row["has_profile"]:
            profile = ChatProfile(
                chat, row["locale"], row["consent_at"], row["reminders_on"], row["blocked"],
                row["current_account"],
            )  # fmt: skip
        state = None
        if row["state"] is not None:
            state = DialogState(row["state"], json.loads(row["data"]), row["subject"])
        # Bindings and subject stay None: the dialog asks for them (on PostgreSQL each is one
        # round trip either way, without a thread to hand over to).
        return ChatSnapshot(profile, state, bool(row["seen"]))

    async def save_turn(
        self,
        chat: ChatRef,
        profile: ChatProfile | None,
        state: DialogState | None,
        update_id: str | None = None,
    ) -> bool:
        if update_id is None and profile is None and state is None:
            return True
        profile_values: tuple[Any, ...] = (None,) * 5
        if profile is not None:
            consent = None if profile.consent_at is None else aware(profile.consent_at)
            profile_values = (
                profile.locale, consent, profile.reminders_on, profile.blocked,
                profile.current_account,
            )  # fmt: skip
        async with self._conn() as conn:
            fresh: bool = await conn.fetchval(
                _SAVE_TURN,
                chat.channel, chat.user_id, update_id,
                None if state is None else state.state,
                None if state is None else json.dumps(state.data, ensure_ascii=False),
                *profile_values, datetime.now(UTC), None if state is None else state.subject,
            )  # fmt: skip
        return fresh

    # -- readings, bills, balances -----------------------------------------------------------
    async def record_submission(
        self,
        account: str,
        reading: MeterReading,
        bill: Bill | None,
        update_id: str | None = None,
    ) -> StoredSubmission:
        async with self._tx() as conn:
            if update_id is not None:
                fresh = await conn.fetchval(
                    "INSERT INTO processed_updates (scope, channel, update_id, at) "
                    "VALUES ('submission', $1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                    reading.channel,
                    update_id,
                    datetime.now(UTC),
                )
                if fresh is None:
                    return StoredSubmission(superseded=False, duplicate=True)
            meter_id = await lock_meter(conn, account)
            superseded = await write_reading(conn, meter_id, account, reading, bill)
        return StoredSubmission(superseded=superseded, duplicate=False)

    async def current_reading(self, account: str, period: Period) -> MeterReading | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(
                f"SELECT {READING_COLUMNS} FROM readings WHERE account = $1 "  # noqa: S608
                "AND period = $2 AND is_current ORDER BY id DESC LIMIT 1",
                account,
                str(period),
            )
        return None if row is None else _reading(row)

    async def readings(
        self, account: str, *, limit: int = 12, sources: Sequence[ReadingSource] | None = None
    ) -> list[MeterReading]:
        """Current readings newest first, one per period."""
        wanted = None if sources is None else [s.value for s in sources]
        async with self._conn() as conn:
            rows = await conn.fetch(
                f"SELECT DISTINCT ON (period) {READING_COLUMNS} FROM readings "  # noqa: S608
                "WHERE account = $1 AND is_current AND ($2::text[] IS NULL OR source = ANY($2)) "
                "ORDER BY period DESC, id DESC LIMIT $3",
                account,
                wanted,
                limit,
            )
        return [_reading(r) for r in rows]

    async def load_subject(self, number: str) -> Subject:
        account = await self.get_account(number)
        if account is None:
            return Subject(number, None, ())
        return Subject(number, account, tuple(await self.readings(number, limit=SUBJECT_HISTORY)))

    async def reading_history(self, account: str, period: Period) -> list[MeterReading]:
        async with self._conn() as conn:
            rows = await conn.fetch(
                f"SELECT {READING_COLUMNS} FROM readings WHERE account = $1 "  # noqa: S608
                "AND period = $2 ORDER BY id",
                account,
                str(period),
            )
        return [_reading(r) for r in rows]

    async def latest_bill(self, account: str) -> Bill | None:
        found = await self.bills(account, limit=1)
        return found[0] if found else None

    async def bills(self, account: str, *, limit: int = 12) -> list[Bill]:
        """The current bill of each period, newest period first."""
        async with self._conn() as conn:
            heads = await conn.fetch(
                "SELECT id, period, basis, total, due, notes::text AS notes, credit FROM bills "
                "WHERE account = $1 AND is_current ORDER BY period DESC, id DESC LIMIT $2",
                account,
                limit,
            )
            lines = await conn.fetch(
                "SELECT bill_id, label, quantity_kwh, rate, amount FROM bill_lines "
                "WHERE bill_id = ANY($1::bigint[]) ORDER BY bill_id, position",
                [h["id"] for h in heads],
            )
        by_bill: dict[int, list[BillLine]] = {}
        for line in lines:
            by_bill.setdefault(line["bill_id"], []).append(
                BillLine(line["label"], line["quantity_kwh"], line["rate"], line["amount"])
            )
        return [
            Bill(
                account=account,
                period=Period.parse(h["period"]),
                basis=BillBasis(h["basis"]),
                lines=tuple(by_bill.get(h["id"], ())),
                total=h["total"],
                due=h["due"],
                notes=tuple(json.loads(h["notes"])),
                credit=h["credit"],
            )
            for h in heads
        ]

    async def export_readings(self, period: Period) -> AsyncIterator[ExportedReading]:
        """Current readings of a period by account, read in pages (no connection is held
        between pages, so an export never starves the bot's pool)."""
        after: tuple[str, int] = ("", 0)
        while True:
            async with self._conn() as conn:
                rows = await conn.fetch(
                    "SELECT r.account, m.serial, r.id, r.period, r.t1, r.t2, r.t3, r.source, "
                    "r.submitted_at, r.channel, r.chat_user, m.zones, (SELECT b.total FROM "
                    "bills b WHERE b.account = r.account AND b.is_current AND b.period = "
                    "r.period AND b.reading_id = r.id ORDER BY b.id DESC LIMIT 1) AS amount "
                    "FROM readings r "
                    "JOIN meters m ON m.id = r.meter_id WHERE r.period = $1 AND r.is_current "
                    "AND (r.account, r.id) > ($2, $3) ORDER BY r.account, r.id LIMIT $4",
                    str(period),
                    *after,
                    EXPORT_PAGE,
                )
            for row in rows:
                yield ExportedReading(
                    row["account"], row["serial"], _reading(row), row["zones"], row["amount"]
                )
            if len(rows) < EXPORT_PAGE:
                return
            after = (rows[-1]["account"], rows[-1]["id"])


def _deleted(status: str) -> int:
    """The row count of a "DELETE n" command status."""
    return int(status.rsplit(" ", 1)[-1])
