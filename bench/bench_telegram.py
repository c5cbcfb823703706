"""Telegram updates per second through the real dispatcher, dialog engine and SQLite on disk.

Each conversation is a resident's whole submission: /start, consent, /bind, "Submit", one
reading per register (single, two- and three-zone accounts in turn), confirm. The Bot API is a
recording session (no network). In the same run a bare aiogram echo router fed the same updates
through the same path gives the floor; the figures are updates/s for both and their ratio.

    .venv/bin/python bench/bench_telegram.py [--conversations 300] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher, Router  # noqa: E402
from aiogram.client.default import DefaultBotProperties  # noqa: E402
from aiogram.enums import ParseMode  # noqa: E402
from aiogram.types import CallbackQuery, Message  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bot.app import build_engine  # noqa: E402
from bot.config import DEFAULTS_FILE, TelegramSettings, load_settings  # noqa: E402
from bot.demo import seed_demo  # noqa: E402
from bot.telegram import build_bot, build_dispatcher  # noqa: E402
from dialogs.events import Inbound  # noqa: E402
from dialogs.replies import Reply  # noqa: E402
from storage.base import Storage, open_storage  # noqa: E402
from tests.telegram import updates  # noqa: E402
from tests.telegram.recording import TOKEN, RecordingSession  # noqa: E402
from tests.telegram.updates import OPEN_DAY  # noqa: E402

ACCOUNTS = (("1234567890", "0012345"), ("2345678901", "0023456"), ("3456789012", "0034567"))


async def conversation_plans(storage: Storage) -> list[list[tuple[str, str]]]:
    """Per account: the steps of one conversation, ("text" | "press", payload)."""
    plans = []
    for number, serial in ACCOUNTS:
        [last] = await storage.readings(number, limit=1)
        values = [str(int(v + Decimal(150))) for _, v in sorted(last.values.items())]
        steps = [("text", "/start"), ("press", "consent:yes"),
                 ("text", f"/bind {number} {serial}"), ("press", "m:submit")]
        steps += [("text", value) for value in values]
        steps.append(("press", "sub:ok"))
        plans.append(steps)
    return plans


def build_updates(plans: list[list[tuple[str, str]]], conversations: int) -> list[dict[str, Any]]:
    raw: list[dict[str, Any]] = []
    update_id = 1
    for n in range(conversations):
        user_id = 10_000 + n
        for kind, payload in plans[n % len(plans)]:
            if kind == "text":
                raw.append(updates.message(update_id, user_id, payload))
            else:
                raw.append(updates.press(update_id, user_id, payload))
            update_id += 1
    return raw


class Recorded:
    """The real engine, keeping its answers so the Telegram layer can be timed alone."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.answers: list[list[Reply]] = []

    async def handle(self, event: Inbound) -> list[Reply]:
        replies: list[Reply] = await self.engine.handle(event)
        self.answers.append(replies)
        return replies


class Replay:
    def __init__(self, answers: list[list[Reply]]) -> None:
        self._answers = iter(answers)

    async def handle(self, event: Inbound) -> list[Reply]:
        return next(self._answers)


def echo_dispatcher() -> Dispatcher:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.include_router(router)
    return dispatcher


async def feed_all(dp: Dispatcher, bot: Bot, raw: list[dict[str, Any]]) -> tuple[float, float]:
    """Wall and CPU seconds (this process, the SQLite thread included) to feed every update."""
    started, cpu = time.perf_counter(), time.process_time()
    for update in raw:
        await dp.feed_raw_update(bot, update)
    return time.perf_counter() - started, time.process_time() - cpu


async def main(conversations: int, profile: bool, synchronous: str) -> None:
    base = load_settings(DEFAULTS_FILE)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        settings = base.model_copy(update={
            "telegram": TelegramSettings(token=SecretStr(TOKEN)),
            "storage": base.storage.model_copy(update={"url": url}),
        })
        storage = await open_storage(url)
        try:
            await seed_demo(storage, now=OPEN_DAY)
            if synchronous != "FULL":  # to see what the fsyncs cost; FULL is what runs
                await storage._db.execute(f"PRAGMA synchronous = {synchronous}")  # type: ignore[attr-defined]
            raw = build_updates(await conversation_plans(storage), conversations)
            session = RecordingSession()
            bot = build_bot(settings, session)
            engine = Recorded(build_engine(settings, storage, clock=lambda: OPEN_DAY))
            dp = build_dispatcher(engine, storage, settings)
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            full, full_cpu = await feed_all(dp, bot, raw)
            if profiler:
                profiler.disable()
            accepted = sum("Показания приняты" in (getattr(c, "text", "") or "")
                           for c in session.calls)
            echo_bot = Bot(TOKEN, session=RecordingSession(),
                           default=DefaultBotProperties(parse_mode=ParseMode.HTML))
            echo, echo_cpu = await feed_all(echo_dispatcher(), echo_bot, raw)
            replay_dp = build_dispatcher(Replay(engine.answers), storage, settings)
            layer, _ = await feed_all(replay_dp, build_bot(settings, RecordingSession()), raw)
        finally:
            await storage.close()
    full_rate, echo_rate = len(raw) / full, len(raw) / echo
    n = len(raw)
    print(f"conversations: {conversations}, updates: {n}, accepted: {accepted}, "
          f"sqlite synchronous={synchronous}")
    print(f"full conversation: {full_rate:,.0f} updates/s wall ({full * 1000 / n:.2f} ms each), "
          f"{n / full_cpu:,.0f} updates per CPU second")
    print(f"echo floor:        {echo_rate:,.0f} updates/s wall ({echo * 1000 / n:.2f} ms each), "
          f"{n / echo_cpu:,.0f} updates per CPU second")
    print(f"telegram layer:    {n / layer:,.0f} updates/s wall ({layer * 1000 / n:.2f} ms each) "
          "with the dialog's answers replayed (no engine, no storage)")
    print(f"ratio full/echo:   {full_rate / echo_rate:.2f}")
    if accepted != conversations:
        raise SystemExit(f"only {accepted} of {conversations} submissions were accepted")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL", "OFF"), default="FULL",
                        help="SQLite PRAGMA synchronous (FULL is the production setting)")
    args = parser.parse_args()
    asyncio.run(main(args.conversations, args.profile, args.synchronous))
