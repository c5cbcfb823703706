"""A dialog turn's start on SQLite in one statement: profile, state, "update seen", bindings
and the state's subject (`SqliteStorage.load_chat`), and what its rows become."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from storage.base import SUBJECT_HISTORY, Binding, ChatSnapshot, DialogState, Subject
from storage.chats import ChatRef
from storage.operations import profile_of, readings_query
from storage.rows import ACCOUNT_SELECT, account_of, moment, one_per_period, reading_of
from storage.sqlite_executor import adapt

LOAD_CHAT = (
    "SELECT p.channel IS NOT NULL, p.locale, p.consent_at, p.reminders_on, p.blocked, "
    "p.current_account, s.state, s.data, EXISTS (SELECT 1 FROM processed_updates "
    "WHERE scope = 'update' AND channel = ?1 AND update_id = ?3), "
    "(SELECT json_group_array(json_array(account, alias, bound_at)) FROM bindings "
    "WHERE channel = ?1 AND user_id = ?2), s.subject "
    "FROM (SELECT 1) LEFT JOIN chat_profiles p ON p.channel = ?1 AND p.user_id = ?2 "
    "LEFT JOIN dialog_states s ON s.channel = ?1 AND s.user_id = ?2"
)


def bindings_of(chat: ChatRef, rows: Iterable[Sequence[Any]]) -> tuple[Binding, ...]:
    """(account, alias, bound_at) rows as bindings, ordered by when they were made."""
    ordered = sorted(rows, key=lambda r: (r[2], r[0]))  # an aggregate keeps no ORDER BY here
    return tuple(Binding(chat, r[0], r[1], moment(r[2])) for r in ordered)


def subject_rows(conn: sqlite3.Connection, number: str) -> tuple[Any, list[Any]]:
    """The account row and its readings' rows, as `subject_of` reads them."""
    account = conn.execute(f"{ACCOUNT_SELECT} WHERE a.number = ?", (number,)).fetchone()
    if account is None:
        return None, []
    sql, params = readings_query(number, SUBJECT_HISTORY)
    return account, conn.execute(adapt(sql), params).fetchall()


def subject_of(number: str, account: Any, readings: list[Any]) -> Subject:
    return Subject(
        number,
        None if account is None else account_of(account),
        tuple(one_per_period(map(reading_of, readings), SUBJECT_HISTORY)),
    )


def snapshot(
    chat: ChatRef, row: Sequence[Any], subject: tuple[Any, list[Any]] | None
) -> ChatSnapshot:
    """A row of `LOAD_CHAT` and the subject's rows as what the turn starts from."""
    state = None
    if row[6] is not None:
        state = DialogState(row[6], json.loads(row[7]), row[10])
    return ChatSnapshot(
        profile=profile_of(chat, row[1:6]) if row[0] else None,
        state=state,
        seen=bool(row[8]),
        bindings=bindings_of(chat, json.loads(row[9])),
        subject=None if subject is None else subject_of(row[10], *subject),
    )
