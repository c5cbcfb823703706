"""Several `python -m bot run` processes in Telegram webhook mode on one PostgreSQL database, a
Bot API emulator they all send through, and residents that talk to them like Telegram would.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from billing_core.models import Account, Meter, MeterKind, Period, Register
from storage.base import ImportRow, open_storage
from tests.telegram.emulator import ApiCall, BotApiEmulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "700000001:AAH" + "x" * 32
SECRET = "webhook-secret-for-tests"
WEBHOOK_PATH = "/telegram/webhook"
ACCEPTED = re.compile(r"^(Показания приняты|Readings accepted)")
REPLY_WAIT = 8.0  # seconds; a crash can swallow an update, and then no reply ever comes


def account_of(i: int) -> Account:
    return Account(number=f"{7700000000 + i:010d}", meter=Meter(f"77{i:05d}", MeterKind.SINGLE))


async def seed_accounts(url: str, count: int, period: Period) -> None:
    storage = await open_storage(url)
    try:
        last = {Register.T1: Decimal(10000)}
        rows = [ImportRow(account_of(i), period.prev(), last) for i in range(count)]
        await storage.upsert_accounts(rows)
    finally:
        await storage.close()


def current_period() -> Period:
    return Period.of(datetime.now(ZoneInfo("Europe/Moscow")))


def write_config(path: Path, db_url: str, api_base: str) -> None:
    defaults = (ROOT / "bot" / "defaults.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^url = ".*"', f'url = "{db_url}"', defaults, count=1)
    # Every day is a submission day, so that the test does not depend on the calendar.
    text = re.sub(r"(?m)^window_start_day = \d+", "window_start_day = 1", text)
    text = re.sub(r"(?m)^window_end_day = \d+", "window_end_day = 31", text)
    text = re.sub(r'(?m)^api_base = ""', f'api_base = "{api_base}"', text, count=1)
    text = re.sub(r'(?m)^mode = "polling"', 'mode = "webhook"', text)
    text = re.sub(
        r'(?m)^webhook_url = ""', 'webhook_url = "https://bot.example.org"', text, count=1
    )
    path.write_text(text, encoding="utf-8")


@dataclass
class BotProcess:
    port: int
    config: Path
    log: Path
    scheduler: bool
    proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {
            **os.environ,
            "METERBOT_HTTP__PORT": str(self.port),
            "METERBOT_TELEGRAM__TOKEN": TOKEN,
            "METERBOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
            "METERBOT_REMINDERS__SCHEDULER": "true" if self.scheduler else "false",
            "METERBOT_LOGGING__FORMAT": "json",
        }
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(self.config), "run",
                cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        await self._wait_healthy()

    async def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    raise RuntimeError(
                        f"bot on :{self.port} exited: {self.log.read_text()[-2000:]}"
                    )
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(
            f"bot on :{self.port} not healthy in 30 s: {self.log.read_text()[-2000:]}"
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


@dataclass
class Telegram:
    """Delivers updates the way Telegram does: to the webhook, retried elsewhere on failure."""

    emulator: BotApiEmulator
    processes: list[BotProcess]
    session: aiohttp.ClientSession
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    round_robin: itertools.count[int] = field(default_factory=itertools.count)
    answered: Counter[int] = field(default_factory=Counter)  # port → updates it took

    async def deliver(self, update: dict[str, Any], *, to: int | None = None) -> int:
        """POST the update; on a refused connection or 5xx try the next process (nginx's
        proxy_next_upstream). Returns the port that answered 200."""
        start = next(self.round_robin) if to is None else to
        for attempt in range(len(self.processes) * 3):
            process = self.processes[(start + attempt) % len(self.processes)]
            url = f"http://127.0.0.1:{process.port}{WEBHOOK_PATH}"
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            try:
                async with self.session.post(url, json=update, headers=headers) as response:
                    if response.status == 200:
                        self.answered[process.port] += 1
                        return process.port
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"no process accepted update {update['update_id']}")

    def message(self, chat_id: int, text: str) -> dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": "Resident", "language_code": "ru"}
        return {
            "update_id": next(self.update_ids),
            "message": {
                "message_id": next(self.update_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": user,
                "text": text,
            },
        }

    def press(self, chat_id: int, data: str) -> dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": "Resident", "language_code": "ru"}
        return {
            "update_id": next(self.update_ids),
            "callback_query": {
                "id": str(next(self.update_ids)),
                "from": user,
                "chat_instance": str(chat_id),
                "data": data,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": "…",
                },
            },
        }


@dataclass
class Resident:
    chat_id: int
    account: Account
    reading: int
    telegram: Telegram
    seen: int = 0

    @property
    def chat(self) -> str:
        return str(self.chat_id)

    async def say(self, update: dict[str, Any], *, also_to: int | None = None) -> list[ApiCall]:
        """Deliver one update (twice at once with `also_to`) and wait for the bot's answer."""
        deliveries = [self.telegram.deliver(update)]
        if also_to is not None:
            deliveries.append(self.telegram.deliver(update, to=also_to))
        await asyncio.gather(*deliveries)
        return await self.replies()

    async def replies(self) -> list[ApiCall]:
        emulator = self.telegram.emulator
        try:
            await emulator.wait_for(
                lambda: len(emulator.sent_to(self.chat)) > self.seen, REPLY_WAIT
            )
        except TimeoutError:
            return []
        await asyncio.sleep(0.05)  # a turn may send several messages
        sent = emulator.sent_to(self.chat)
        fresh, self.seen = sent[self.seen :], len(sent)
        return fresh

    def button(self, replies: list[ApiCall], prefix: str) -> str | None:
        for call in reversed(replies):
            for label, data in buttons_of(call):
                if label.startswith(prefix) and data:
                    return data
        return None

    def confirmed(self) -> bool:
        return any(ACCEPTED.match(c.text) for c in self.telegram.emulator.sent_to(self.chat))


def buttons_of(call: ApiCall) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button the call carries."""
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]


async def submit(resident: Resident, *, duplicate_confirm_to: int | None = None) -> bool:
    """Consent, bind, submit, confirm; True once the bot confirmed the reading."""
    tg = resident.telegram
    replies = await resident.say(tg.message(resident.chat_id, "/start"))
    consent = resident.button(replies, "Согласен")
    if consent:
        await resident.say(tg.press(resident.chat_id, consent))
    await resident.say(
        tg.message(
            resident.chat_id, f"/bind {resident.account.number} {resident.account.meter.serial}"
        )
    )
    replies = await resident.say(tg.message(resident.chat_id, f"/submit {resident.reading}"))
    confirm = resident.button(replies, "Всё верно")
    if confirm is None:
        return False
    replies = await resident.say(tg.press(resident.chat_id, confirm), also_to=duplicate_confirm_to)
    return any(ACCEPTED.match(s.text) for s in replies)
