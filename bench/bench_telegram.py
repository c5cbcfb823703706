"""Telegram updates per second through the real dispatcher, dialog engine and SQLite on disk.

Each conversation is a resident's whole submission: /start, consent, /bind, "Submit", one
reading per register (single, two- and three-zone accounts in turn), confirm. The Bot API is a
recording session (no network). In the same run a bare aiogram echo router fed the same updates
through the same path gives the floor; the figures are updates/s for both and their ratio.

Further rows say where the time goes: the dialog engine and storage alone (the same events,
no Telegram), and the Telegram layer alone (the engine's answers replayed, no storage). The
last row feeds `--residents` conversations at once, each resident's updates in order, as
polling does on a busy day (aiogram handles updates as concurrent tasks).

    .venv/bin/python bench/bench_telegram.py [--conversations 300] [--residents 20] [--profile]
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
        steps = [
            ("text", "/start"),
            ("press", "consent:yes"),
            ("text", f"/bind {number} {serial}"),
            ("press", "m:submit"),
        ]
        steps += [("text", value) for value in values]
        steps.append(("press", "sub:ok"))
        plans.append(steps)
    return plans


def build_conversations(
    plans: list[list[tuple[str, str]]], conversations: int, first_user: int = 10_000
) -> list[list[dict[str, Any]]]:
    """The raw updates of each conversation; update ids unique across all of them."""
    result: list[list[dict[str, Any]]] = []
    update_id = first_user * 100
    for n in range(conversations):
        user_id = first_user + n
        steps: list[dict[str, Any]] = []
        for kind, payload in plans[n % len(plans)]:
            update_id += 1
            if kind == "text":
                steps.append(updates.message(update_id, user_id, payload))
            else:
                steps.append(updates.press(update_id, user_id, payload))
        result.append(steps)
    return result


class Recorded:
    """The real engine, keeping each update's event and answers so that the engine and the
    Telegram layer can then be timed apart."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.events: list[Inbound] = []
        self.answers: dict[str | None, list[Reply]] = {}

    async def handle(self, event: Inbound) -> list[Reply]:
        replies: list[Reply] = await self.engine.handle(event)
        self.events.append(event)
        self.answers[event.update_id] = replies
        return replies


class Replay:
    def __init__(self, answers: dict[str | None, list[Reply]]) -> None:
        self._answers = answers

    async def handle(self, event: Inbound) -> list[Reply]:
        return self._answers[event.update_id]


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


async def feed_residents(
    dp: Dispatcher, bot: Bot, conversations: list[list[dict[str, Any]]], residents: int
) -> float:
    """Wall seconds to feed every conversation, `residents` of them in flight at once."""
    queue = iter(conversations)

    async def resident() -> None:
        for conversation in queue:
            for update in conversation:
                await dp.feed_raw_update(bot, update)

    started = time.perf_counter()
    await asyncio.gather(*(resident() for _ in range(residents)))
    return time.perf_counter() - started


async def engine_alone(settings: Any, url: str, events: list[Inbound]) -> float:
    """Wall seconds for a fresh engine on a fresh database to handle the recorded events."""
    storage = await open_storage(url)
    try:
        await seed_demo(storage, now=OPEN_DAY)
        engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
        started = time.perf_counter()
        for event in events:
            await engine.handle(event)
        return time.perf_counter() - started
    finally:
        await storage.close()


WARM_UP = 30  # conversations before the timed ones


def accepted(session: RecordingSession) -> int:
    return sum("Показания приняты" in (getattr(c, "text", "") or "") for c in session.calls)


def telegram_settings(url: str) -> Any:
    base = load_settings(DEFAULTS_FILE)
    return base.model_copy(update={
        "telegram": TelegramSettings(token=SecretStr(TOKEN)),
        "storage": base.storage.model_copy(update={"url": url}),
    })  # fmt: skip


async def main(conversations: int, residents: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = telegram_settings(f"sqlite:///{tmp}/bench.sqlite3")
        storage = await open_storage(settings.storage.url)
        try:
            await seed_demo(storage, now=OPEN_DAY)
            plans = await conversation_plans(storage)
            raw = [u for c in build_conversations(plans, conversations) for u in c]
            session = RecordingSession()
            engine = Recorded(build_engine(settings, storage, clock=lambda: OPEN_DAY))
            dp = build_dispatcher(engine, storage, settings)
            # Untimed: the first conversations fill caches (SQLite's pages, aiogram's
            # resolved handlers, text templates); the figures are for a bot that has been up.
            warm = build_conversations(plans, WARM_UP, first_user=90_000)
            warm_bot = build_bot(settings, RecordingSession())
            await feed_all(dp, warm_bot, [u for c in warm for u in c])
            engine.events.clear()
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            full, full_cpu = await feed_all(dp, build_bot(settings, session), raw)
            if profiler:
                profiler.disable()
            done = accepted(session)
            echo_bot = Bot(TOKEN, session=RecordingSession(),
                           default=DefaultBotProperties(parse_mode=ParseMode.HTML))  # fmt: skip
            echo, echo_cpu = await feed_all(echo_dispatcher(), echo_bot, raw)
            replay_dp = build_dispatcher(Replay(engine.answers), storage, settings)
            layer, _ = await feed_all(replay_dp, build_bot(settings, RecordingSession()), raw)
        finally:
            await storage.close()
        dialog = await engine_alone(settings, f"sqlite:///{tmp}/engine.sqlite3", engine.events)

        crowd_settings = telegram_settings(f"sqlite:///{tmp}/crowd.sqlite3")
        storage = await open_storage(crowd_settings.storage.url)
        try:
            await seed_demo(storage, now=OPEN_DAY)
            crowd_session = RecordingSession()
            crowd_dp = build_dispatcher(
                build_engine(crowd_settings, storage, clock=lambda: OPEN_DAY),
                storage,
                crowd_settings,
            )
            crowd_bot = build_bot(crowd_settings, crowd_session)
            talks = build_conversations(plans, conversations, first_user=50_000)
            crowd = await feed_residents(crowd_dp, crowd_bot, talks, residents)
            crowd_done = accepted(crowd_session)
        finally:
            await storage.close()

    n = len(raw)
    full_rate, echo_rate = n / full, n / echo
    print(f"conversations: {conversations}, updates: {n}, accepted: {done}; SQLite on disk")
    print(
        f"full conversation:   {full_rate:7,.0f} updates/s wall "
        f"({full * 1000 / n:.2f} ms each), {n / full_cpu:,.0f} updates per CPU second"
    )
    print(
        f"echo floor:          {echo_rate:7,.0f} updates/s wall "
        f"({echo * 1000 / n:.2f} ms each), {n / echo_cpu:,.0f} updates per CPU second"
    )
    print(f"ratio full/echo:     {full_rate / echo_rate:7.2f}")
    print(
        f"  dialog + storage:  {n / dialog:7,.0f} events/s ({dialog * 1000 / n:.2f} ms each), "
        "the same events without Telegram"
    )
    print(
        f"  telegram layer:    {n / layer:7,.0f} updates/s ({layer * 1000 / n:.2f} ms each), "
        "the dialog's answers replayed (no engine, no storage)"
    )
    print(
        f"{residents} residents at once: {n / crowd:7,.0f} updates/s wall "
        f"({crowd * 1000 / n:.2f} ms each), accepted: {crowd_done}"
    )
    if done != conversations or crowd_done != conversations:
        raise SystemExit(f"only {done} and {crowd_done} of {conversations} were accepted")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--residents", type=int, default=20,
                        help="conversations in flight at once in the last row")  # fmt: skip
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.conversations, args.residents, args.profile))
