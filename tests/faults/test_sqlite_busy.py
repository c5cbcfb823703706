"""SQLite busy: an operator imports 200,000 accounts (`meterbot import-accounts`, a process of
its own, as on a server) while residents submit readings through the running bot. Every turn
succeeds or apologises within 5 s; nothing is half-written."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

from billing_core.models import Period, Register
from bot.config import DEFAULTS_FILE, load_settings
from bot.demo import seed_demo
from bot.wiring import build_engine
from dialogs.texts import say
from storage.base import open_storage
from tests.dialogs.conversation import Conversation
from tests.telegram.updates import OPEN_DAY

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 200_000
APOLOGY = say("ru", "oops")
ACCEPTED = "Показания приняты"
TURN_LIMIT = 5.0


def write_accounts(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("account,meter_serial,zones,last_period,last_t1\n")
        for i in range(ACCOUNTS):
            out.write(f"{8_000_000_000 + i},S{i:07d},1,2026-10,{10_000 + i % 500}\n")


def write_config(path: Path, url: str) -> None:
    text = (ROOT / "bot" / "defaults.toml").read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^url = ".*"', f'url = "{url}"', text, count=1), encoding="utf-8")


async def test_residents_are_answered_within_5_s_while_200000_accounts_are_imported(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/busy.sqlite3"
    csv, config = tmp_path / "accounts.csv", tmp_path / "config.toml"
    write_accounts(csv)
    write_config(config, url)
    storage = await open_storage(url)
    try:
        await seed_demo(storage, now=OPEN_DAY)
        engine = build_engine(load_settings(DEFAULTS_FILE), storage, clock=lambda: OPEN_DAY)
        chats = []
        for user in ("busy-1", "busy-2"):  # two chats of one household, one account
            number, serial = "1234567890", "0012345"
            chat = Conversation(engine, user)
            await chat.send("/start")
            await chat.press("consent:yes")
            await chat.send(f"/bind {number} {serial}")
            chats.append((chat, number))
        base = {
            number: (await storage.readings(number, limit=1))[0].values[Register.T1]
            for _, number in chats
        }
        importer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "import-accounts", str(csv),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        slowest, turns, apologies = 0.0, 0, 0
        confirmed: dict[str, Decimal] = {}
        step = 0
        while importer.returncode is None or turns < 10:
            chat, number = chats[step % 2]
            step += 1
            value = base[number] + 100 + step
            started = time.monotonic()
            await chat.send(f"/submit {value}")
            for label in ("Всё верно, передать", "Да, всё верно"):
                if any(button.label == label for button in chat.buttons()):
                    await chat.press(label)
            took = time.monotonic() - started
            slowest = max(slowest, took)
            turns += 1
            answer = "\n".join(reply.text for reply in chat.last)
            if ACCEPTED in answer:
                confirmed[number] = Decimal(value)
            else:
                assert APOLOGY in answer, answer
                apologies += 1
            await asyncio.sleep(0.01)
            if importer.returncode is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(importer.wait()), 0.001)
        output = (await importer.communicate())[0].decode()
        assert importer.returncode == 0, output
        assert await storage.count_accounts() == ACCOUNTS + 6  # all of them, or none would be
        november = Period.of(OPEN_DAY)
        for number, value in confirmed.items():
            current = await storage.current_reading(number, november)
            assert current is not None
            assert current.values[Register.T1] == value  # the last confirmed one, whole
    finally:
        await storage.close()
    print(
        f"\n{ACCOUNTS:,} accounts imported meanwhile: {turns} turns, slowest {slowest:.2f} s, "
        f"{apologies} apologies"
    )
    assert slowest < TURN_LIMIT
    assert confirmed
