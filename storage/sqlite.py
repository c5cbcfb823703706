"""The default storage: one SQLite file through aiosqlite.

One connection, and every method one function of it (see `storage.sqlite_connection`):
methods run one at a time, writes inside `BEGIN IMMEDIATE`, so concurrent coroutines never see
each other's half-done transactions, and a second process's lock is waited for on the
connection's thread (up to the busy timeout) instead of failing or blocking the event loop.

The operations both engines mean alike are `storage.operations`'; what is here differs:
a dialog turn's read and write (one statement each, bindings and subject folded in with
SQLite's JSON functions, since a hand-over to the connection's thread costs more than the
statements), the account import (set-based from staged files), balances and house ids by set.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import aiosqlite

from storage.base import (
    BalanceCounts,
    ChatProfile,
    ChatSnapshot,
    DialogState,
    ImportedBalance,
    ImportRow,
    Subject,
    UpsertCounts,
)
from storage.chats import ChatRef
from storage.import_rows import StagedRows
from storage.money import plan_balances
from storage.operations import CLAIM_UPDATE, SAVE_PROFILE, SAVE_STATE, Operations, profile_params
from storage.outage_operations import OutageOperations
from storage.outage_rows import SQLITE_NOTICE_ROWS, SQLITE_TOLD_ROWS
from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_connection import IMPORT, SqliteConnection, in_transaction, stamp
from storage.sqlite_durability import WalFlusher
from storage.sqlite_executor import SqliteExecutor, values
from storage.sqlite_import import ImportPlan, write_plan, write_staged
from storage.sqlite_rows import LOAD_CHAT, snapshot, subject_of, subject_rows

# A file's balances by set: the accounts looked up, then the balances written, a JSON array of
# rows per statement (at most `_PER_STATEMENT`).
_STORED_AS_OF = (
    "SELECT a.number, b.as_of FROM accounts a LEFT JOIN balances b ON b.account = a.number "
    "WHERE a.number IN (SELECT value FROM json_each(?))"
)
_WRITE_BALANCES = (
    "INSERT INTO balances (account, amount, as_of, last_payment_date, last_payment_amount) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') "
    "FROM json_each(?) WHERE true ON CONFLICT (account) DO UPDATE SET "
    "amount = excluded.amount, as_of = excluded.as_of, "
    "last_payment_date = excluded.last_payment_date, "
    "last_payment_amount = excluded.last_payment_amount"
)
_PER_STATEMENT = 10_000


class SqliteStorage(Operations, OutageOperations, SqliteConnection):
    """`Storage` on SQLite. Use `connect(url)`, then `migrate()`, and `close()` at the end."""

    engine = "sqlite"
    reads_staged_rows = True
    notice_rows = SQLITE_NOTICE_ROWS
    told_rows = SQLITE_TOLD_ROWS

    def __init__(
        self,
        db: aiosqlite.Connection,
        flusher: WalFlusher | None = None,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        super().__init__(db, flusher, checkpointer)
        self.ex = SqliteExecutor(self)

    # -- accounts and meters -----------------------------------------------------------------
    async def upsert_accounts(self, rows: Iterable[ImportRow]) -> UpsertCounts:
        """New accounts go through a temporary table (or the file a `StagedRows` batch is in)
        and set-based inserts; known ones are upserted row by row, keeping what `keep` names
        (storage/sqlite_import.py)."""
        now = stamp(datetime.now(UTC))
        if isinstance(rows, StagedRows):
            return await self.on_thread(write_staged, now, rows)
        plan = ImportPlan(now, rows)
        # One transaction without fsync, foreign key or CHECK constraints (see `IMPORT`).
        await self.on_thread(in_transaction, partial(write_plan, plan=plan), IMPORT)
        return UpsertCounts(plan.added, plan.updated, plan.rejected)

    async def record_balances(self, balances: Sequence[ImportedBalance]) -> BalanceCounts:
        def write(conn: sqlite3.Connection) -> BalanceCounts:
            numbers = sorted({b.account for b in balances})
            stored: dict[str, date | None] = {}
            for at in range(0, len(numbers), _PER_STATEMENT):
                chunk = json.dumps(numbers[at : at + _PER_STATEMENT])
                stored.update(
                    (n, None if d is None else date.fromisoformat(d))
                    for n, d in conn.execute(_STORED_AS_OF, (chunk,))
                )
            counts, kept = plan_balances(balances, stored)
            rows = [
                list(values((b.account, b.amount, b.as_of, b.last_payment_date,
                             b.last_payment_amount)))
                for b in kept
            ]  # fmt: skip
            for at in range(0, len(rows), _PER_STATEMENT):
                conn.execute(_WRITE_BALANCES, (json.dumps(rows[at : at + _PER_STATEMENT]),))
            return counts

        return await self.atomically(write)

    async def set_house_ids(self, pairs: Sequence[tuple[str, str | None]]) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cursor = conn.executemany(
                "UPDATE accounts SET house_id = ? WHERE number = ?",
                [(house_id, number) for number, house_id in pairs],
            )
            return cursor.rowcount

        return await self.atomically(write, bulk=True)

    # -- one dialog turn ---------------------------------------------------------------------
    def chat_turn(self, chat: ChatRef) -> AbstractAsyncContextManager[None]:
        # One process serves a SQLite file (README, "Do not scale out on SQLite"), and the
        # engine's own lock per chat already keeps its turns apart.
        return nullcontext()

    async def load_chat(self, chat: ChatRef, update_id: str | None = None) -> ChatSnapshot:
        def load(conn: sqlite3.Connection) -> tuple[Any, tuple[Any, list[Any]] | None]:
            row = conn.execute(LOAD_CHAT, (chat.channel, chat.user_id, update_id)).fetchone()
            return row, None if row[10] is None else subject_rows(conn, row[10])

        row, subject = await self.at_once(load)
        return snapshot(chat, row, subject)

    async def load_subject(self, number: str) -> Subject:
        rows = await self.at_once(partial(subject_rows, number=number))
        return subject_of(number, *rows)

    async def save_turn(
        self,
        chat: ChatRef,
        profile: ChatProfile | None,
        state: DialogState | None,
        update_id: str | None = None,
    ) -> bool:
        if update_id is None and profile is None and state is None:
            return True
        claim = None if update_id is None else (chat.channel, update_id, stamp(datetime.now(UTC)))
        state_row = None
        if state is not None:
            data = json.dumps(state.data, ensure_ascii=False)
            state_row = (chat.channel, chat.user_id, state.state, data, state.subject)
        profile_row = None if profile is None else values(profile_params(profile))

        def turn(conn: sqlite3.Connection) -> bool:
            if claim is not None and conn.execute(CLAIM_UPDATE, claim).rowcount != 1:
                return False
            if state_row is not None:
                conn.execute(SAVE_STATE, state_row)
            if profile_row is not None:
                conn.execute(SAVE_PROFILE, profile_row)
            return True

        # Not durable: a dialog turn's state, profile and processed update id are never
        # confirmed to a resident. In WAL mode a NORMAL commit reaches the WAL file but is not
        # fsynced: a crash of the process loses nothing, a power cut may lose the last turns
        # (the dialog resumes a step earlier; a redelivered update then runs again, and
        # `record_submission` keeps its own update-id guard so a reading is never stored twice).
        # The next durable commit (a submission, a binding) fsyncs the WAL and every earlier one.
        return await self.atomically(turn, durable=False)
