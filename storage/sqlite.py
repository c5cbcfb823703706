"""The default storage: one SQLite file through aiosqlite.

One connection, and every method one function of it (see `storage.sqlite_connection`):
methods run one at a time, writes inside `BEGIN IMMEDIATE`, so concurrent coroutines never see
each other's half-done transactions, and a second process's lock is waited for on the
connection's thread (up to the busy timeout) instead of failing or blocking the event loop.
The reminder campaigns' methods live in `storage.sqlite_campaigns`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

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
from storage.import_rows import StagedRows
from storage.rows import (
    ACCOUNT_SELECT,
    READING_COLUMNS,
    account_of,
)
from storage.sqlite_campaigns import SqliteCampaigns
from storage.sqlite_estimates import SqliteEstimates
from storage.sqlite_import import ImportPlan, write_plan, write_staged
from storage.sqlite_money import SqliteMoney
from storage.sqlite_outages import SqliteOutages
from storage.sqlite_rows import (
    _CLAIM_UPDATE,
    _LOAD_CHAT,
    _PROFILE_COLUMNS,
    _PRUNE_UPDATES,
    _SAVE_PROFILE,
    _SAVE_STATE,
    _bindings,
    _one_per_period,
    _profile,
    _profile_params,
    _reading,
    _readings_query,
    _stamp,
    _subject,
    _subject_rows,
    _write_reading,
)
from storage.sqlite_transactions import _IMPORT, _in_transaction

EXPORT_PAGE = 1000


# The bill computed from a reading: found through `bills_by_account`, then by its reading.
_BILL_OF_READING = (
    "SELECT b.total FROM bills b WHERE b.account = r.account AND b.is_current = 1 "
    "AND b.period = r.period AND b.reading_id = r.id ORDER BY b.id DESC LIMIT 1"
)


class SqliteStorage(SqliteCampaigns, SqliteEstimates, SqliteMoney, SqliteOutages):
    """`Storage` on SQLite. Use `connect(url)`, then `migrate()`, and `close()` at the end."""

    engine = "sqlite"
    reads_staged_rows = True

    # -- accounts and meters -----------------------------------------------------------------
    async def upsert_accounts(self, rows: Iterable[ImportRow]) -> UpsertCounts:
        """New accounts go through a temporary table (or the file a `StagedRows` batch is in)
        and set-based inserts; known ones are upserted row by row, keeping what `keep` names
        (storage/sqlite_import.py)."""
        now = _stamp(datetime.now(UTC))
        if isinstance(rows, StagedRows):
            return await self._on_thread(write_staged, now, rows)
        plan = ImportPlan(now, rows)
        # One transaction without fsync, foreign key or CHECK constraints (see `_IMPORT`).
        await self._on_thread(_in_transaction, partial(write_plan, plan=plan), _IMPORT)
        return UpsertCounts(plan.added, plan.updated, plan.rejected)

    async def get_account(self, number: str) -> Account | None:
        row = await self._one(f"{ACCOUNT_SELECT} WHERE a.number = ?", (number,))
        return None if row is None else account_of(row)

    async def find_account(self, number: str, meter_serial: str) -> Account | None:
        account = await self.get_account(number)
        if account is None or account.meter.serial != meter_serial:
            return None
        return account

    async def find_accounts_by_phone(self, phone: str) -> list[Account]:
        rows = await self._all(
            f"{ACCOUNT_SELECT} JOIN account_phones p ON p.account = a.number "
            "WHERE p.phone = ? ORDER BY a.number",
            (phone,),
        )
        return [account_of(row) for row in rows]

    async def count_accounts(self) -> int:
        row = await self._one("SELECT count(*) FROM accounts")
        return int(row[0])

    # -- chats -------------------------------------------------------------------------------
    async def get_profile(self, chat: ChatRef) -> ChatProfile | None:
        row = await self._one(
            f"SELECT {_PROFILE_COLUMNS} FROM chat_profiles "  # noqa: S608
            "WHERE channel = ? AND user_id = ?",
            (chat.channel, chat.user_id),
        )
        return None if row is None else _profile(chat, row)

    async def save_profile(self, profile: ChatProfile) -> None:
        await self._change(_SAVE_PROFILE, _profile_params(profile))

    async def set_blocked(self, chat: ChatRef, blocked: bool) -> None:
        await self._change(
            "INSERT INTO chat_profiles (channel, user_id, blocked) VALUES (?, ?, ?) "
            "ON CONFLICT (channel, user_id) DO UPDATE SET blocked = excluded.blocked",
            (chat.channel, chat.user_id, int(blocked)),
        )

    async def bindings(self, chat: ChatRef) -> list[Binding]:
        rows = await self._all(
            "SELECT account, alias, bound_at FROM bindings WHERE channel = ? AND user_id = ? "
            "ORDER BY bound_at, account",
            (chat.channel, chat.user_id),
        )
        return list(_bindings(chat, rows))

    async def chats_of_account(self, account: str) -> list[ChatRef]:
        rows = await self._all(
            "SELECT channel, user_id FROM bindings WHERE account = ? ORDER BY channel, user_id",
            (account,),
        )
        return [ChatRef(r[0], r[1]) for r in rows]

    async def bind(self, chat: ChatRef, account: str, alias: str, at: datetime) -> bool:
        def bind(conn: sqlite3.Connection) -> bool:
            if (
                conn.execute("SELECT 1 FROM accounts WHERE number = ?", (account,)).fetchone()
                is None
            ):
                raise StorageError(f"no account {account[:5]}-***-** to bind")
            return (
                conn.execute(
                    "INSERT INTO bindings (channel, user_id, account, alias, bound_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (chat.channel, chat.user_id, account, alias, _stamp(at)),
                ).rowcount
                == 1
            )

        return await self._atomically(bind)

    async def rename_binding(self, chat: ChatRef, account: str, alias: str) -> None:
        await self._change(
            "UPDATE bindings SET alias = ? WHERE channel = ? AND user_id = ? AND account = ?",
            (alias, chat.channel, chat.user_id, account),
        )

    async def unbind(self, chat: ChatRef, account: str) -> None:
        key = (chat.channel, chat.user_id, account)
        await self._change(
            "DELETE FROM bindings WHERE channel = ? AND user_id = ? AND account = ?",
            key,
            (
                "UPDATE chat_profiles SET current_account = NULL "
                "WHERE channel = ? AND user_id = ? AND current_account = ?",
                key,
            ),
        )

    async def forget_chat(self, chat: ChatRef, pseudonym: str) -> None:
        key = (chat.channel, chat.user_id)
        await self._change(
            "UPDATE campaign_recipients SET status = 'skipped', detail = 'forgotten' "
            "WHERE channel = ? AND user_id = ? AND status = 'pending'",
            key,
            (
                "UPDATE campaign_recipients SET user_id = ?, alias = '' "
                "WHERE channel = ? AND user_id = ?",
                (pseudonym, *key),
            ),
            (
                "UPDATE readings SET chat_user = ? WHERE channel = ? AND chat_user = ?",
                (pseudonym, *key),
            ),
            *(
                (f"DELETE FROM {table} WHERE channel = ? AND user_id = ?", key)  # noqa: S608
                for table in ("outage_opt_outs", "bindings", "chat_profiles", "dialog_states")
            ),
        )

    async def load_state(self, chat: ChatRef) -> DialogState | None:
        row = await self._one(
            "SELECT state, data, subject FROM dialog_states WHERE channel = ? AND user_id = ?",
            (chat.channel, chat.user_id),
        )
        return None if row is None else DialogState(row[0], json.loads(row[1]), row[2])

    async def save_state(self, chat: ChatRef, state: DialogState) -> None:
        data = json.dumps(state.data, ensure_ascii=False)
        await self._change(
            _SAVE_STATE, (chat.channel, chat.user_id, state.state, data, state.subject)
        )

    async def record_bind_failure(self, chat_key: str, account: str, at: datetime) -> None:
        await self._change(
            "INSERT INTO bind_failures (chat_key, account, at) VALUES (?, ?, ?)",
            (chat_key, account, _stamp(at)),
        )

    async def bind_failures_since(self, chat_key: str, since: datetime) -> list[datetime]:
        rows = await self._all(
            "SELECT at FROM bind_failures WHERE chat_key = ? AND at >= ? ORDER BY at",
            (chat_key, _stamp(since)),
        )
        return [datetime.fromisoformat(r[0]) for r in rows]

    async def account_bind_failures_since(self, account: str, since: datetime) -> list[datetime]:
        rows = await self._all(
            "SELECT at FROM bind_failures WHERE account = ? AND at >= ? ORDER BY at",
            (account, _stamp(since)),
        )
        return [datetime.fromisoformat(r[0]) for r in rows]

    async def claim_update(self, channel: str, update_id: str) -> bool:
        return (
            await self._change(_CLAIM_UPDATE, (channel, update_id, _stamp(datetime.now(UTC)))) == 1
        )

    async def prune(self, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
        stamp = _stamp(before)

        def failures(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM bind_failures WHERE at < ?", (stamp,)).rowcount

        def some_updates(conn: sqlite3.Connection) -> int:
            return conn.execute(_PRUNE_UPDATES, (stamp, batch)).rowcount

        # Not durable: a prune lost to a power cut is simply done again the next day.
        removed = await self._atomically(failures, durable=False, bulk=True)
        while True:
            gone = await self._atomically(some_updates, durable=False, bulk=True)
            removed += gone
            if gone < batch:
                return removed

    def chat_turn(self, chat: ChatRef) -> AbstractAsyncContextManager[None]:
        # One process serves a SQLite file (README, "Do not scale out on SQLite"), and the
        # engine's own lock per chat already keeps its turns apart.
        return nullcontext()

    async def load_chat(self, chat: ChatRef, update_id: str | None = None) -> ChatSnapshot:
        def load(conn: sqlite3.Connection) -> tuple[Any, tuple[Any, list[Any]] | None]:
            row = conn.execute(_LOAD_CHAT, (chat.channel, chat.user_id, update_id)).fetchone()
            return row, None if row[10] is None else _subject_rows(conn, row[10])

        row, subject = await self._at_once(load)
        state = None
        if row[6] is not None:
            state = DialogState(row[6], json.loads(row[7]), row[10])
        return ChatSnapshot(
            profile=_profile(chat, row[1:6]) if row[0] else None,
            state=state,
            seen=bool(row[8]),
            bindings=_bindings(chat, json.loads(row[9])),
            subject=None if subject is None else _subject(row[10], *subject),
        )

    async def load_subject(self, number: str) -> Subject:
        rows = await self._at_once(partial(_subject_rows, number=number))
        return _subject(number, *rows)

    async def save_turn(
        self,
        chat: ChatRef,
        profile: ChatProfile | None,
        state: DialogState | None,
        update_id: str | None = None,
    ) -> bool:
        if update_id is None and profile is None and state is None:
            return True
        claim = None if update_id is None else (chat.channel, update_id, _stamp(datetime.now(UTC)))
        state_row = None
        if state is not None:
            data = json.dumps(state.data, ensure_ascii=False)
            state_row = (chat.channel, chat.user_id, state.state, data, state.subject)
        profile_row = None if profile is None else _profile_params(profile)

        def turn(conn: sqlite3.Connection) -> bool:
            if claim is not None and conn.execute(_CLAIM_UPDATE, claim).rowcount != 1:
                return False
            if state_row is not None:
                conn.execute(_SAVE_STATE, state_row)
            if profile_row is not None:
                conn.execute(_SAVE_PROFILE, profile_row)
            return True

        # Not durable: a dialog turn's state, profile and processed update id are never
        # confirmed to a resident. In WAL mode a NORMAL commit reaches the WAL file but is not
        # fsynced: a crash of the process loses nothing, a power cut may lose the last turns
        # (the dialog resumes a step earlier; a redelivered update then runs again, and
        # `record_submission` keeps its own update-id guard so a reading is never stored twice).
        # The next FULL commit (a submission, a binding) fsyncs the WAL and every earlier commit.
        return await self._atomically(turn, durable=False)

    # -- readings, bills, balances -----------------------------------------------------------
    async def record_submission(
        self,
        account: str,
        reading: MeterReading,
        bill: Bill | None,
        update_id: str | None = None,
    ) -> StoredSubmission:
        now = _stamp(datetime.now(UTC))

        def submit(conn: sqlite3.Connection) -> StoredSubmission:
            if (
                update_id is not None
                and conn.execute(
                    "INSERT INTO processed_updates (scope, channel, update_id, at) "
                    "VALUES ('submission', ?, ?, ?) ON CONFLICT DO NOTHING",
                    (reading.channel, update_id, now),
                ).rowcount
                != 1
            ):
                return StoredSubmission(superseded=False, duplicate=True)
            superseded = _write_reading(conn, account, reading, bill, now)
            return StoredSubmission(superseded=superseded, duplicate=False)

        return await self._atomically(submit)

    async def current_reading(self, account: str, period: Period) -> MeterReading | None:
        row = await self._one(
            f"SELECT {READING_COLUMNS} FROM readings WHERE account = ? AND period = ? "  # noqa: S608
            "AND is_current = 1 ORDER BY id DESC LIMIT 1",
            (account, str(period)),
        )
        return None if row is None else _reading(row)

    async def readings(
        self, account: str, *, limit: int = 12, sources: Sequence[ReadingSource] | None = None
    ) -> list[MeterReading]:
        """Current readings newest first, one per period."""
        rows = await self._all(*_readings_query(account, limit, sources))
        return _one_per_period([_reading(r) for r in rows], limit)

    async def reading_history(self, account: str, period: Period) -> list[MeterReading]:
        rows = await self._all(
            f"SELECT {READING_COLUMNS} FROM readings WHERE account = ? AND period = ? "  # noqa: S608
            "ORDER BY id",
            (account, str(period)),
        )
        return [_reading(r) for r in rows]

    async def latest_bill(self, account: str) -> Bill | None:
        found = await self.bills(account, limit=1)
        return found[0] if found else None

    async def bills(self, account: str, *, limit: int = 12) -> list[Bill]:
        """The current bill of each period, newest period first."""
        heads = await self._all(
            "SELECT id, period, basis, total, due, notes, credit FROM bills "
            "WHERE account = ? AND is_current = 1 ORDER BY period DESC, id DESC LIMIT ?",
            (account, limit),
        )
        found = []
        for bill_id, period, basis, total, due, notes, credit in heads:
            lines = await self._all(
                "SELECT label, quantity_kwh, rate, amount FROM bill_lines "
                "WHERE bill_id = ? ORDER BY position",
                (bill_id,),
            )
            found.append(
                Bill(
                    account=account,
                    period=Period.parse(period),
                    basis=BillBasis(basis),
                    lines=tuple(
                        BillLine(r[0], Decimal(r[1]), Decimal(r[2]), Decimal(r[3])) for r in lines
                    ),
                    total=Decimal(total),
                    due=date.fromisoformat(due),
                    notes=tuple(json.loads(notes)),
                    credit=Decimal(credit),
                )
            )
        return found

    async def export_readings(self, period: Period) -> AsyncIterator[ExportedReading]:
        """Current readings of a period by account, read in pages (the lock is not held
        between pages, so a long export never stalls residents)."""
        after: tuple[str, int] = ("", 0)
        while True:
            rows = await self._all(
                "SELECT r.account, m.serial, r.id, r.period, r.t1, r.t2, r.t3, r.source, "  # noqa: S608
                "r.submitted_at, r.channel, r.chat_user, m.zones, ("
                f"{_BILL_OF_READING}) FROM readings r "
                "JOIN meters m ON m.id = r.meter_id WHERE r.period = ? AND r.is_current = 1 "
                "AND (r.account, r.id) > (?, ?) ORDER BY r.account, r.id LIMIT ?",
                (str(period), *after, EXPORT_PAGE),
                bulk=True,
            )
            for row in rows:
                amount = None if row[12] is None else Decimal(row[12])
                yield ExportedReading(row[0], row[1], _reading(row[3:11]), row[11], amount)
            if len(rows) < EXPORT_PAGE:
                return
            after = (rows[-1][0], rows[-1][2])
