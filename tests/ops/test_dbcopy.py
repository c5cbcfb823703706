"""`meterbot db copy`: a populated SQLite database moved to a fresh PostgreSQL one, verified."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest

from billing_core.models import (
    Account,
    Bill,
    BillBasis,
    BillLine,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
)
from bot.config import Settings, StorageSettings
from bot.dbcopy import copy_command, hide_password
from dialogs.events import ChatRef
from storage.base import (
    ChatProfile,
    DialogState,
    ImportedBalance,
    ImportRow,
    Recipient,
    Storage,
    open_storage,
)
from storage.copy import copy_database
from tests.pg import fresh_database

pytestmark = pytest.mark.postgres

AT = datetime(2026, 3, 20, 9, 30, 15, 123456, tzinfo=UTC)
ACCOUNTS = 30


def _account(i: int) -> Account:
    kind = MeterKind((i % 3) + 1)
    return Account(
        number=f"{1000000000 + i:010d}",
        meter=Meter(serial=f"00{i:05d}", kind=kind),
        address=f"ул. Тверская, д. {i}",
        residents=i % 4 + 1,
        area_m2=Decimal("54.30"),
        phones=(f"+7999{i:07d}",),
    )


def _reading(acc: Account, period: Period, base: int, user: str) -> MeterReading:
    values = {
        r: Decimal(base + 10 * n) + Decimal("0.5") for n, r in enumerate(acc.meter.kind.registers)
    }
    return MeterReading(period, values, ReadingSource.RESIDENT, AT + timedelta(days=period.month),
                        channel="telegram", chat_user=user)  # fmt: skip


def _bill(acc: Account, period: Period, total: str) -> Bill:
    line = BillLine("t1", Decimal(100), Decimal("7.87"), Decimal("787.00"))
    return Bill(acc.number, period, BillBasis.ACTUAL, (line,), Decimal(total),
                date(period.year, period.month, 28), notes=("до 10-го",))  # fmt: skip


async def _populate(storage: Storage) -> None:
    accounts = [_account(i) for i in range(ACCOUNTS)]
    await storage.upsert_accounts([ImportRow(account=a) for a in accounts])
    for i, acc in enumerate(accounts):
        chat = ChatRef("telegram", str(500 + i))
        await storage.save_profile(ChatProfile(chat, locale="ru", consent_at=AT))
        await storage.bind(chat, acc.number, f"Дом {i}", AT)
        await storage.save_state(chat, DialogState("menu", {"step": i, "note": "ёж"}))
        for month in (1, 2, 3):
            period = Period(2026, month)
            reading = _reading(acc, period, 1000 * month + i, chat.user_id)
            await storage.record_submission(acc.number, reading, _bill(acc, period, f"{i}.15"),
                                            update_id=f"{i}-{month}")  # fmt: skip
        # a correction: the March reading superseded, kept as history
        fixed = _reading(acc, Period(2026, 3), 3100 + i, chat.user_id)
        await storage.record_submission(acc.number, fixed, None)
        paid = (date(2026, 3, 28), Decimal("500.00"))
        await storage.record_balance(
            ImportedBalance(acc.number, date(2026, 4, 1), Decimal("-12.34"), *paid)
        )
    await storage.claim_update("telegram", "9001")
    await storage.record_bind_failure("h:x", "", AT)
    recipients = [
        Recipient(0, 0, ChatRef("telegram", str(500 + i)), a.number, "")
        for i, a in enumerate(accounts)
    ]
    await storage.create_campaign("opening", Period(2026, 3), recipients, AT)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/meterbot.sqlite3"
    storage = await open_storage(url)
    try:
        await _populate(storage)
    finally:
        await storage.close()
    return url


async def test_copy_moves_every_row_and_verifies(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(storage=StorageSettings(url=sqlite_url))
    async with fresh_database() as pg_url:
        code = await copy_command(settings, argparse.Namespace(to=pg_url))
        out = capsys.readouterr().out
        assert code == 0, out
        assert "verified: every table's row count and the readings checksum match" in out
        lines = {
            words[0]: words[1:]
            for words in map(str.split, out.splitlines())
            if len(words) == 3 and words[1].isdigit()
        }
        assert lines["accounts"] == [str(ACCOUNTS), str(ACCOUNTS)]
        assert lines["bills"] == [str(ACCOUNTS * 3)] * 2
        assert lines["readings"] == [str(ACCOUNTS * 4)] * 2
        assert lines["campaign_recipients"] == [str(ACCOUNTS)] * 2
        source_sum = out.split("readings sha256 source ")[1].split()[0]
        assert f"readings sha256 target {source_sum}" in out

        source, target = await open_storage(sqlite_url), await open_storage(pg_url)
        try:
            for i in (0, 1, 2, ACCOUNTS - 1):
                number = _account(i).number
                assert await target.get_account(number) == await source.get_account(number)
                assert await target.reading_history(number, Period(2026, 3)) == (
                    await source.reading_history(number, Period(2026, 3))
                )
                assert await target.bills(number) == await source.bills(number)
                position = await target.money_position(number, Period(2026, 5))
                assert position == await source.money_position(number, Period(2026, 5))
                assert (position.amount, position.last_payment_amount) == (
                    Decimal("-12.34"), Decimal("500.00"))  # fmt: skip
                chat = ChatRef("telegram", str(500 + i))
                assert await target.load_state(chat) == await source.load_state(chat)
                assert await target.bindings(chat) == await source.bindings(chat)
            assert not await target.claim_update("telegram", "9001")
            # ids were kept: the next row the database numbers must not collide with them
            april = _reading(_account(0), Period(2026, 4), 5000, "500")
            stored = await target.record_submission(_account(0).number, april, None, "new")
            assert not stored.duplicate
            assert (await target.current_reading(_account(0).number, Period(2026, 4))) == april
        finally:
            await source.close()
            await target.close()


async def test_non_empty_target_is_refused_in_one_line(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(storage=StorageSettings(url=sqlite_url))
    async with fresh_database() as pg_url:
        assert await copy_command(settings, argparse.Namespace(to=pg_url)) == 0
        capsys.readouterr()
        assert await copy_command(settings, argparse.Namespace(to=pg_url)) == 1
        database, err = capsys.readouterr().err.splitlines()
    assert database.startswith("database sqlite:///")
    assert "target is not empty (" in err
    assert f"readings: {ACCOUNTS * 4} rows" in err


class _Lossy:
    """A target connection that loses or alters readings rows on their way in."""

    def __init__(self, conn: asyncpg.Connection, mode: str) -> None:
        self.conn, self.mode = conn, mode

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    async def copy_records_to_table(self, table: str, *, records: list[Any], **kw: Any) -> Any:
        if table == "readings" and self.mode == "drop":
            records = records[:-1]  # the last correction: no bill points at it
        if table == "readings" and self.mode == "alter":
            first = list(records[0])
            first[kw["columns"].index("t1")] += Decimal(1)
            records = [tuple(first), *records[1:]]
        return await self.conn.copy_records_to_table(table, records=records, **kw)


@pytest.mark.parametrize(("mode", "counts_match"), [("drop", False), ("alter", True)])
async def test_a_lost_or_altered_reading_is_reported(
    sqlite_url: str, mode: str, counts_match: bool
) -> None:
    async with fresh_database() as pg_url:
        storage = await open_storage(pg_url)  # the schema only
        await storage.close()
        conn = await asyncpg.connect(pg_url)
        try:
            path = sqlite_url.removeprefix("sqlite:///")
            async with aiosqlite.connect(path, isolation_level=None) as source:
                report = await copy_database(source, _Lossy(conn, mode))
        finally:
            await conn.close()
    assert not report.ok
    assert all(c.ok for c in report.counts) is counts_match
    assert report.source_checksum != report.target_checksum


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("postgresql://a@h/db", "postgresql://b@h/db", "db copy reads a SQLite database"),
        ("sqlite:///{tmp}/m.sqlite3", "sqlite:///x", "--to must be a postgresql:// url"),
        ("sqlite:///{tmp}/missing.sqlite3", "postgresql://b@h/db", "no SQLite database at"),
    ],
)
async def test_wrong_urls_exit_2(
    source: str, target: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "m.sqlite3").touch()
    settings = Settings(storage=StorageSettings(url=source.format(tmp=tmp_path)))
    assert await copy_command(settings, argparse.Namespace(to=target)) == 2
    assert message in capsys.readouterr().err


def test_hide_password() -> None:
    assert hide_password("postgresql://bot:s3cret@db:5432/m") == "postgresql://bot:***@db:5432/m"
    assert hide_password("postgresql://bot@db/m") == "postgresql://bot@db/m"
