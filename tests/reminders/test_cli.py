"""`meterbot remind`: the dry run writes nothing, no token says so, a run prints its summary."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from billing_core.models import Period
from bot.cli import main
from bot.config import Settings
from bot.pseudonyms import tag
from bot.reminders.cli import dry_run, remind
from bot.reminders.model import ReminderKind
from storage.base import Storage, open_storage
from tests.reminders.fakes import FakeChannel, VirtualTimer, add_resident

MSK = ZoneInfo("Europe/Moscow")
OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=MSK)


async def seed(storage: Storage) -> None:
    await add_resident(storage, 1, at=OPENING_AT)
    await add_resident(storage, 2, channel="viber", at=OPENING_AT)
    await add_resident(storage, 3, channel="console", at=OPENING_AT)
    await add_resident(storage, 4, reminders_on=False, at=OPENING_AT)


async def test_dry_run_lists_masked_accounts_and_writes_nothing(storage: Storage) -> None:
    await seed(storage)
    out = io.StringIO()
    senders = {"telegram": FakeChannel("telegram", 30)}
    code = await dry_run(
        Settings(), storage, ReminderKind.OPENING, senders, out, lambda: OPENING_AT
    )
    text = out.getvalue()
    assert code == 0
    shown = {n: f"77000-***-** {tag(f'770000000{n}')}" for n in (1, 2, 3)}
    assert f"{shown[1]}  telegram  home 1\n" in text
    assert f"{shown[2]}  viber     home 2  (left out: channel not configured)" in text
    assert f"{shown[3]}  console   home 3  (left out: channel not configured)" in text
    assert "home 4" not in text  # reminders off
    assert "7700000001" not in text  # never the full number
    assert "would reach 1: telegram 1" in text
    assert "left out: 2" in text
    assert await storage.find_campaign("opening", Period(2026, 11)) is None
    assert senders["telegram"].calls == 0


async def test_a_run_prints_sent_skipped_and_unknown(storage: Storage) -> None:
    await seed(storage)
    out = io.StringIO()
    timer = VirtualTimer()
    senders = {"telegram": FakeChannel("telegram", 30, timer)}
    code = await remind(
        Settings(), storage, ReminderKind.OPENING, senders, out, lambda: OPENING_AT
    )
    text = out.getvalue()
    assert code == 0
    assert senders["telegram"].users() == ["u1"]
    assert "opening reminder for 2026-11, campaign 1 (written now)" in text
    assert "campaign: sent 1, blocked 0, failed 0, skipped 0, unknown 0, pending 0" in text
    assert "skipped by reason: channel not configured 2" in text


def test_without_a_channel_token_it_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/db.sqlite3"\n', encoding="utf-8")
    for name in ("METERBOT_TELEGRAM__TOKEN", "METERBOT_VIBER__AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--config", str(config), "db", "migrate"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "remind", "opening"]) == 1
    database, *err = capsys.readouterr().err.strip().splitlines()
    assert database.startswith("database sqlite:///")
    assert len(err) == 1
    assert "no channel token configured" in err[0]
    assert "nothing was sent" in err[0]


def test_dry_run_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"

    async def prepare() -> None:
        db = await open_storage(url)
        try:
            await seed(db)
        finally:
            await db.close()

    asyncio.run(prepare())
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    for name in ("METERBOT_TELEGRAM__TOKEN", "METERBOT_VIBER__AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--config", str(config), "remind", "last-call", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: last-call reminder for" in out
    assert "no channel token configured" in out
    assert "would reach 0: nobody" in out
    assert out.count("(left out: channel not configured)") == 3
    # Three accounts of one building: masked alike, told apart by their pseudonyms.
    rows = [line.split()[:2] for line in out.splitlines() if "-***-**" in line]
    assert len(rows) == 3
    assert len({tuple(row) for row in rows}) == 3
