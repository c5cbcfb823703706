"""`meterbot` fails loudly: no channel under a service manager, a second `run` on one SQLite
file, a database that is not there, the start line operators read, and `--help`."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot import app
from bot.app import no_channel_message, run_command
from bot.cli import build_parser, main
from bot.config import DEFAULTS_FILE, Settings, StorageSettings, TelegramSettings, load_settings
from bot.database import describe
from bot.run_lock import AlreadyServing, serving_lock
from storage import migrations

ROOT = Path(__file__).parents[1]


def settings_at(tmp_path: Path, token: str = "") -> Settings:
    return load_settings(DEFAULTS_FILE).model_copy(
        update={
            "storage": StorageSettings(url=f"sqlite:///{tmp_path}/data/meterbot.sqlite3"),
            "telegram": TelegramSettings(token=SecretStr(token)),
        }
    )


def run_args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"demo": False, "config": None, **given})


async def test_run_without_a_channel_or_a_terminal_exits_2_naming_what_it_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: systemd, cron, docker
    monkeypatch.setenv("METERBOT_TELEGRAM_TOKEN", "123456:one-underscore-only")

    assert await run_command(settings_at(tmp_path), run_args()) == 2

    err = capsys.readouterr().err
    for name in ("[telegram] token", "METERBOT_TELEGRAM__TOKEN", "[viber] auth_token",
                 "METERBOT_VIBER__AUTH_TOKEN", "[max] token", "METERBOT_MAX__TOKEN"):  # fmt: skip
        assert name in err
    assert "METERBOT_TELEGRAM_TOKEN (did you mean METERBOT_TELEGRAM__TOKEN?)" in err
    assert not (tmp_path / "data").exists()  # refused before anything was made


def test_the_message_names_the_configuration_file() -> None:
    message = no_channel_message("/etc/meterbot/config.toml", {})
    assert "[telegram] token in /etc/meterbot/config.toml or METERBOT_TELEGRAM__TOKEN" in message
    assert "did you mean" not in message


def test_a_second_lock_on_one_sqlite_file_is_refused_naming_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/data/meterbot.sqlite3"
    with serving_lock(url):
        with pytest.raises(AlreadyServing) as refused, serving_lock(url):
            pass
        assert f"(pid {os.getpid()}) is serving {describe(url)}" in str(refused.value)
    with serving_lock(url):  # released with the first
        pass
    with (
        serving_lock("postgresql://bot@db/meterbot"),
        serving_lock("postgresql://bot@db/meterbot"),
    ):
        pass  # PostgreSQL is shared on purpose: no lock


async def test_a_second_run_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        DEFAULTS_FILE.read_text(encoding="utf-8").replace(
            "sqlite:///data/meterbot.sqlite3", f"sqlite:///{tmp_path}/meterbot.sqlite3"
        ),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "bot", "--config", str(config), "run", "--demo"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("METERBOT_")}
    first = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert first.stdout is not None
        # The first is serving once it has opened the console (its stdin stays open).
        while b"console channel" not in await asyncio.wait_for(first.stdout.readline(), 30):
            pass
        second = await asyncio.to_thread(
            subprocess.run, command, cwd=ROOT, env=env, input=b"", capture_output=True
        )
    finally:
        assert first.stdin is not None
        first.stdin.close()  # end of input: the console ends, the first run exits
        await asyncio.wait_for(first.wait(), 30)

    assert second.returncode == 1
    err = second.stderr.decode()
    assert f"is serving sqlite:///{tmp_path}/meterbot.sqlite3" in err
    assert f"pid {first.pid}" in err
    assert first.returncode == 0


async def test_run_says_version_configuration_database_and_schema_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def served(settings: Settings, storage: object) -> int:
        return 0

    monkeypatch.setattr(app, "serve", served)
    settings = settings_at(tmp_path, token="123456:" + "x" * 35)
    try:
        assert await run_command(settings, run_args()) == 0
    finally:
        for handler in [h for h in logging.getLogger().handlers if h.get_name() == "meterbot"]:
            logging.getLogger().removeHandler(handler)

    lines = capsys.readouterr().err.splitlines()
    database = f"sqlite:///{tmp_path}/data/meterbot.sqlite3"
    applied = [line for line in lines if "applied migration" in line]
    every = migrations.load("sqlite")
    assert [line.split("INFO bot.app ")[1] for line in applied] == [
        f"applied migration {m.version:04d}_{m.name} to {database}" for m in every
    ]
    [start] = [line for line in lines if "schema version" in line]
    assert start.endswith(
        f": configuration (built-in defaults), database {database}, "
        f"schema version {every[-1].version}"
    )
    assert " INFO bot.app meterbot " in start


def test_the_database_is_shown_without_its_password() -> None:
    shown = describe("postgresql://bot:s3cret-pass@db.internal:5432/meterbot")
    assert shown == "postgresql://bot:***@db.internal:5432/meterbot"
    assert describe("postgresql://bot@db/meterbot") == "postgresql://bot@db/meterbot"


@pytest.mark.parametrize(
    "argv",
    [
        ["import-accounts", "accounts.csv"],
        ["export-readings", "--period", "2026-02"],
        ["close-period", "--period", "2026-02"],
        ["remind", "opening", "--dry-run"],
    ],
)
def test_operator_commands_refuse_a_database_that_is_not_there(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    (tmp_path / "accounts.csv").write_text("account,meter_serial,zones\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/data/meterbot.sqlite3"\n')
    monkeypatch.chdir(tmp_path)

    assert main(["--config", str(config), *argv]) == 2

    err = capsys.readouterr().err
    assert f"no meterbot database at sqlite:///{tmp_path}/data/meterbot.sqlite3" in err
    assert "run `meterbot db migrate` first" in err
    assert not (tmp_path / "data").exists()  # nothing was made


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["chat"],
        ["import-accounts"],
        ["export-readings"],
        ["close-period"],
        ["remind"],
        ["viber", "set-webhook"],
        ["max", "set-webhook"],
        ["max", "delete-webhook"],
        ["db", "migrate"],
        ["db", "copy"],
        ["outages", "import"],
        ["outages", "list"],
        ["outages", "cancel"],
    ],
)
def test_every_command_has_an_example_and_its_exit_codes(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*argv, "--help"])

    shown = capsys.readouterr().out
    example = shown.split("example", 1)[1].split("exit codes:", 1)[0]
    assert "meterbot " in example
    assert "exit codes:\n  0  " in shown


def test_the_console_of_run_shows_the_chat_without_log_lines(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        DEFAULTS_FILE.read_text(encoding="utf-8").replace(
            "sqlite:///data/meterbot.sqlite3", f"sqlite:///{tmp_path}/meterbot.sqlite3"
        ),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "bot", "--config", str(config), "run", "--demo"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("METERBOT_")}
    chat = "/start\n1\n/bind 12345-678-90 0012345\n/submit 46700\n1\n"
    done = subprocess.run(  # noqa: S603 - our own command line, no outside input
        command, cwd=ROOT, env=env, input=chat.encode(), capture_output=True, timeout=60
    )
    shown = (done.stdout + done.stderr).decode()
    assert done.returncode == 0
    assert "Показания приняты" in shown
    assert " INFO " not in shown  # the binding and the reading are logged at INFO elsewhere
