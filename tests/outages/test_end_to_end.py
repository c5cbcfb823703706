"""Outages end to end: imported from the command line, told to a Telegram resident through the
Bot API emulator, switched off from the notice, and shown in the console by «Отключения»."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.config import DEFAULTS_FILE, Settings, TelegramSettings, load_settings
from bot.demo import seed_demo
from bot.outages.notices import OutageNotices
from bot.reminders.channels import telegram_sender
from bot.reminders.pacing import RealTimer
from bot.reminders.service import make_pacers
from bot.telegram import start_telegram
from bot.wiring import build_engine
from dialogs.texts import say
from storage.base import open_storage
from tests.telegram import updates
from tests.telegram.emulator import BotApiEmulator
from tests.telegram.recording import TOKEN
from tests.telegram.updates import OPEN_DAY

ALICE = 3001
ROOT = Path(__file__).parents[2]


def outages_file(tmp_path: Path) -> Path:
    """An emergency at the first demo account's building, now (Moscow time of OPEN_DAY)."""
    starts = OPEN_DAY.strftime("%Y-%m-%d %H:%M")
    ends = (OPEN_DAY + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    path = tmp_path / "outages.csv"
    path.write_text(
        "id;kind;starts;ends;reason;address\n"
        f"AV-1;emergency;{starts};{ends};Авария на подстанции;Москва, ул. Утренняя, д. 8А\n",
        encoding="utf-8",
    )
    return path


def meterbot(config: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "bot", "--config", str(config), *argv],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    text = DEFAULTS_FILE.read_text(encoding="utf-8")
    path.write_text(
        text.replace("sqlite:///data/meterbot.sqlite3", f"sqlite:///{tmp_path}/e2e.sqlite3"),
        encoding="utf-8",
    )
    return path


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    api = BotApiEmulator()
    api.base_url = await api.start()  # type: ignore[attr-defined]
    try:
        yield api
    finally:
        await api.close()


def settings_for(api_base: str, config: Path) -> Settings:
    base = load_settings(config)
    tg = TelegramSettings(token=SecretStr(TOKEN), api_base=api_base)
    return base.model_copy(update={"telegram": tg})


async def test_an_emergency_imported_reaches_a_telegram_resident_who_turns_notices_off(
    emulator: BotApiEmulator, config: Path, tmp_path: Path
) -> None:
    settings = settings_for(emulator.base_url, config)  # type: ignore[attr-defined]
    storage = await open_storage(settings.storage.url)
    runtime: Any = None
    try:
        await seed_demo(storage, now=OPEN_DAY)
        engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
        runtime = await start_telegram(settings, engine, web.Application())
        emulator.push(updates.message(1, ALICE, "/start"))
        emulator.push(updates.press(2, ALICE, "consent:yes"))
        emulator.push(updates.contact(3, ALICE, "+79990000001", owner_id=ALICE))
        await emulator.wait_for(
            lambda: any("Готово" in call.text for call in emulator.sent_to(ALICE))
        )
        imported = await asyncio.to_thread(
            meterbot, config, "outages", "import", str(outages_file(tmp_path))
        )
        assert imported.returncode == 0, imported.stderr
        told_before = len(emulator.sent_to(ALICE))

        async with telegram_sender(settings, storage) as sender:
            senders = {"telegram": sender}
            notices = OutageNotices(
                settings, storage, senders, make_pacers(senders, RealTimer()),
                clock=lambda: OPEN_DAY,
            )  # fmt: skip
            await notices.tick()
            await notices.drain()
            await notices.tick()  # the next look: nothing again
            await notices.drain()

        [notice] = emulator.sent_to(ALICE)[told_before:]
        assert notice.text == (
            "Аварийное отключение электроэнергии: 20 ноября с 14:05 до 17:05. Время окончания "
            "ориентировочное.\nАдрес: Москва, Утренняя 8А.\nПричина: Авария на подстанции."
        )
        keyboard = notice.params["reply_markup"]["inline_keyboard"]
        assert [row[0]["callback_data"] for row in keyboard] == ["m:outages", "outages:off"]

        emulator.push(updates.press(10, ALICE, "outages:off"))
        await emulator.wait_for(lambda: len(emulator.sent_to(ALICE)) == told_before + 2)
        assert emulator.sent_to(ALICE)[-1].text.startswith(say("ru", "outages_turned_off"))
        emulator.push(updates.press(11, ALICE, "m:outages"))
        await emulator.wait_for(lambda: len(emulator.sent_to(ALICE)) == told_before + 3)
        view = emulator.sent_to(ALICE)[-1].text
        assert view.startswith(say("ru", "outages_title"))
        assert "Сейчас: Аварийное отключение 20 ноября с 14:05 до 17:05" in view
        assert view.endswith(say("ru", "outages_notices_off"))
    finally:
        if runtime is not None:
            await runtime.stop()
        await storage.close()


def test_the_console_shows_outages_from_the_menu(config: Path, tmp_path: Path) -> None:
    seeded = meterbot(config, "run", "--demo", stdin="")
    assert seeded.returncode == 0, seeded.stderr
    # Far ahead, so the test does not depend on today's date.
    path = tmp_path / "outages.csv"
    path.write_text(
        "id,kind,starts,ends,reason,address\n"
        'PL-7,planned,2099-12-10 10:00,2099-12-10 16:00,Ремонт кабеля,"ул. Утренняя, д. 8А"\n'
        'PL-8,planned,2099-12-11 10:00,2099-12-11 16:00,Ремонт,"ул. Утренняя, д. 8"\n',
        encoding="utf-8",
    )
    assert meterbot(config, "outages", "import", str(path)).returncode == 0
    script = "/start\n1\n/contact +79990000001\nГлавное меню\nОтключения\n/outages off\n/outages\n"
    chat = meterbot(config, "chat", stdin=script)
    assert chat.returncode == 0, chat.stderr
    pressed, switched, shown = chat.stdout.split("\n> ")[-3:]
    assert pressed.startswith("Отключения\nОтключения электроэнергии по вашим адресам:\n")
    assert (
        "• Плановое отключение 10 декабря с 10:00 до 16:00 — «квартира», Москва, Утренняя 8А. "
        "Причина: Ремонт кабеля.\n\n"
    ) in pressed
    assert "11 декабря" not in pressed  # д. 8 is another building
    assert say("ru", "outages_notices_on") in pressed
    assert switched.startswith("/outages off\n" + say("ru", "outages_turned_off"))
    assert shown.rstrip("\n").endswith(
        say("ru", "outages_notices_off") + "\n[1] Присылать об отключениях\n[2] Главное меню"
    )


def test_english_outage_view(config: Path, tmp_path: Path) -> None:
    assert meterbot(config, "run", "--demo", stdin="").returncode == 0
    chat = meterbot(
        config, "chat", "--lang", "en", stdin="/start\n1\n/contact +79990000001\n/outages\n"
    )
    assert chat.returncode == 0, chat.stderr
    assert say("en", "outages_none") in chat.stdout
    assert say("en", "outages_notices_on") in chat.stdout
