"""SQL text and row conversions of `SqliteStorage`: what its methods send and read back."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from billing_core.models import (
    Bill,
    MeterReading,
    Period,
    ReadingSource,
)
from storage.base import (
    SUBJECT_HISTORY,
    Binding,
    Campaign,
    ChatProfile,
    RecipientStatus,
    StorageError,
    Subject,
)
from storage.chats import ChatRef
from storage.rows import (
    ACCOUNT_SELECT,
    READING_COLUMNS,
    account_of,
    aware,
    readings_of,
    register_values,
    text_or_none,
)


def _stamp(moment: datetime) -> str:
    """UTC with fixed precision, so that text order is time order (bind-failure windows)."""
    return aware(moment).astimezone(UTC).isoformat(timespec="microseconds")


# Periods and sources repeat across every history a turn reads: parsed once each.
_period = functools.lru_cache(maxsize=1024)(Period.parse)
_SOURCES = {source.value: source for source in ReadingSource}


def _reading(row: Sequence[Any]) -> MeterReading:
    return MeterReading(
        period=_period(row[0]),
        values=readings_of(row[1], row[2], row[3]),
        source=_SOURCES[row[4]],
        submitted_at=datetime.fromisoformat(row[5]),
        channel=row[6],
        chat_user=row[7],
    )


_PROFILE_COLUMNS = "locale, consent_at, reminders_on, blocked, current_account"
_SAVE_PROFILE = (
    f"INSERT INTO chat_profiles (channel, user_id, {_PROFILE_COLUMNS}) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (channel, user_id) DO UPDATE SET locale = excluded.locale, "
    "consent_at = excluded.consent_at, reminders_on = excluded.reminders_on, "
    "blocked = excluded.blocked, current_account = excluded.current_account"
)
_SAVE_STATE = (
    "INSERT INTO dialog_states (channel, user_id, state, data, subject) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (channel, user_id) DO UPDATE SET state = excluded.state, data = excluded.data, "
    "subject = excluded.subject"
)
_CLAIM_UPDATE = (
    "INSERT INTO processed_updates (scope, channel, update_id, at) "
    "VALUES ('update', ?, ?, ?) ON CONFLICT DO NOTHING"
)
# Profile, state, "update seen", bindings and the state's subject of one chat in one statement.
_LOAD_CHAT = (
    f"SELECT p.channel IS NOT NULL, {', '.join('p.' + c for c in _PROFILE_COLUMNS.split(', '))}, "  # noqa: S608
    "s.state, s.data, EXISTS (SELECT 1 FROM processed_updates "
    "WHERE scope = 'update' AND channel = ?1 AND update_id = ?3), "
    "(SELECT json_group_array(json_array(account, alias, bound_at)) FROM bindings "
    "WHERE channel = ?1 AND user_id = ?2), s.subject "
    "FROM (SELECT 1) LEFT JOIN chat_profiles p ON p.channel = ?1 AND p.user_id = ?2 "
    "LEFT JOIN dialog_states s ON s.channel = ?1 AND s.user_id = ?2"
)


def _bindings(chat: ChatRef, rows: Iterable[Sequence[Any]]) -> tuple[Binding, ...]:
    """(account, alias, bound_at) rows as bindings, ordered by when they were made."""
    ordered = sorted(rows, key=lambda r: (r[2], r[0]))  # an aggregate keeps no ORDER BY here
    return tuple(Binding(chat, r[0], r[1], datetime.fromisoformat(r[2])) for r in ordered)


def _profile(chat: ChatRef, row: Sequence[Any]) -> ChatProfile:
    """A profile from the five `_PROFILE_COLUMNS`."""
    return ChatProfile(
        chat=chat,
        locale=row[0],
        consent_at=None if row[1] is None else datetime.fromisoformat(row[1]),
        reminders_on=bool(row[2]),
        blocked=bool(row[3]),
        current_account=row[4],
    )


def _profile_params(profile: ChatProfile) -> tuple[Any, ...]:
    consent = None if profile.consent_at is None else _stamp(profile.consent_at)
    return (
        profile.chat.channel, profile.chat.user_id, profile.locale, consent,
        int(profile.reminders_on), int(profile.blocked), profile.current_account,
    )  # fmt: skip


def _campaign(row: Sequence[Any]) -> Campaign:
    return Campaign(int(row[0]), row[1], Period.parse(row[2]), datetime.fromisoformat(row[3]))


def _one_per_period(found: list[MeterReading], limit: int) -> list[MeterReading]:
    kept: list[MeterReading] = []
    seen: set[Period] = set()
    for reading in found:
        if reading.period not in seen:
            seen.add(reading.period)
            kept.append(reading)
    return kept[:limit]


def _all_statuses(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    counts = {
        status: 0
        for status in (
            RecipientStatus.PENDING, RecipientStatus.SENDING, RecipientStatus.SENT,
            RecipientStatus.BLOCKED, RecipientStatus.FAILED, RecipientStatus.SKIPPED,
        )
    }  # fmt: skip
    for status, count in rows:
        counts[status] = int(count)
    return counts


def _write_reading(
    conn: sqlite3.Connection, account: str, reading: MeterReading, bill: Bill | None, now: str
) -> bool:
    """`reading` as the period's current one and `bill` as its current bill, retiring (never
    deleting) the earlier ones; whether there was an earlier reading. Inside a transaction."""
    period = str(reading.period)
    meter = conn.execute(
        "SELECT id FROM meters WHERE account = ? ORDER BY active DESC, id DESC LIMIT 1",
        (account,),
    ).fetchone()
    if meter is None:
        raise StorageError(f"no meter on account {account[:5]}-***-**")
    superseded = conn.execute(
        "UPDATE readings SET is_current = 0 WHERE meter_id = ? AND period = ? AND is_current = 1",
        (meter[0], period),
    ).rowcount
    t1, t2, t3 = register_values(reading.values)
    reading_id = conn.execute(
        "INSERT INTO readings (account, meter_id, period, t1, t2, t3, source, channel, "
        "chat_user, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            account, meter[0], period, text_or_none(t1), text_or_none(t2), text_or_none(t3),
            reading.source.value, reading.channel, reading.chat_user,
            aware(reading.submitted_at).isoformat(),
        ),
    ).lastrowid  # fmt: skip
    conn.execute(
        "UPDATE bills SET is_current = 0 WHERE account = ? AND period = ? AND is_current = 1",
        (account, period) if bill is None else (bill.account, str(bill.period)),
    )
    if bill is not None:
        _store_bill(conn, bill, reading_id, now)
    return superseded > 0


def _store_bill(conn: sqlite3.Connection, bill: Bill, reading_id: int | None, now: str) -> None:
    """Insert `bill` and its lines as the period's current bill (the caller retired the last)."""
    bill_id = conn.execute(
        "INSERT INTO bills (account, period, basis, total, due, notes, reading_id, "
        "created_at, credit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            bill.account, str(bill.period), bill.basis.value, str(bill.total),
            bill.due.isoformat(), json.dumps(list(bill.notes), ensure_ascii=False),
            reading_id, now, str(bill.credit),
        ),
    ).lastrowid  # fmt: skip
    conn.executemany(
        "INSERT INTO bill_lines (bill_id, position, label, quantity_kwh, rate, amount) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (bill_id, i, line.label, str(line.quantity_kwh), str(line.rate), str(line.amount))
            for i, line in enumerate(bill.lines)
        ],
    )


def _readings_query(
    account: str, limit: int, sources: Sequence[ReadingSource] | None = None
) -> tuple[str, list[Any]]:
    """The query `readings` sends; `_one_per_period` makes its rows the answer."""
    where, params = "account = ? AND is_current = 1", [account]
    if sources is not None:
        where += f" AND source IN ({', '.join('?' * len(sources))})"
        params += [s.value for s in sources]
    # Twice the limit: a period with a meter replacement has two current readings.
    sql = (
        f"SELECT {READING_COLUMNS} FROM readings WHERE {where} "  # noqa: S608
        "ORDER BY period DESC, id DESC LIMIT ?"
    )
    return sql, [*params, limit * 2]


def _subject_rows(conn: sqlite3.Connection, number: str) -> tuple[Any, list[Any]]:
    account = conn.execute(f"{ACCOUNT_SELECT} WHERE a.number = ?", (number,)).fetchone()
    if account is None:
        return None, []
    return account, conn.execute(*_readings_query(number, SUBJECT_HISTORY)).fetchall()


def _subject(number: str, account: Any, readings: list[Any]) -> Subject:
    return Subject(
        number,
        None if account is None else account_of(account),
        tuple(_one_per_period([_reading(r) for r in readings], SUBJECT_HISTORY)),
    )


# The oldest processed update ids, a batch at a time (found through processed_updates_by_age).
_PRUNE_UPDATES = (
    "DELETE FROM processed_updates WHERE (scope, channel, update_id) IN ("
    "SELECT scope, channel, update_id FROM processed_updates WHERE at < ? LIMIT ?)"
)
