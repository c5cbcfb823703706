"""PostgreSQL storage through an asyncpg pool, safe for several bot processes at once.

Cross-process safety comes from the database, not from Python: a submission locks its meter
row (`lock_rows`), so two submissions for one meter run one after the other; campaign rows are
claimed with `FOR UPDATE SKIP LOCKED` (`skip_locked`); migrations run under an advisory lock
and a chat's turns under another (`storage.postgres_connection`).

The operations both engines mean alike are `storage.operations`'; what is here differs: a
dialog turn's read and write (one statement each), the account import, balances and house ids
by arrays.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from storage.base import (
    BalanceCounts,
    ChatProfile,
    ChatSnapshot,
    DialogState,
    ImportedBalance,
    ImportRow,
    UpsertCounts,
)
from storage.chats import ChatRef
from storage.money import plan_balances
from storage.operations import Operations, profile_of, profile_params
from storage.outage_operations import OutageOperations
from storage.outage_rows import POSTGRES_NOTICE_ROWS, POSTGRES_TOLD_ROWS
from storage.postgres_connection import PostgresConnection
from storage.postgres_executor import PostgresExecutor
from storage.postgres_import import upsert_batch
from storage.postgres_rows import LOAD_CHAT, SAVE_TURN

# A file's balances by set: the accounts looked up (their rows locked, so that a concurrent
# import waits rather than interleaves), then the balances written, one statement over arrays.
_STORED_AS_OF = (
    "SELECT a.number, b.as_of FROM accounts a LEFT JOIN balances b ON b.account = a.number "
    "WHERE a.number = ANY($1::text[]) FOR UPDATE OF a"
)
_WRITE_BALANCES = (
    "INSERT INTO balances (account, amount, as_of, last_payment_date, last_payment_amount) "
    "SELECT * FROM unnest($1::text[], $2::numeric[], $3::date[], $4::date[], $5::numeric[]) "
    "ON CONFLICT (account) DO UPDATE SET amount = EXCLUDED.amount, as_of = EXCLUDED.as_of, "
    "last_payment_date = EXCLUDED.last_payment_date, "
    "last_payment_amount = EXCLUDED.last_payment_amount"
)


class PostgresStorage(Operations, OutageOperations, PostgresConnection):
    """`Storage` on PostgreSQL. Use `connect(url)`, then `migrate()`, and `close()` at the end."""

    engine = "postgres"
    reads_staged_rows = False
    lock_rows = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    notice_rows = POSTGRES_NOTICE_ROWS
    told_rows = POSTGRES_TOLD_ROWS

    def __init__(self, pool: asyncpg.Pool, turns: asyncpg.Pool, url: str = "") -> None:
        super().__init__(pool, turns, url)
        self.ex = PostgresExecutor(self)

    async def upsert_accounts(self, rows: Iterable[ImportRow]) -> UpsertCounts:
        batch = list(rows)
        now = datetime.now(UTC)
        async with self.transaction() as conn:
            return await upsert_batch(conn, batch, now)

    async def record_balances(self, balances: Sequence[ImportedBalance]) -> BalanceCounts:
        async with self.transaction() as conn:
            numbers = sorted({b.account for b in balances})
            stored = {r[0]: r[1] for r in await conn.fetch(_STORED_AS_OF, numbers)}
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

    async def load_chat(self, chat: ChatRef, update_id: str | None = None) -> ChatSnapshot:
        async with self.connection() as conn:
            row = await conn.fetchrow(LOAD_CHAT, chat.channel, chat.user_id, update_id)
        profile = None
        if row["has_profile"]:
            profile = profile_of(chat, [row[n] for n in range(1, 6)])
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
        profile_values: Sequence[Any] = (None,) * 5
        if profile is not None:
            profile_values = profile_params(profile)[2:]
        async with self.connection() as conn:
            fresh: bool = await conn.fetchval(
                SAVE_TURN,
                chat.channel, chat.user_id, update_id,
                None if state is None else state.state,
                None if state is None else json.dumps(state.data, ensure_ascii=False),
                *profile_values, datetime.now(UTC), None if state is None else state.subject,
            )  # fmt: skip
        return fresh
