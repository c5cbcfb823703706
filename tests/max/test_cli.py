"""`meterbot max set-webhook` / `max delete-webhook` against the emulator, and `[max]` in
the configuration."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from tests.max.conftest import SECRET
from tests.max.emulator import TOKEN, MaxEmulator


def config_file(tmp_path: Path, api_base: str, webhook_url: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[max]\napi_base = "{api_base}"\nwebhook_url = "{webhook_url}"\nmode = "webhook"\n',
        encoding="utf-8",
    )
    return path


async def run_cli(*argv: str) -> int:
    # `main` runs its own event loop: off this test's loop, in a thread.
    return await asyncio.to_thread(main, list(argv))


async def test_set_webhook_then_delete_webhook(
    tmp_path: Path,
    emulator: MaxEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("METERBOT_MAX__TOKEN", TOKEN)
    monkeypatch.setenv("METERBOT_MAX__WEBHOOK_SECRET", SECRET)
    path = config_file(tmp_path, emulator.api_base, "https://bot.example.org")
    assert await run_cli("--config", str(path), "max", "set-webhook") == 0
    [subscription] = emulator.subscriptions
    assert subscription.url == "https://bot.example.org/max/webhook"
    assert subscription.secret == SECRET
    assert "MAX subscription created" in capsys.readouterr().out

    assert await run_cli("--config", str(path), "max", "delete-webhook") == 0
    assert emulator.subscriptions == []
    assert "removed: https://bot.example.org/max/webhook" in capsys.readouterr().out


async def test_set_webhook_needs_a_token_and_a_url(
    tmp_path: Path,
    emulator: MaxEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = config_file(tmp_path, emulator.api_base)
    monkeypatch.delenv("METERBOT_MAX__TOKEN", raising=False)
    assert await run_cli("--config", str(path), "max", "set-webhook") == 2
    assert "METERBOT_MAX__TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("METERBOT_MAX__TOKEN", TOKEN)
    assert await run_cli("--config", str(path), "max", "set-webhook") == 2
    assert "webhook_url is empty" in capsys.readouterr().err
    assert emulator.calls == []


async def test_a_wrong_token_is_reported_in_one_line(
    tmp_path: Path,
    emulator: MaxEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("METERBOT_MAX__TOKEN", "not-the-token")
    path = config_file(tmp_path, emulator.api_base, "https://bot.example.org")
    assert await run_cli("--config", str(path), "max", "delete-webhook") == 1
    err = capsys.readouterr().err
    assert err.startswith("meterbot: max delete-webhook:")
    assert "not-the-token" not in err


def test_the_max_secret_must_be_what_max_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[max]\n", encoding="utf-8")
    monkeypatch.setenv("METERBOT_MAX__WEBHOOK_SECRET", "no spaces allowed")
    with pytest.raises(ConfigError, match="METERBOT_MAX__WEBHOOK_SECRET"):
        load_settings(path)
    monkeypatch.setenv("METERBOT_MAX__WEBHOOK_SECRET", "Good-secret_42")
    monkeypatch.setenv("METERBOT_MAX__MESSAGES_PER_SECOND", "25")
    settings = load_settings(path)
    assert settings.max.webhook_secret.get_secret_value() == "Good-secret_42"
    assert settings.max.messages_per_second == 25
    assert settings.max.webhook_path == "/max/webhook"
    assert settings.max.mode == "polling"
