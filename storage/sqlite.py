"""The default storage: one SQLite file through aiosqlite.

One connection, and every method one function of it (see the plumbing below): methods run one
at a time, writes inside `BEGIN IMMEDIATE`, so concurrent coroutines never see each other's
half-done transactions, and a second process's lock is waited for on the connection's thread
(up to the busy timeout) instead of failing or blocking the event loop.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite

from billing_core.models import (
    Account,
    Bill,
    BillBasis,
    BillLine,
    MeterReading,
    Period,
    ReadingSource,
)
from dialogs.events import ChatRef
from storage import migrations
from storage.base import (
    PRUNE_BATCH,
    Binding,
    Campaign,
    ChatProfile,
    ChatSnapshot,
    DialogState,
    ExportedReading,
    ImportRow,
    Recipient,
    StorageError,
    StoredSubmission,
    Subject,
    UpsertCounts,
)
from storage.rows import (
    ACCOUNT_SELECT,
    READING_COLUMNS,
    account_of,
    aware,
    register_values,
    text_or_none,
)
from storage.sqlite_import import ImportPlan, write_plan
from storage.sqlite_rows import (
    _CLAIM_UPDATE,
    _LOAD_CHAT,
    _PROFILE_COLUMNS,
    _PRUNE_UPDATES,
    _SAVE_PROFILE,
    _SAVE_STATE,
    _all_statuses,
    _bindings,
    _campaign,
    _one_per_period,
    _profile,
    _profile_params,
    _reading,
    _readings_query,
    _stamp,
    _store_bill,
    _subject,
    _subject_rows,
)
from storage.sqlite_thread import _FULL, _NO_FOREIGN_KEYS, T, Work, _in_transaction, _migrate

BUSY_TIMEOUT_MS = 5000
EXPORT_PAGE = 1000


def _path_of(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise StorageError(f"a SQLite url looks like sqlite:///data/meterbot.sqlite3, got {url!r}")
    path = url.removeprefix("sqlite:///")
    if path in ("", ":memory:"):
        return ":memory:"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


class SqliteStorage:
    """`Storage` on SQLite. Use `connect(url)`, then `migrate()`, and `close()` at the end."""

    engine = "sqlite"

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._closed = False
        self._queued = 0  # items put on the SQLite thread's queue (counted on the loop's thread)
        self._done = 0  # items it has finished (counted on that thread)

    @classmethod
    async def connect(cls, url: str) -> SqliteStorage:
        path = _path_of(url)
        try:
            # We BEGIN ourselves, and the connection is used from the loop's thread too (never
            # at the same time, see `_at_once`).
            db = await aiosqlite.connect(
                path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,  # for the set-up below; then 0 (`_waiting`)
            )
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open {path}: {exc}") from exc
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            # NORMAL at rest, FULL for every transaction `_atomically` calls durable (all but a
            # dialog turn's): a resident is told "accepted" once the commit returns, and NORMAL
            # in WAL mode may lose the last commits on a power cut (it survives process
            # crashes). A dialog turn's commit needs no fsync (see `save_turn`), and switching
            # the setting costs about as much as the turn's statements, so the rarer durable
            # transactions are the ones that switch.
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA temp_store = MEMORY")  # the import's staging table
            await db.execute("PRAGMA busy_timeout = 0")
        except sqlite3.Error as exc:
            await db.close()
            raise StorageError(f"cannot use {path}: {exc}") from exc
        return cls(db)

    # -- plumbing --------------------------------------------------------------------------
    # aiosqlite runs each call on the connection's own thread so that a slow call never
    # blocks the event loop. Every operation here is one function of the connection: either
    # one item on that thread's queue (`_on_thread`) or, when the thread has nothing to do,
    # called right away on the loop's thread (`_at_once`). Either way operations run one at a
    # time, in the order they were asked for, and never see each other's half-done work.
    async def _on_thread(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` as one item on the SQLite thread's queue, waiting up to
        the busy timeout for another process's lock.

        aiosqlite has no public call that runs a function on its thread, so this uses its
        `_execute`, the one every public method goes through (pinned in pyproject.toml).
        Once queued, the work runs to its end even if the caller is cancelled.
        """
        self._check_open()
        db = self._db
        self._queued += 1  # the put below happens before this coroutine can be suspended
        try:
            result: T = await db._execute(self._waiting, work, db._conn, *args)  # type: ignore[no-untyped-call]
        except sqlite3.Error as exc:
            raise StorageError(str(exc)) from exc
        return result

    def _waiting(self, work: Callable[..., T], conn: sqlite3.Connection, *args: Any) -> T:
        """On the SQLite thread: `work` with the busy timeout on, then counted as done."""
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            try:
                return work(conn, *args)
            finally:
                conn.execute("PRAGMA busy_timeout = 0")
        finally:
            self._done += 1  # the thread's last touch of the connection for this item

    async def _at_once(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` on the loop's thread if the SQLite thread is idle, else
        queued behind what it is doing.

        A dialog turn's reads and writes take tens of microseconds; the hand-over to the
        thread and back took 150 (a futex wake, then the loop's self-pipe), most of a turn's
        storage time. The connection rests at busy timeout 0, so here SQLite never waits: if
        another process holds a lock, the work gets SQLITE_BUSY before it has changed anything
        and goes to the thread, which waits for the lock without blocking the loop. Only
        short, bounded work comes here; an import batch or an export page always queues. A
        durable commit's fsync (0.4 ms on the benchmark's disk) is waited for here too: the
        one connection could serve no one else meanwhile, and queuing it cost 0.25 ms more.
        Nothing else runs on the connection meanwhile: the thread's queue is empty (every
        item counted in `_queued` is counted again in `_done` once finished) and this call
        does not yield until the work has ended.
        """
        self._check_open()
        if self._queued == self._done:
            try:
                return work(self._db._conn, *args)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise StorageError(str(exc)) from exc
            except sqlite3.Error as exc:
                raise StorageError(str(exc)) from exc
        return await self._on_thread(work, *args)

    async def _atomically(self, work: Work[T], *, durable: bool = True, bulk: bool = False) -> T:
        """`work` as one write transaction, committed with synchronous = FULL unless
        `durable` is False; `bulk` work (its size grows with the data) always queues."""
        run = self._on_thread if bulk else self._at_once
        return await run(_in_transaction, work, _FULL if durable else None)

    async def _change(
        self, sql: str, params: Sequence[Any], *more: tuple[str, Sequence[Any]]
    ) -> int:
        """The statement (and `more` after it) as one durable transaction; the rows the first
        one changed."""

        def change(conn: sqlite3.Connection) -> int:
            changed = conn.execute(sql, params).rowcount
            for other, other_params in more:
                conn.execute(other, other_params)
            return changed

        return await self._atomically(change)

    async def _all(self, sql: str, params: Sequence[Any] = (), *, bulk: bool = False) -> list[Any]:
        run = self._on_thread if bulk else self._at_once
        return await run(lambda conn: conn.execute(sql, params).fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self._at_once(lambda conn: conn.execute(sql, params).fetchone())

    # -- lifecycle ---------------------------------------------------------------------------
    async def migrate(self) -> list[int]:
        return await self._on_thread(_migrate, migrations.load("sqlite"))

    async def schema_versions(self) -> list[int]:
        rows = await self._all("SELECT version FROM schema_version ORDER BY version")
        return [int(r[0]) for r in rows]

    async def table_names(self) -> list[str]:
        rows = await self._all("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(r[0] for r in rows)

    async def ping(self) -> bool:
        try:
            await self._one("SELECT 1")
        except (StorageError, ValueError):
            return False
        return True

    async def close(self) -> None:
        self._closed = True
        await self._db.close()

    def _check_open(self) -> None:
        # aiosqlite says ValueError("Connection closed"); callers expect the storage's own error.
        if self._closed:
            raise StorageError("the database connection is closed")

    # -- accounts and meters -----------------------------------------------------------------
    async def upsert_accounts(self, rows: Iterable[ImportRow]) -> UpsertCounts:
        """New accounts go through a temporary table and set-based inserts; known ones are
        upserted row by row, keeping what `keep` names (storage/sqlite_import.py)."""
        plan = ImportPlan(_stamp(datetime.now(UTC)), rows)
        # One transaction without fsync or foreign key checks (see `_NO_FOREIGN_KEYS`).
        await self._on_thread(_in_transaction, partial(write_plan, plan=plan), _NO_FOREIGN_KEYS)
        return UpsertCounts(added=plan.added, updated=plan.updated)

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

    async def forget_chat(self, chat: ChatRef) -> None:
        """Erase bindings, profile, dialog state and failed tries; pending reminders are
        skipped. Readings stay: they belong to the account and the supplier's records."""
        key = (chat.channel, chat.user_id)
        await self._change(
            "UPDATE campaign_recipients SET status = 'skipped', detail = 'forgotten' "
            "WHERE channel = ? AND user_id = ? AND status = 'pending'",
            key,
            *(
                (f"DELETE FROM {table} WHERE channel = ? AND user_id = ?", key)  # noqa: S608
                for table in ("bindings", "chat_profiles", "dialog_states", "bind_failures")
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

    async def record_bind_failure(self, chat: ChatRef, at: datetime) -> None:
        await self._change(
            "INSERT INTO bind_failures (channel, user_id, at) VALUES (?, ?, ?)",
            (chat.channel, chat.user_id, _stamp(at)),
        )

    async def bind_failures_since(self, chat: ChatRef, since: datetime) -> list[datetime]:
        rows = await self._all(
            "SELECT at FROM bind_failures WHERE channel = ? AND user_id = ? AND at >= ? "
            "ORDER BY at",
            (chat.channel, chat.user_id, _stamp(since)),
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
        period = str(reading.period)
        now = _stamp(datetime.now(UTC))
        t1, t2, t3 = register_values(reading.values)
        values = (text_or_none(t1), text_or_none(t2), text_or_none(t3))
        origin = (
            reading.source.value, reading.channel, reading.chat_user,
            aware(reading.submitted_at).isoformat(),
        )  # fmt: skip

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
            meter = conn.execute(
                "SELECT id FROM meters WHERE account = ? ORDER BY active DESC, id DESC LIMIT 1",
                (account,),
            ).fetchone()
            if meter is None:
                raise StorageError(f"no meter on account {account[:5]}-***-**")
            superseded = conn.execute(
                "UPDATE readings SET is_current = 0 "
                "WHERE meter_id = ? AND period = ? AND is_current = 1",
                (meter[0], period),
            ).rowcount
            reading_id = conn.execute(
                "INSERT INTO readings (account, meter_id, period, t1, t2, t3, source, channel, "
                "chat_user, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (account, meter[0], period, *values, *origin),
            ).lastrowid
            conn.execute(
                "UPDATE bills SET is_current = 0 "
                "WHERE account = ? AND period = ? AND is_current = 1",
                (account, period) if bill is None else (bill.account, str(bill.period)),
            )
            if bill is not None:
                _store_bill(conn, bill, reading_id, now)
            return StoredSubmission(superseded=superseded > 0, duplicate=False)

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
            "SELECT id, period, basis, total, due, notes FROM bills "
            "WHERE account = ? AND is_current = 1 ORDER BY period DESC, id DESC LIMIT ?",
            (account, limit),
        )
        found = []
        for bill_id, period, basis, total, due, notes in heads:
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
                )
            )
        return found

    async def balance(self, account: str) -> Decimal:
        row = await self._one("SELECT amount FROM balances WHERE account = ?", (account,))
        return Decimal(0) if row is None else Decimal(row[0])

    async def set_balance(self, account: str, amount: Decimal) -> None:
        await self._change(
            "INSERT INTO balances (account, amount) VALUES (?, ?) "
            "ON CONFLICT (account) DO UPDATE SET amount = excluded.amount",
            (account, str(amount)),
        )

    async def export_readings(self, period: Period) -> AsyncIterator[ExportedReading]:
        """Current readings of a period by account, read in pages (the lock is not held
        between pages, so a long export never stalls residents)."""
        after: tuple[str, int] = ("", 0)
        while True:
            rows = await self._all(
                "SELECT r.account, m.serial, r.id, r.period, r.t1, r.t2, r.t3, r.source, "
                "r.submitted_at, r.channel, r.chat_user FROM readings r "
                "JOIN meters m ON m.id = r.meter_id WHERE r.period = ? AND r.is_current = 1 "
                "AND (r.account, r.id) > (?, ?) ORDER BY r.account, r.id LIMIT ?",
                (str(period), *after, EXPORT_PAGE),
                bulk=True,
            )
            for row in rows:
                yield ExportedReading(row[0], row[1], _reading(row[3:]))
            if len(rows) < EXPORT_PAGE:
                return
            after = (rows[-1][0], rows[-1][2])

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
