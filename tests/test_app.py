"""`meterbot run`: the demo's guard rails, and what the composition root publishes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from billing_core.models import Account, Meter, MeterKind, Period
from bot.app import _publish_campaigns, run_command
from bot.config import (
    DEFAULTS_FILE,
    ConfigError,
    Settings,
    StorageSettings,
    TelegramSettings,
    load_settings,
)
from bot.observability import Metrics
from bot.reminders.service import ReminderService
from bot.wiring import chat_command
from storage.base import ImportRow, Recipient, open_storage
from tests.reminders.fakes import add_resident


def _settings(tmp_path: Path, token: str = "") -> Settings:
    return load_settings(DEFAULTS_FILE).model_copy(
        update={
            "storage": StorageSettings(url=f"sqlite:///{tmp_path}/app.sqlite3"),
            "telegram": TelegramSettings(token=SecretStr(token)),
        }
    )


async def test_demo_is_refused_when_a_channel_token_is_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(tmp_path, token="123456:real-token")

    status = await run_command(settings, argparse.Namespace(demo=True))

    assert status == 2
    assert "demo accounts must never reach real residents" in capsys.readouterr().err
    assert not (tmp_path / "app.sqlite3").exists()  # refused before anything was written


async def test_demo_lists_its_accounts_on_every_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    for _ in range(2):
        monkeypatch.setattr("sys.stdin", io.StringIO("/start\n"))
        assert await run_command(settings, argparse.Namespace(demo=True)) == 0
        out = capsys.readouterr().out
        assert "12345-678-90  0012345" in out
        assert "opening the console channel" in out
        assert "Здравствуйте!" in out


async def test_a_real_account_with_a_demo_number_is_not_shown_as_a_demo_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    storage = await open_storage(settings.storage.url)
    real = Account("1234567890", Meter("999999", MeterKind.TWO_ZONE))
    await storage.upsert_accounts([ImportRow(real)])
    await storage.close()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    assert await run_command(settings, argparse.Namespace(demo=True)) == 0

    out = capsys.readouterr().out
    assert "0012345" not in out
    assert "already has accounts that are not the demo's" in out


@pytest.mark.parametrize("command", [run_command, chat_command])
async def test_a_configuration_without_tariffs_is_refused_before_storage_opens(
    tmp_path: Path, command: Callable[..., Awaitable[int]]
) -> None:
    # A file with only [storage] replaces the defaults whole: no bill could be computed.
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/app.sqlite3"\n')
    settings = load_settings(config)

    with pytest.raises(ConfigError, match=r"no \[\[tariffs\]\] in force on .* for gas single"):
        await command(settings, argparse.Namespace(demo=True, user="console", lang=None))

    assert not (tmp_path / "app.sqlite3").exists()


async def test_campaign_progress_reaches_the_metrics(tmp_path: Path) -> None:
    storage = await open_storage(f"sqlite:///{tmp_path}/campaigns.sqlite3")
    try:
        now = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)
        chat = await add_resident(storage, 1, at=now)
        recipient = Recipient(0, 0, chat, "7700000001", "home 1")
        await storage.create_campaign("opening", Period(2026, 11), [recipient], now)
        metrics = Metrics()
        service = ReminderService(Settings(), storage, {})
        publisher = asyncio.create_task(_publish_campaigns(service, metrics))
        try:
            for _ in range(200):
                if b'status="pending"' in metrics.render():
                    break
                await asyncio.sleep(0.01)
        finally:
            publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publisher
        text = metrics.render().decode()
        assert 'meterbot_campaign_recipients{campaign="1",kind="opening",period="2026-11",' in text
        assert 'status="pending"} 1.0' in text
    finally:
        await storage.close()
