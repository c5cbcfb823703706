"""The storage interface every layer above uses: no SQL outside `storage/`.

It comes in ports, one per kind of consumer (`ConversationStore` for dialogs, `CampaignStore`
for reminders and outage notices, `OutageStore` (storage/outages.py) for the outage commands and
notices, `ClosingStore`, `OperatorStore`, `HousekeepingStore`, `HealthStore`, `Lifecycle`); each
consumer names only its port, so a test fake implements only that. `Storage` is all of them.
Two implementations satisfy it (aiosqlite, asyncpg) and one contract suite tests both.
Every method is its own transaction unless it says otherwise; `record_submission` is the
one that must be atomic across several tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from billing_core.models import Account, Bill, MeterReading, Period, Readings, ReadingSource
from storage.chats import ChatRef
from storage.outages import ChatOutages, OutageStore


class StorageError(Exception):
    """The database could not be reached or refused an operation."""


class SchemaTooNew(StorageError):
    """The database's schema is newer than this code knows: a newer meterbot migrated it."""


def schema_too_new(found: int, known: int) -> SchemaTooNew:
    return SchemaTooNew(
        f"the schema is version {found}, newer than this meterbot knows ({known}): a newer "
        "meterbot has migrated it; run that version, or restore the backup taken before it"
    )


@dataclass(frozen=True, slots=True)
class ChatProfile:
    chat: ChatRef
    locale: str = "ru"
    consent_at: datetime | None = None
    reminders_on: bool = True
    blocked: bool = False  # the resident blocked the bot (Telegram) or unsubscribed (Viber)
    current_account: str | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    chat: ChatRef
    account: str
    alias: str
    bound_at: datetime


# Periods of readings `load_chat` brings along with a state's subject account: enough for the
# six-month average and the missed-months rule.
SUBJECT_HISTORY = 24
PRUNE_BATCH = 5000  # rows a prune deletes per transaction


@dataclass(frozen=True, slots=True)
class DialogState:
    state: str = "menu"
    data: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable only
    # The account the state is about (a submission in progress): `load_chat` reads that
    # account and its recent readings in the same trip as the state.
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """A state's subject account as `load_chat` read it: None when it no longer exists, and
    its current readings newest first, one per period, at most `SUBJECT_HISTORY`."""

    number: str
    account: Account | None
    history: tuple[MeterReading, ...]


@dataclass(frozen=True, slots=True)
class ChatSnapshot:
    """What a dialog turn starts from, read in one round trip by `load_chat`."""

    profile: ChatProfile | None
    state: DialogState | None
    seen: bool  # `save_turn` recorded this update id: a turn ran to its end for it before
    # The chat's bindings in `bindings()` order when the backend read them in the same trip;
    # None when it did not (the dialog then asks `bindings()`). Not part of equality: two
    # snapshots of one chat are the same turn start whether or not the bindings came along.
    bindings: tuple[Binding, ...] | None = field(default=None, compare=False)
    # The state's subject, read in the same trip when the state names one (see `DialogState`).
    subject: Subject | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ImportedBalance:
    """An account's balance in the supplier's billing system as of a day (Balances CSV)."""

    account: str
    as_of: date
    amount: Decimal  # positive: a debt; negative: an overpayment
    last_payment_date: date | None = None
    last_payment_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BalanceCounts:
    """What `record_balances` did with a file's balances: taken, skipped as older than the
    one stored (or than an earlier row of the same account), and the positions of those whose
    account is not in the accounts (nothing stored for them)."""

    taken: int = 0
    older: int = 0
    unknown: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MoneyPosition:
    """What an account owes (positive) or has in credit (negative) before a bill, and where the
    figure comes from: "bill" (the credit the bill of `period` carried), "imported" (the
    billing system's balance as of `as_of`) or "none" (nothing known: zero)."""

    amount: Decimal = Decimal(0)
    source: str = "none"
    period: Period | None = None
    as_of: date | None = None
    last_payment_date: date | None = None
    last_payment_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class StoredSubmission:
    superseded: bool  # a reading for this period existed and was replaced (kept in history)
    duplicate: bool  # the update id was seen before: nothing was stored


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One account row as `import-accounts` hands it to storage (already validated)."""

    account: Account
    last_period: Period | None = None
    last_values: Readings | None = None
    # Account fields the file left empty or had no column for ("address", "stove", "status",
    # "residents", "area_m2", "phones", "digits", "window_start_day", "window_end_day"): an
    # existing account keeps its stored value for these.
    keep: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    added: int
    updated: int
    # Rows the database refused (storage/import_refusals.py), none of them written: each as
    # (position in the batch, every reason `; `-joined), by position.
    rejected: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ExportedReading:
    account: str
    meter_serial: str
    reading: MeterReading
    zones: int  # of the meter the reading is for
    amount: Decimal | None = None  # the bill computed from this reading, as residents were told


@dataclass(frozen=True, slots=True)
class Recipient:
    """One row of a reminder campaign: one chat, one account."""

    id: int
    campaign_id: int
    chat: ChatRef
    account: str
    alias: str
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Campaign:
    """One reminder campaign: unique per (kind, period)."""

    id: int
    kind: str  # "opening" | "last-call"
    period: Period
    created_at: datetime


class RecipientStatus:
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; marked before the send, see bot/reminders
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    SKIPPED = "skipped"


class LeaderLock(Protocol):
    """One leader among the processes sharing a database (storage/leader.py)."""

    async def try_acquire(self) -> bool:
        """True when this process holds (or has just taken) the lock; StorageError when the
        database cannot be asked."""

    async def held(self) -> bool:
        """Whether the lock is still ours (False once its connection is gone)."""

    async def release(self) -> None: ...


class ChatDirectory(Protocol):
    """Who a chat is and what it may see: shared by conversations and campaigns."""

    async def get_account(self, number: str) -> Account | None: ...
    async def get_profile(self, chat: ChatRef) -> ChatProfile | None: ...
    async def bindings(self, chat: ChatRef) -> list[Binding]: ...
    async def set_blocked(self, chat: ChatRef, blocked: bool) -> None: ...


class BillingHistory(Protocol):
    """What a bill is computed from: shared by conversations and the month's closing."""

    async def load_subject(self, number: str) -> Subject:
        """The account and its `readings(limit=SUBJECT_HISTORY)`, as `load_chat` brings a
        state's subject along."""

    async def money_position(self, account: str, before: Period) -> MoneyPosition:
        """What the account owes or has in credit before the bill for `before`: the credit the
        latest current bill of an earlier period carried, unless the billing system's balance
        (`record_balance`) is newer — as of a day in a later month than that bill's period —
        in which case that balance. The one figure every bill is computed with."""


class ConversationStore(ChatDirectory, BillingHistory, ChatOutages, Protocol):
    """What a dialog turn needs (dialogs/)."""

    def chat_turn(self, chat: ChatRef) -> AbstractAsyncContextManager[None]:
        """Held around one dialog turn of `chat`, from `load_chat` to `save_turn`: another
        process's turn of the same chat waits until this one is left, so two updates of one
        chat handled by two processes at once never both start from the same step. Within a
        process the engine keeps its own lock per chat. Raises StorageError when the database
        cannot be reached."""

    async def load_chat(self, chat: ChatRef, update_id: str | None = None) -> ChatSnapshot:
        """The chat's profile and dialog state, and whether `save_turn` (or `claim_update`)
        recorded `update_id` for the chat's channel, in one round trip; with them the chat's
        bindings and the state's subject (`Subject`) when the backend reads them in that trip."""

    async def save_turn(
        self,
        chat: ChatRef,
        profile: ChatProfile | None,
        state: DialogState | None,
        update_id: str | None = None,
    ) -> bool:
        """In one transaction: record `update_id` as processed for the chat's channel (as
        `claim_update` does), save `state` and `profile`; None leaves that part as it is.
        The first turn to commit an update id wins: when the id is already recorded (the same
        update was handled meanwhile, e.g. delivered twice at once to two processes), nothing
        is written and the answer is False, so that only one of them replies.
        Nothing it writes is ever confirmed to a resident, so an engine may commit it without
        waiting for the disk (SQLite: synchronous = NORMAL); a power cut may then lose the
        last turns, never a submission."""

    async def claim_update(self, channel: str, update_id: str) -> bool:
        """True the first time an update id is seen for a channel, False ever after (until
        `prune` removes it)."""

    async def save_profile(self, profile: ChatProfile) -> None: ...
    async def find_accounts_by_phone(self, phone: str) -> list[Account]: ...
    async def bind(self, chat: ChatRef, account: str, alias: str, at: datetime) -> bool:
        """Bind; False when this chat already has this account (alias left unchanged)."""

    async def rename_binding(self, chat: ChatRef, account: str, alias: str) -> None: ...
    async def unbind(self, chat: ChatRef, account: str) -> None: ...
    async def forget_chat(self, chat: ChatRef, pseudonym: str) -> None:
        """/forget: erase the chat's bindings, profile and dialog state, and put `pseudonym`
        (a keyed hash of the chat, see `dialogs.pseudonym`) where its messenger id stood in the
        rows that stay: its readings' `chat_user` (they belong to the account and the supplier's
        records, and operators still count them per channel) and its reminder campaign rows (the
        alias blanked, pending ones skipped). Failed binding tries are kept under a keyed hash
        already and stay, so a lockout outlives /forget."""

    async def record_bind_failure(self, chat_key: str, account: str, at: datetime) -> None:
        """One failed binding try by the chat whose keyed hash is `chat_key`, aimed at
        `account` (as typed or found; empty when the try named none)."""

    async def bind_failures_since(self, chat_key: str, since: datetime) -> list[datetime]:
        """When the chat failed since `since`, oldest first."""

    async def account_bind_failures_since(self, account: str, since: datetime) -> list[datetime]:
        """When any chat failed a try aimed at `account` since `since`, oldest first."""

    async def record_submission(
        self,
        account: str,
        reading: MeterReading,
        bill: Bill | None,
        update_id: str | None = None,
    ) -> StoredSubmission:
        """Store the reading as the period's current one (superseding, never deleting, an earlier
        one), and its bill, in one transaction. With an update id that an earlier
        `record_submission` recorded for the reading's channel, store nothing (`claim_update`
        keeps its own record, so a dialog may claim an update and then submit under the same id).
        `bill` is None for a meter's very first reading (nothing to measure consumption from):
        the reading is stored and the period's earlier bill, if any, stops being current."""

    async def readings(
        self, account: str, *, limit: int = 12, sources: Sequence[ReadingSource] | None = None
    ) -> list[MeterReading]:
        """Current readings newest first, one per period."""

    async def latest_bill(self, account: str) -> Bill | None: ...
    async def bills(self, account: str, *, limit: int = 12) -> list[Bill]: ...


class CampaignStore(ChatDirectory, Protocol):
    """What reminder and outage campaigns need (bot/reminders, bot/outages)."""

    async def current_reading(self, account: str, period: Period) -> MeterReading | None: ...
    async def campaign_candidates(self, period: Period, *, only_missing: bool) -> list[Recipient]:
        """Chats to remind: reminders on, not blocked, active accounts; with only_missing, those
        whose account has no current reading for the period. Ids are 0 until written."""

    async def create_campaign(
        self, kind: str, period: Period, recipients: Sequence[Recipient], at: datetime
    ) -> tuple[int, bool]:
        """One campaign per (kind, period): returns (id, created). Writes one row a recipient."""

    async def claim_recipients(
        self, campaign_id: int, limit: int, *, channel: str | None = None
    ) -> list[Recipient]:
        """Mark up to `limit` pending rows as sending and return them, lowest id first; with
        `channel`, only that channel's rows (each channel has its own pace). Safe across
        processes: two callers never get the same row (FOR UPDATE SKIP LOCKED on PostgreSQL)."""

    async def finish_recipient(self, recipient_id: int, status: str, detail: str = "") -> None: ...
    async def finish_recipients(self, outcomes: Sequence[tuple[int, str, str]]) -> None:
        """`finish_recipient` for many rows, each (id, status, detail), in one transaction: at
        a paid-broadcast pace one commit per message would cost more than the message."""

    async def release_recipient(self, recipient_id: int) -> None:
        """Put a claimed row back to pending (a transient failure); counts an attempt."""

    async def campaign_counts(self, campaign_id: int) -> dict[str, int]: ...
    async def open_campaigns(self) -> list[int]:
        """Ids of campaigns that still have a pending row, oldest first."""

    async def get_campaign(self, campaign_id: int) -> Campaign | None: ...
    async def find_campaign(self, kind: str, period: Period) -> Campaign | None:
        """The campaign of this (kind, period) if one was created; writes nothing."""


class ClosingStore(BillingHistory, Protocol):
    """What closing a period needs (bot/closing.py)."""

    async def accounts_to_estimate(
        self, period: Period, *, after: str = "", limit: int = 500
    ) -> list[str]:
        """Active accounts with an active meter and no current reading for `period`: the
        numbers above `after`, in order, at most `limit` (page on with the last one)."""

    async def record_estimates(
        self, estimates: Sequence[tuple[str, MeterReading, Bill]]
    ) -> list[str]:
        """Store each (account, ESTIMATED reading, bill) as `record_submission` would, all in
        one durable transaction, skipping an account that has a current reading for the period
        by now (an estimate never replaces a reading); the accounts stored."""


class OperatorStore(Protocol):
    """What the operators' imports and exports need (bot/operator.py, bot/balances.py, the
    demo)."""

    # Whether `upsert_accounts` reads a `storage.import_rows.StagedRows` batch from its file
    # itself; an engine that does not would only load the rows back (any batch still works).
    reads_staged_rows: bool

    async def upsert_accounts(self, rows: Iterable[ImportRow]) -> UpsertCounts: ...
    async def count_accounts(self) -> int: ...
    async def find_account(self, number: str, meter_serial: str) -> Account | None:
        """The account only when the pair matches (binding needs both halves right)."""

    async def record_balance(self, balance: ImportedBalance) -> bool:
        """Store the billing system's balance of an account (replacing the one stored); False,
        storing nothing, when the stored one is as of a later day."""

    async def record_balances(self, balances: Sequence[ImportedBalance]) -> BalanceCounts:
        """`record_balance` of each, in order, in one transaction (an account's later row
        replaces its earlier one unless older), by set: a file of them at once."""

    def export_readings(self, period: Period) -> AsyncIterator[ExportedReading]: ...


class HousekeepingStore(Protocol):
    """What the daily housekeeping needs (bot/housekeeping.py)."""

    async def prune(self, before: datetime, *, batch: int = PRUNE_BATCH) -> int:
        """Delete the processed update ids and failed binding tries recorded before `before`;
        how many rows went. Runs in transactions of at most `batch` rows, so residents' writes
        never wait long behind it. An update id older than `before` is no longer recognised:
        keep them longer than any platform redelivers."""


class HealthStore(Protocol):
    """What the health check asks (bot/http.py)."""

    async def ping(self) -> bool: ...


class Lifecycle(HealthStore, Protocol):
    """Opening, migrating and closing a database (bot/database.py, bot/app.py)."""

    async def migrate(self) -> list[int]:
        """Apply pending migrations; return the versions applied (empty when up to date).
        SchemaTooNew when the database has a version this code does not know."""

    async def schema_version(self) -> int:
        """The newest schema version applied to the database; 0 when it has none (empty)."""

    async def close(self) -> None: ...
    def leader_lock(self, name: str) -> LeaderLock:
        """The lock that makes one process among those sharing the database the `name` leader
        (the scheduler's): an advisory lock on PostgreSQL; SQLite's only process always leads."""
        ...


class Storage(
    ConversationStore,
    CampaignStore,
    ClosingStore,
    OperatorStore,
    OutageStore,
    HousekeepingStore,
    Lifecycle,
    Protocol,
):
    """The whole interface, as each engine implements it: every port above, and what tests and
    tools read besides."""

    async def chats_of_account(self, account: str) -> list[ChatRef]: ...
    async def load_state(self, chat: ChatRef) -> DialogState | None: ...
    async def save_state(self, chat: ChatRef, state: DialogState) -> None: ...
    async def reading_history(self, account: str, period: Period) -> list[MeterReading]:
        """Every reading of a period, superseded ones included, oldest first."""


async def open_storage(url: str) -> Storage:
    """Open the implementation a `[storage] url` names and apply migrations."""
    storage = await connect_storage(url)
    try:
        await storage.migrate()
    except BaseException:
        await storage.close()
        raise
    return storage


async def connect_storage(url: str) -> Storage:
    """Open the implementation a `[storage] url` names without migrating (`db migrate` does)."""
    if url.startswith(("postgresql://", "postgres://")):
        from storage.postgres import PostgresStorage

        return await PostgresStorage.connect(url)
    if url.startswith("sqlite://"):
        from storage.sqlite import SqliteStorage

        return await SqliteStorage.connect(url)
    raise StorageError(
        f"[storage] url must start with sqlite:/// or postgresql://, got {hide_password(url)!r}"
    )


def hide_password(url: str) -> str:
    """The URL with its password, if any, as `***`: for every message that names a database."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not even a URL: say nothing of what may follow an `@`
        return url.rpartition("@")[2] if "@" in url else url
    if not password:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def without_password(text: str, url: str) -> str:
    """`text` (a driver's error, which may quote the URL) with the URL's password masked."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if not password:
        return text
    for form in {password, unquote(password)}:
        text = text.replace(form, "***")
    return text
