"""/forget leaves no messenger id or alias of the chat in any table, on either engine.

The schema is read from the database itself, so a column added later that can hold a chat's id
fails `test_every_column_that_can_hold_a_chat_id_is_known` until it is handled here and in
`forget_chat`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import aiosqlite
import asyncpg

from billing_core.models import Period
from dialogs.events import ChatRef
from dialogs.pseudonym import chat_pseudonym
from storage.base import ChatProfile, DialogState, Recipient, Storage
from tests.storage.factories import AT, MARCH, account, bill, reading, seed

ANNA = ChatRef("viber", "AnnaXq9Zp01ViberIdK3w==")
BORIS = ChatRef("telegram", "7431985526")
ALIAS = "Квартира Анны на Смольной"
KEY = b"a key kept outside the database"
# Every column that holds a messenger id of a chat (with its channel beside it), and where a
# chat's alias goes. `forget_chat` must leave none of them naming the chat.
CHAT_ID_COLUMNS = {
    ("bindings", "user_id"),
    ("campaign_recipients", "user_id"),
    ("chat_profiles", "user_id"),
    ("dialog_states", "user_id"),
    ("outage_opt_outs", "user_id"),
    ("readings", "chat_user"),
}
# Columns that look as if they could and cannot: keyed hashes only.
HASHED_COLUMNS = {("bind_failures", "chat_key")}
ALIAS_COLUMNS = {("bindings", "alias"), ("campaign_recipients", "alias")}


@asynccontextmanager
async def raw(url: str) -> AsyncIterator[Any]:
    """A plain connection beside the storage's own, to read every table as it is."""
    if url.startswith("sqlite:///"):
        async with aiosqlite.connect(url.removeprefix("sqlite:///")) as db:
            yield db
    else:
        conn = await asyncpg.connect(url)
        try:
            yield conn
        finally:
            await conn.close()


async def text_columns(conn: Any) -> dict[str, list[str]]:
    """Every table's text columns (where an id or an alias can be written)."""
    found: dict[str, list[str]] = {}
    if isinstance(conn, aiosqlite.Connection):
        tables = await conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in tables:
            info = await conn.execute_fetchall(f'PRAGMA table_info("{table}")')
            found[table] = [r[1] for r in info if r[2].upper() == "TEXT"]
        return found
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND data_type IN ('text', 'jsonb') "
        "ORDER BY table_name, ordinal_position"
    )
    for r in rows:
        found.setdefault(r["table_name"], []).append(r["column_name"])
    return found


async def rows_containing(conn: Any, needle: str) -> list[tuple[str, str]]:
    """(table, column) of every text value that contains `needle`."""
    hits: list[tuple[str, str]] = []
    for table, columns in (await text_columns(conn)).items():
        for column in columns:
            if isinstance(conn, aiosqlite.Connection):
                sql = f'SELECT count(*) FROM "{table}" WHERE instr("{column}", ?) > 0'  # noqa: S608
                (count,) = (await conn.execute_fetchall(sql, (needle,)))[0]
            else:
                sql = f'SELECT count(*) FROM "{table}" WHERE strpos("{column}"::text, $1) > 0'  # noqa: S608
                count = await conn.fetchval(sql, needle)
            if count:
                hits.append((table, column))
    return hits


async def chat_everywhere(storage: Storage, chat: ChatRef, alias: str) -> None:
    """The chat in every table a chat reaches: profile, binding, state, a reading it sent, a
    reminder campaign row, a failed binding try."""
    await storage.save_profile(ChatProfile(chat, consent_at=AT, current_account="1234567890"))
    await storage.bind(chat, "1234567890", alias, AT)
    await storage.set_outage_notices(chat, False)
    await storage.save_state(chat, DialogState("bind.serial", {"account": "1234567890"}))
    await storage.record_bind_failure(chat_pseudonym(KEY, chat), "1234567890", AT)
    sent = replace(reading("4521", user=chat.user_id), channel=chat.channel)
    # Update ids are the platform's message numbers, never a chat's id.
    await storage.record_submission("1234567890", sent, bill(), str(len(chat.user_id)))


async def test_every_column_that_can_hold_a_chat_id_is_known(url: str, storage: Storage) -> None:
    async with raw(url) as conn:
        columns = await text_columns(conn)
    named = {
        (table, column)
        for table, names in columns.items()
        for column in names
        if column in ("user_id", "chat_user", "chat_key", "chat", "chat_id", "user")
    }
    assert named == CHAT_ID_COLUMNS | HASHED_COLUMNS


async def test_forget_leaves_no_id_or_alias_of_the_chat_anywhere(
    url: str, storage: Storage
) -> None:
    await seed(storage, account("1234567890"))
    await chat_everywhere(storage, ANNA, ALIAS)
    await chat_everywhere(storage, BORIS, "Дом Бориса")
    recipients = [Recipient(0, 0, c, "1234567890", a) for c, a in ((ANNA, ALIAS), (BORIS, "x"))]
    await storage.create_campaign("opening", Period(2026, 4), recipients, AT)
    async with raw(url) as conn:
        before = set(await rows_containing(conn, ANNA.user_id))
    assert before >= CHAT_ID_COLUMNS  # the test reaches every column it checks

    await storage.forget_chat(ANNA, chat_pseudonym(KEY, ANNA))

    async with raw(url) as conn:
        assert await rows_containing(conn, ANNA.user_id) == []
        assert await rows_containing(conn, ALIAS) == []
        # Boris's rows are his own and stay as they were.
        assert set(await rows_containing(conn, BORIS.user_id)) >= CHAT_ID_COLUMNS
    # The reading stays, with its channel and a pseudonym operators can count by.
    history = await storage.reading_history("1234567890", MARCH)
    assert sorted((r.channel, r.chat_user) for r in history) == sorted(
        [("viber", chat_pseudonym(KEY, ANNA)), ("telegram", BORIS.user_id)]
    )
