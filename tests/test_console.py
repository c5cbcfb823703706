"""The console channel: a piped script through `run_console`, and `meterbot chat` itself."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import DEFAULTS_FILE, load_settings
from bot.console import parse_line, run_console
from bot.demo import seed_demo
from bot.wiring import dialog_config
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Choice, Command, ContactShared, Start, Text
from dialogs.replies import Button
from storage.base import open_storage

NOW = datetime(2026, 11, 20, 14, 5, tzinfo=ZoneInfo("Europe/Moscow"))


def test_lines_become_events() -> None:
    chat = ChatRef("console", "me")
    buttons = [Button("Согласен", "consent:yes"), Button("Что вы храните?", "consent:info")]
    assert parse_line(chat, "2", buttons, None) == Choice(chat, "consent:info")
    assert parse_line(chat, "Согласен", buttons, None) == Choice(chat, "consent:yes")
    assert parse_line(chat, "3", buttons, None) == Text(chat, "3")
    assert parse_line(chat, "/start", [], "en") == Start(chat, language_hint="en")
    assert parse_line(chat, "/contact +79991234567", [], None) == ContactShared(
        chat, "+79991234567", is_own=True
    )
    assert parse_line(chat, "/bind 1 2", [], None) == Command(chat, "bind", ("1", "2"))
    # A label wins over a button's number; any run of digits is at worst text.
    keypad = [Button("7", "key:7"), Button("1", "key:1")]
    assert parse_line(chat, "1", keypad, None) == Choice(chat, "key:1")
    assert parse_line(chat, "2", keypad, None) == Choice(chat, "key:1")
    assert parse_line(chat, "9" * 5000, buttons, None) == Text(chat, "9" * 5000)


async def test_piped_script_binds_and_submits(tmp_path: Path) -> None:
    storage = await open_storage(f"sqlite:///{tmp_path}/console.sqlite3")
    try:
        await seed_demo(storage, now=NOW)
        engine = DialogEngine(storage, dialog_config(load_settings(DEFAULTS_FILE)), lambda: NOW)
        script = "\n".join(
            ["/start", "1", "/contact +79990000001", "Передать показания", "46720", "1",
             "/history", ""]
        )  # fmt: skip
        out = io.StringIO()
        code = await run_console(
            engine, "me", None, io.StringIO(script), out, picture_dir=tmp_path
        )
    finally:
        await storage.close()
    transcript = out.getvalue()
    assert code == 0
    assert "> /start\nЗдравствуйте!" in transcript
    assert "[1] Согласен  [2] Что вы храните?" in transcript
    assert "Нашли ваш лицевой счёт 12345-678-90 по номеру телефона" in transcript
    assert "[1] Всё верно, передать" in transcript
    assert "Показания приняты 20 ноября в 14:05" in transcript
    assert "(picture: " in transcript
    assert any(name.startswith("picture-") for name in os.listdir(tmp_path))


def test_meterbot_chat_command_in_english(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = DEFAULTS_FILE.read_text(encoding="utf-8")
    config.write_text(
        text.replace("sqlite:///data/meterbot.sqlite3", f"sqlite:///{tmp_path}/chat.sqlite3"),
        encoding="utf-8",
    )
    result = subprocess.run(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "bot", "--config", str(config), "chat", "--lang", "en"],
        input="/start\n2\n/offices Butovo\n/help\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Hello! I can take your electricity meter readings" in result.stdout
    assert "The operator of your personal data is" in result.stdout
    assert "/submit 45230 21100" in result.stdout
