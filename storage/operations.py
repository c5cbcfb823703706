"""Every storage operation that means the same on both engines, written once over the
executor (`storage.sql`). An engine subclasses `Operations`, gives it its executor, and adds
only what differs (its module says why each part does).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
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
    SUBJECT_HISTORY,
    Binding,
    Campaign,
    ChatProfile,
    DialogState,
    ExportedReading,
    ImportedBalance,
    MoneyPosition,
    Recipient,
    RecipientStatus,
    StorageError,
    StoredSubmission,
    Subject,
)
from storage.chats import ChatRef
from storage.money import choose_position
from storage.rows import (
    ACCOUNT_SELECT,
    READING_COLUMNS,
    account_of,
    aware,
    day,
    moment,
    number,
    one_per_period,
    reading_of,
    register_values,
)
from storage.sql import Executor, Row, Statements

EXPORT_PAGE = 1000
_STATUSES = (
    RecipientStatus.PENDING, RecipientStatus.SENDING, RecipientStatus.SENT,
    RecipientStatus.BLOCKED, RecipientStatus.FAILED, RecipientStatus.SKIPPED,
)  # fmt: skip

SAVE_PROFILE = (
    "INSERT INTO chat_profiles (channel, user_id, locale, consent_at, reminders_on, blocked, "
    "current_account) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (channel, user_id) DO UPDATE SET locale = excluded.locale, "
    "consent_at = excluded.consent_at, reminders_on = excluded.reminders_on, "
    "blocked = excluded.blocked, current_account = excluded.current_account"
)
SAVE_STATE = (
    "INSERT INTO dialog_states (channel, user_id, state, data, subject) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (channel, user_id) DO UPDATE SET state = excluded.state, data = excluded.data, "
    "subject = excluded.subject"
)
CLAIM_UPDATE = (
    "INSERT INTO processed_updates (scope, channel, update_id, at) "
    "VALUES ('update', ?, ?, ?) ON CONFLICT DO NOTHING"
)
_CAMPAIGN = "SELECT id, kind, period, created_at FROM campaigns"
_BILL_HEADS = (
    "SELECT id, period, basis, total, due, notes, credit FROM bills "
    "WHERE account = ? AND is_current = TRUE ORDER BY period DESC, id DESC LIMIT ?"
)
_EXPORT = (
    "SELECT r.account, m.serial, r.id, r.period, r.t1, r.t2, r.t3, r.source, "
    "r.submitted_at, r.channel, r.chat_user, m.zones, (SELECT b.total FROM bills b "
    # The bill computed from the reading: found through `bills_by_account`, then its reading.
    "WHERE b.account = r.account AND b.is_current = TRUE AND b.period = r.period "
    "AND b.reading_id = r.id ORDER BY b.id DESC LIMIT 1) FROM readings r "
    "JOIN meters m ON m.id = r.meter_id WHERE r.period = ? AND r.is_current = TRUE "
    "AND (r.account, r.id) > (?, ?) ORDER BY r.account, r.id LIMIT ?"
)


def profile_params(profile: ChatProfile) -> tuple[Any, ...]:
    consent = None if profile.consent_at is None else aware(profile.consent_at)
    return (
        profile.chat.channel, profile.chat.user_id, profile.locale, consent,
        profile.reminders_on, profile.blocked, profile.current_account,
    )  # fmt: skip


def profile_of(chat: ChatRef, row: Row) -> ChatProfile:
    """A profile from (locale, consent_at, reminders_on, blocked, current_account)."""
    return ChatProfile(
        chat=chat,
        locale=row[0],
        consent_at=None if row[1] is None else moment(row[1]),
        reminders_on=bool(row[2]),
        blocked=bool(row[3]),
        current_account=row[4],
    )


def campaign_of(row: Row) -> Campaign:
    return Campaign(int(row[0]), row[1], Period.parse(row[2]), moment(row[3]))


def recipient_of(row: Row) -> Recipient:
    """A row of (id, campaign_id, channel, user_id, account, alias, attempts)."""
    return Recipient(row[0], row[1], ChatRef(row[2], row[3]), row[4], row[5], row[6])


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


def readings_query(
    account: str, limit: int, sources: Sequence[ReadingSource] | None = None
) -> tuple[str, list[Any]]:
    """What `readings` asks; `one_per_period` makes its rows the answer (twice the limit: a
    period with a meter replacement has two current readings)."""
    where, params = "account = ? AND is_current = TRUE", [account]
    if sources is not None:
        where += f" AND source IN ({placeholders(len(sources))})"
        params += [s.value for s in sources]
    sql = (
        f"SELECT {READING_COLUMNS} FROM readings WHERE {where} "  # noqa: S608
        "ORDER BY period DESC, id DESC LIMIT ?"
    )
    return sql, [*params, limit * 2]


async def write_reading(
    tx: Statements, account: str, reading: MeterReading, bill: Bill | None, lock: str
) -> bool:
    """`reading` as the period's current one and `bill` as its current bill, retiring (never
    deleting) the earlier ones; whether there was an earlier reading. Inside a transaction,
    the meter's row locked with `lock` (see `Operations.lock_rows`)."""
    period = str(reading.period)
    meter = await tx.one(
        "SELECT id FROM meters WHERE account = ? ORDER BY active DESC, id DESC LIMIT 1" + lock,  # noqa: S608
        account,
    )
    if meter is None:
        raise StorageError(f"no meter on account {account[:5]}-***-**")
    superseded = await tx.run(
        "UPDATE readings SET is_current = FALSE WHERE meter_id = ? AND period = ? "
        "AND is_current = TRUE",
        meter[0],
        period,
    )
    found = await tx.one(
        "INSERT INTO readings (account, meter_id, period, t1, t2, t3, source, channel, "
        "chat_user, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        account, meter[0], period, *register_values(reading.values), reading.source.value,
        reading.channel, reading.chat_user, aware(reading.submitted_at),
    )  # fmt: skip
    await tx.run(
        "UPDATE bills SET is_current = FALSE WHERE account = ? AND period = ? "
        "AND is_current = TRUE",
        account if bill is None else bill.account,
        period if bill is None else str(bill.period),
    )
    if bill is not None and found is not None:
        await _store_bill(tx, bill, found[0])
    return superseded > 0


async def _store_bill(tx: Statements, bill: Bill, reading_id: int) -> None:
    found = await tx.one(
        "INSERT INTO bills (account, period, basis, total, due, notes, reading_id, created_at, "
        "credit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        bill.account, str(bill.period), bill.basis.value, bill.total, bill.due,
        json.dumps(list(bill.notes), ensure_ascii=False), reading_id, datetime.now(UTC),
        bill.credit,
    )  # fmt: skip
    assert found is not None  # noqa: S101 - RETURNING of an INSERT that raised nothing
    await tx.many(
        "INSERT INTO bill_lines (bill_id, position, label, quantity_kwh, rate, amount) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (found[0], i, line.label, line.quantity_kwh, line.rate, line.amount)
            for i, line in enumerate(bill.lines)
        ],
    )


class Operations:
    """The operations of `storage.base.Storage` both engines share."""

    ex: Executor
    # Appended to a SELECT that locks the rows it reads until the transaction ends: " FOR
    # UPDATE" on PostgreSQL; nothing on SQLite, whose write transactions hold the whole file.
    lock_rows = ""
    # Appended to the SELECT that picks recipients to claim: " FOR UPDATE SKIP LOCKED" on
    # PostgreSQL, so that two processes never claim one row and neither waits for the other;
    # nothing on SQLite, served by one process.
    skip_locked = ""

    # -- accounts ------------------------------------------------------------------------------
    async def get_account(self, number: str) -> Account | None:
        row = await self.ex.one(f"{ACCOUNT_SELECT} WHERE a.number = ?", number)
        return None if row is None else account_of(row)

    async def find_account(self, number: str, meter_serial: str) -> Account | None:
        account = await self.get_account(number)
        if account is None or account.meter.serial != meter_serial:
            return None
        return account

    async def find_accounts_by_phone(self, phone: str) -> list[Account]:
        rows = await self.ex.all(
            f"{ACCOUNT_SELECT} JOIN account_phones p ON p.account = a.number "
            "WHERE p.phone = ? ORDER BY a.number",
            phone,
        )
        return [account_of(row) for row in rows]

    async def count_accounts(self) -> int:
        row = await self.ex.one("SELECT count(*) FROM accounts")
        return 0 if row is None else int(row[0])

    # -- chats ---------------------------------------------------------------------------------
    async def get_profile(self, chat: ChatRef) -> ChatProfile | None:
        row = await self.ex.one(
            "SELECT locale, consent_at, reminders_on, blocked, current_account "
            "FROM chat_profiles WHERE channel = ? AND user_id = ?",
            chat.channel,
            chat.user_id,
        )
        return None if row is None else profile_of(chat, row)

    async def save_profile(self, profile: ChatProfile) -> None:
        await self.ex.run(SAVE_PROFILE, *profile_params(profile))

    async def set_blocked(self, chat: ChatRef, blocked: bool) -> None:
        await self.ex.run(
            "INSERT INTO chat_profiles (channel, user_id, blocked) VALUES (?, ?, ?) "
            "ON CONFLICT (channel, user_id) DO UPDATE SET blocked = excluded.blocked",
            chat.channel,
            chat.user_id,
            blocked,
        )

    async def bindings(self, chat: ChatRef) -> list[Binding]:
        rows = await self.ex.all(
            "SELECT account, alias, bound_at FROM bindings WHERE channel = ? AND user_id = ? "
            "ORDER BY bound_at, account",
            chat.channel,
            chat.user_id,
        )
        return [Binding(chat, r[0], r[1], moment(r[2])) for r in rows]

    async def chats_of_account(self, account: str) -> list[ChatRef]:
        rows = await self.ex.all(
            "SELECT channel, user_id FROM bindings WHERE account = ? ORDER BY channel, user_id",
            account,
        )
        return [ChatRef(r[0], r[1]) for r in rows]

    async def bind(self, chat: ChatRef, account: str, alias: str, at: datetime) -> bool:
        async def bind(tx: Statements) -> bool:
            if await tx.one("SELECT 1 FROM accounts WHERE number = ?", account) is None:
                raise StorageError(f"no account {account[:5]}-***-** to bind")
            added = await tx.run(
                "INSERT INTO bindings (channel, user_id, account, alias, bound_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                chat.channel, chat.user_id, account, alias, aware(at),
            )  # fmt: skip
            return added == 1

        return await self.ex.transaction(bind)

    async def rename_binding(self, chat: ChatRef, account: str, alias: str) -> None:
        await self.ex.run(
            "UPDATE bindings SET alias = ? WHERE channel = ? AND user_id = ? AND account = ?",
            alias, chat.channel, chat.user_id, account,
        )  # fmt: skip

    async def unbind(self, chat: ChatRef, account: str) -> None:
        key = (chat.channel, chat.user_id, account)

        async def unbind(tx: Statements) -> None:
            await tx.run(
                "DELETE FROM bindings WHERE channel = ? AND user_id = ? AND account = ?", *key
            )
            await tx.run(
                "UPDATE chat_profiles SET current_account = NULL "
                "WHERE channel = ? AND user_id = ? AND current_account = ?",
                *key,
            )

        await self.ex.transaction(unbind)

    async def forget_chat(self, chat: ChatRef, pseudonym: str) -> None:
        key = (chat.channel, chat.user_id)

        async def forget(tx: Statements) -> None:
            await tx.run(
                "UPDATE campaign_recipients SET status = 'skipped', detail = 'forgotten' "
                "WHERE channel = ? AND user_id = ? AND status = 'pending'",
                *key,
            )
            await tx.run(
                "UPDATE campaign_recipients SET user_id = ?, alias = '' "
                "WHERE channel = ? AND user_id = ?",
                pseudonym,
                *key,
            )
            await tx.run(
                "UPDATE readings SET chat_user = ? WHERE channel = ? AND chat_user = ?",
                pseudonym,
                *key,
            )
            for table in ("outage_opt_outs", "bindings", "chat_profiles", "dialog_states"):
                await tx.run(f"DELETE FROM {table} WHERE channel = ? AND user_id = ?", *key)  # noqa: S608

        await self.ex.transaction(forget)

    async def load_state(self, chat: ChatRef) -> DialogState | None:
        row = await self.ex.one(
            "SELECT state, data, subject FROM dialog_states WHERE channel = ? AND user_id = ?",
            chat.channel,
            chat.user_id,
        )
        return None if row is None else DialogState(row[0], json.loads(row[1]), row[2])

    async def save_state(self, chat: ChatRef, state: DialogState) -> None:
        data = json.dumps(state.data, ensure_ascii=False)
        await self.ex.run(SAVE_STATE, chat.channel, chat.user_id, state.state, data, state.subject)

    async def record_bind_failure(self, chat_key: str, account: str, at: datetime) -> None:
        await self.ex.run(
            "INSERT INTO bind_failures (chat_key, account, at) VALUES (?, ?, ?)",
            chat_key,
            account,
            aware(at),
        )

    async def bind_failures_since(self, chat_key: str, since: datetime) -> list[datetime]:
        rows = await self.ex.all(
            "SELECT at FROM bind_failures WHERE chat_key = ? AND at >= ? ORDER BY at",
            chat_key,
            aware(since),
        )
        return [moment(r[0]) for r in rows]

    async def account_bind_failures_since(self, account: str, since: datetime) -> list[datetime]:
        rows = await self.ex.all(
            "SELECT at FROM bind_failures WHERE account = ? AND at >= ? ORDER BY at",
            account,
            aware(since),
        )
        return [moment(r[0]) for r in rows]

    async def claim_update(self, channel: str, update_id: str) -> bool:
        return await self.ex.run(CLAIM_UPDATE, channel, update_id, datetime.now(UTC)) == 1

    async def prune(self, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
        before = aware(before)

        async def failures(tx: Statements) -> int:
            return await tx.run("DELETE FROM bind_failures WHERE at < ?", before)

        async def some_updates(tx: Statements) -> int:
            # The oldest processed update ids, a batch at a time (processed_updates_by_age).
            return await tx.run(
                "DELETE FROM processed_updates WHERE (scope, channel, update_id) IN ("
                "SELECT scope, channel, update_id FROM processed_updates WHERE at < ? LIMIT ?)",
                before,
                batch,
            )

        # Not durable: a prune lost to a power cut is simply done again the next day.
        removed = await self.ex.transaction(failures, durable=False, bulk=True)
        while True:
            gone = await self.ex.transaction(some_updates, durable=False, bulk=True)
            removed += gone
            if gone < batch:
                return removed

    # -- readings and bills --------------------------------------------------------------------
    async def record_submission(
        self,
        account: str,
        reading: MeterReading,
        bill: Bill | None,
        update_id: str | None = None,
    ) -> StoredSubmission:
        async def submit(tx: Statements) -> StoredSubmission:
            if update_id is not None and (
                await tx.run(
                    "INSERT INTO processed_updates (scope, channel, update_id, at) "
                    "VALUES ('submission', ?, ?, ?) ON CONFLICT DO NOTHING",
                    reading.channel,
                    update_id,
                    datetime.now(UTC),
                )
                != 1
            ):
                return StoredSubmission(superseded=False, duplicate=True)
            superseded = await write_reading(tx, account, reading, bill, self.lock_rows)
            return StoredSubmission(superseded=superseded, duplicate=False)

        return await self.ex.transaction(submit)

    async def current_reading(self, account: str, period: Period) -> MeterReading | None:
        row = await self.ex.one(
            f"SELECT {READING_COLUMNS} FROM readings WHERE account = ? AND period = ? "  # noqa: S608
            "AND is_current = TRUE ORDER BY id DESC LIMIT 1",
            account,
            str(period),
        )
        return None if row is None else reading_of(row)

    async def readings(
        self, account: str, *, limit: int = 12, sources: Sequence[ReadingSource] | None = None
    ) -> list[MeterReading]:
        """Current readings newest first, one per period."""
        sql, params = readings_query(account, limit, sources)
        rows = await self.ex.all(sql, *params)
        return one_per_period(map(reading_of, rows), limit)

    async def reading_history(self, account: str, period: Period) -> list[MeterReading]:
        rows = await self.ex.all(
            f"SELECT {READING_COLUMNS} FROM readings WHERE account = ? AND period = ? "  # noqa: S608
            "ORDER BY id",
            account,
            str(period),
        )
        return [reading_of(r) for r in rows]

    async def load_subject(self, number: str) -> Subject:
        account = await self.get_account(number)
        if account is None:
            return Subject(number, None, ())
        return Subject(number, account, tuple(await self.readings(number, limit=SUBJECT_HISTORY)))

    async def latest_bill(self, account: str) -> Bill | None:
        found = await self.bills(account, limit=1)
        return found[0] if found else None

    async def bills(self, account: str, *, limit: int = 12) -> list[Bill]:
        """The current bill of each period, newest period first."""
        heads = await self.ex.all(_BILL_HEADS, account, limit)
        if not heads:
            return []
        lines = await self.ex.all(
            "SELECT bill_id, label, quantity_kwh, rate, amount FROM bill_lines "  # noqa: S608
            f"WHERE bill_id IN ({placeholders(len(heads))}) ORDER BY bill_id, position",
            *(head[0] for head in heads),
        )
        by_bill: dict[int, list[BillLine]] = {}
        for line in lines:
            by_bill.setdefault(line[0], []).append(
                BillLine(line[1], number(line[2]), number(line[3]), number(line[4]))
            )
        return [
            Bill(
                account=account,
                period=Period.parse(period),
                basis=BillBasis(basis),
                lines=tuple(by_bill.get(bill_id, ())),
                total=number(total),
                due=day(due),
                notes=tuple(json.loads(notes)),
                credit=number(credit),
            )
            for bill_id, period, basis, total, due, notes, credit in heads
        ]

    async def accounts_to_estimate(
        self, period: Period, *, after: str = "", limit: int = 500
    ) -> list[str]:
        rows = await self.ex.bulk(
            "SELECT a.number FROM accounts a WHERE a.status = 'active' AND a.number > ? "
            "AND EXISTS (SELECT 1 FROM meters m WHERE m.account = a.number AND m.active = TRUE) "
            "AND NOT EXISTS (SELECT 1 FROM readings r "
            "WHERE r.account = a.number AND r.is_current = TRUE AND r.period = ?) "
            "ORDER BY a.number LIMIT ?",
            after,
            str(period),
            limit,
        )
        return [row[0] for row in rows]

    async def record_estimates(
        self, estimates: Sequence[tuple[str, MeterReading, Bill]]
    ) -> list[str]:
        async def write(tx: Statements) -> list[str]:
            stored = []
            for account, reading, bill in estimates:
                if await tx.one(
                    "SELECT 1 FROM readings WHERE account = ? AND is_current = TRUE "
                    "AND period = ?",
                    account,
                    str(reading.period),
                ):
                    continue  # a reading came in meanwhile: it stands, no estimate is needed
                await write_reading(tx, account, reading, bill, self.lock_rows)
                stored.append(account)
            return stored

        return await self.ex.transaction(write, bulk=True)

    async def export_readings(self, period: Period) -> AsyncIterator[ExportedReading]:
        """Current readings of a period by account, read in pages (nothing is held between
        pages, so a long export never stalls residents)."""
        after: tuple[str, int] = ("", 0)
        while True:
            rows = await self.ex.bulk(_EXPORT, str(period), *after, EXPORT_PAGE)
            for row in rows:
                amount = None if row[12] is None else number(row[12])
                yield ExportedReading(row[0], row[1], reading_of(row[3:11]), row[11], amount)
            if len(rows) < EXPORT_PAGE:
                return
            after = (rows[-1][0], rows[-1][2])

    # -- money ---------------------------------------------------------------------------------
    async def money_position(self, account: str, before: Period) -> MoneyPosition:
        bill = await self.ex.one(
            "SELECT period, credit FROM bills WHERE account = ? AND is_current = TRUE "
            "AND period < ? ORDER BY period DESC, id DESC LIMIT 1",
            account,
            str(before),
        )
        row = await self.ex.one(
            "SELECT amount, as_of, last_payment_date, last_payment_amount FROM balances "
            "WHERE account = ?",
            account,
        )
        return choose_position(
            None if bill is None else (Period.parse(bill[0]), number(bill[1])),
            None
            if row is None
            else (
                number(row[0]),
                None if row[1] is None else day(row[1]),
                None if row[2] is None else day(row[2]),
                None if row[3] is None else number(row[3]),
            ),
        )

    async def record_balance(self, balance: ImportedBalance) -> bool:
        taken = await self.ex.run(
            "INSERT INTO balances (account, amount, as_of, last_payment_date, "
            "last_payment_amount) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET "
            "amount = excluded.amount, as_of = excluded.as_of, "
            "last_payment_date = excluded.last_payment_date, "
            "last_payment_amount = excluded.last_payment_amount "
            "WHERE balances.as_of IS NULL OR balances.as_of <= excluded.as_of",
            balance.account, balance.amount, balance.as_of, balance.last_payment_date,
            balance.last_payment_amount,
        )  # fmt: skip
        return taken == 1

    # -- reminder campaigns --------------------------------------------------------------------
    async def claim_recipients(
        self, campaign_id: int, limit: int, *, channel: str | None = None
    ) -> list[Recipient]:
        only = "AND channel = ? " if channel is not None else ""
        params = (campaign_id, channel, limit) if channel is not None else (campaign_id, limit)

        async def claim(tx: Statements) -> list[Row]:
            return await tx.all(
                "UPDATE campaign_recipients SET status = 'sending' WHERE id IN ("  # noqa: S608
                "SELECT id FROM campaign_recipients WHERE campaign_id = ? AND status = 'pending' "
                f"{only}ORDER BY id LIMIT ?{self.skip_locked}) "
                "RETURNING id, campaign_id, channel, user_id, account, alias, attempts",
                *params,
            )

        rows = await self.ex.transaction(claim)
        return sorted(map(recipient_of, rows), key=lambda r: r.id)

    async def campaign_candidates(self, period: Period, *, only_missing: bool) -> list[Recipient]:
        missing = (
            "AND NOT EXISTS (SELECT 1 FROM readings r WHERE r.account = b.account "
            "AND r.period = ? AND r.is_current = TRUE) "
        )
        rows = await self.ex.bulk(
            "SELECT b.channel, b.user_id, b.account, b.alias FROM bindings b "  # noqa: S608
            "JOIN accounts a ON a.number = b.account AND a.status = 'active' "
            "LEFT JOIN chat_profiles p ON p.channel = b.channel AND p.user_id = b.user_id "
            "WHERE coalesce(p.reminders_on, TRUE) = TRUE AND coalesce(p.blocked, FALSE) = FALSE "
            "AND EXISTS (SELECT 1 FROM meters m WHERE m.account = b.account AND m.active = TRUE) "
            f"{missing if only_missing else ''}ORDER BY b.channel, b.user_id, b.account",
            *((str(period),) if only_missing else ()),
        )
        return [Recipient(0, 0, ChatRef(r[0], r[1]), r[2], r[3]) for r in rows]

    async def create_campaign(
        self, kind: str, period: Period, recipients: Sequence[Recipient], at: datetime
    ) -> tuple[int, bool]:
        async def create(tx: Statements) -> tuple[int, bool]:
            created = await tx.run(
                "INSERT INTO campaigns (kind, period, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                kind,
                str(period),
                aware(at),
            )
            found = await tx.one(
                "SELECT id FROM campaigns WHERE kind = ? AND period = ?", kind, str(period)
            )
            assert found is not None  # noqa: S101 - inserted or there already
            if created:
                await tx.many(
                    "INSERT INTO campaign_recipients (campaign_id, channel, user_id, account, "
                    "alias) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        (found[0], r.chat.channel, r.chat.user_id, r.account, r.alias)
                        for r in recipients
                    ],
                )
            return int(found[0]), bool(created)

        return await self.ex.transaction(create, bulk=True)

    async def finish_recipient(self, recipient_id: int, status: str, detail: str = "") -> None:
        await self.finish_recipients([(recipient_id, status, detail)])

    async def finish_recipients(self, outcomes: Sequence[tuple[int, str, str]]) -> None:
        await self.ex.many(
            "UPDATE campaign_recipients SET status = ?, detail = ?, attempts = attempts + 1 "
            "WHERE id = ?",
            [(status, detail, recipient_id) for recipient_id, status, detail in outcomes],
        )

    async def release_recipient(self, recipient_id: int) -> None:
        await self.ex.run(
            "UPDATE campaign_recipients SET status = 'pending', attempts = attempts + 1 "
            "WHERE id = ? AND status = 'sending'",
            recipient_id,
        )

    async def campaign_counts(self, campaign_id: int) -> dict[str, int]:
        """Rows per status; every status is present, zero when it has none."""
        rows = await self.ex.all(
            "SELECT status, count(*) FROM campaign_recipients WHERE campaign_id = ? "
            "GROUP BY status",
            campaign_id,
        )
        counts = dict.fromkeys(_STATUSES, 0)
        counts.update((status, int(count)) for status, count in rows)
        return counts

    async def open_campaigns(self) -> list[int]:
        rows = await self.ex.all(
            "SELECT c.id FROM campaigns c WHERE EXISTS (SELECT 1 FROM campaign_recipients r "
            "WHERE r.campaign_id = c.id AND r.status = 'pending') ORDER BY c.id"
        )
        return [int(r[0]) for r in rows]

    async def get_campaign(self, campaign_id: int) -> Campaign | None:
        row = await self.ex.one(f"{_CAMPAIGN} WHERE id = ?", campaign_id)
        return None if row is None else campaign_of(row)

    async def find_campaign(self, kind: str, period: Period) -> Campaign | None:
        row = await self.ex.one(
            f"{_CAMPAIGN} WHERE kind = ? AND period = ?",
            kind,
            str(period),
        )
        return None if row is None else campaign_of(row)
