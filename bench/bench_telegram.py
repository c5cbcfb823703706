"""Telegram updates per second through the real dispatcher, dialog engine and SQLite on disk.

Each conversation is a resident's whole submission: /start, consent, /bind, "Submit", one
reading per register (single, two- and three-zone accounts in turn), confirm. The Bot API is a
recording session (no network). In the same run a bare aiogram echo router fed the same updates
through the same path gives the floor; the figures are updates/s for both and their ratio.

Further rows say where the time goes: the dialog engine and storage alone (the same events,
no Telegram), and the Telegram layer alone (the engine's answers replayed, no storage). The
last row feeds `--residents` conversations at once, each resident's updates in order, as
polling does on a busy day (aiogram handles updates as concurrent tasks).

The aim is set for one core, so the process (and aiosqlite's thread, started after) is pinned
to one CPU where the system allows it; the report says which.

The machine's speed drifts from minute to minute, so the rows are taken in `--rounds`, each
round every row once with new residents, and each row prints its median and range; the ratio is
taken within each round, where full and echo ran seconds apart.

    .venv/bin/python bench/bench_telegram.py [--conversations 300] [--residents 20] [--rounds 5]
                                             [--profile]  (SORT=tottime for another order)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
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

from bot.config import DEFAULTS_FILE, TelegramSettings, load_settings  # noqa: E402
from bot.demo import seed_demo  # noqa: E402
from bot.telegram import build_bot, build_dispatcher  # noqa: E402
from bot.wiring import build_engine  # noqa: E402
from dialogs.channel import Acknowledge, Deliver  # noqa: E402
from dialogs.events import Event  # noqa: E402
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
        self.events: list[Event] = []
        self.answers: dict[str | None, list[Reply]] = {}

    async def handle(
        self,
        event: Event,
        deliver: Deliver | None = None,
        *,
        acknowledge: Acknowledge | None = None,
    ) -> list[Reply]:
        replies: list[Reply] = await self.engine.handle(event, deliver, acknowledge=acknowledge)
        self.events.append(event)
        self.answers[event.update_id] = replies
        return replies

    async def claim(self, channel: str, update_id: str) -> bool:
        claimed: bool = await self.engine.claim(channel, update_id)
        return claimed


class Replay:
    def __init__(self, answers: dict[str | None, list[Reply]]) -> None:
        self._answers = answers

    async def handle(
        self,
        event: Event,
        deliver: Deliver | None = None,
        *,
        acknowledge: Acknowledge | None = None,
    ) -> list[Reply]:
        if acknowledge is not None:
            await acknowledge()
        replies = self._answers[event.update_id]
        if deliver is not None and replies:
            await deliver(replies)
        return replies

    async def claim(self, channel: str, update_id: str) -> bool:
        return True


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


async def engine_alone(settings: Any, url: str, events: list[Event]) -> float:
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


SORT = os.environ.get("SORT", "cumulative")  # --profile's order, as pstats names it
WARM_UP = 30  # conversations before the timed ones


def accepted(session: RecordingSession) -> int:
    return sum("Показания приняты" in (getattr(c, "text", "") or "") for c in session.calls)


def telegram_settings(url: str) -> Any:
    base = load_settings(DEFAULTS_FILE)
    return base.model_copy(update={
        "telegram": TelegramSettings(token=SecretStr(TOKEN)),
        "storage": base.storage.model_copy(update={"url": url}),
    })  # fmt: skip


@dataclass
class Rounds:
    """Seconds per update of each row, one figure per round."""

    full: list[float] = field(default_factory=list)
    full_cpu: list[float] = field(default_factory=list)
    echo: list[float] = field(default_factory=list)
    dialog: list[float] = field(default_factory=list)
    layer: list[float] = field(default_factory=list)
    crowd: list[float] = field(default_factory=list)


def row(label: str, seconds: list[float], note: str = "") -> str:
    """Median updates per second, its time per update, and the range over the rounds."""
    rates = sorted(1 / s for s in seconds)
    median = statistics.median(rates)
    figures = (
        f"{median:7,.0f}/s ({1000 / median:.2f} ms each; rounds {rates[0]:,.0f}–{rates[-1]:,.0f})"
    )
    return f"{label:<21}{figures}{note}"


def pin_to_one_core() -> str:
    """Pin this process to one CPU (the last one it may use: the first takes more interrupts)."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned to one core: this system cannot"
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


async def main(conversations: int, residents: int, rounds: int, profile: bool) -> None:
    pinned = pin_to_one_core()
    figures = Rounds()
    accepted_all = crowd_accepted = 0
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory() as tmp:
        settings = telegram_settings(f"sqlite:///{tmp}/bench.sqlite3")
        crowd_settings = telegram_settings(f"sqlite:///{tmp}/crowd.sqlite3")
        storage = await open_storage(settings.storage.url)
        crowd_storage = await open_storage(crowd_settings.storage.url)
        try:
            await seed_demo(storage, now=OPEN_DAY)
            await seed_demo(crowd_storage, now=OPEN_DAY)
            plans = await conversation_plans(storage)
            engine = Recorded(build_engine(settings, storage, clock=lambda: OPEN_DAY))
            dp = build_dispatcher(engine, settings)
            crowd_dp = build_dispatcher(
                build_engine(crowd_settings, crowd_storage, clock=lambda: OPEN_DAY),
                crowd_settings,
            )
            # Untimed: the first conversations fill caches (SQLite's pages, aiogram's
            # resolved handlers, text templates); the figures are for a bot that has been up.
            warm = build_conversations(plans, WARM_UP, first_user=10_000)
            warm_bot = build_bot(settings, RecordingSession())
            await feed_all(dp, warm_bot, [u for c in warm for u in c])
            # Each round: new residents, and the rows one after another in the same minute,
            # so that the machine's drift moves both sides of the ratio alike.
            for number in range(rounds):
                first_user = 10_000 + WARM_UP + number * conversations
                talks = build_conversations(plans, conversations, first_user=first_user)
                raw = [u for c in talks for u in c]
                n = len(raw)
                engine.events.clear()
                session = RecordingSession()
                if profiler:
                    profiler.enable()
                full, full_cpu = await feed_all(dp, build_bot(settings, session), raw)
                if profiler:
                    profiler.disable()
                accepted_all += accepted(session)
                echo, _ = await feed_all(echo_dispatcher(), echo_bot(), raw)
                replay_dp = build_dispatcher(Replay(engine.answers), settings)
                layer, _ = await feed_all(replay_dp, build_bot(settings, RecordingSession()), raw)
                url = f"sqlite:///{tmp}/engine{number}.sqlite3"
                dialog = await engine_alone(settings, url, engine.events)
                crowd_session = RecordingSession()
                crowd_bot = build_bot(crowd_settings, crowd_session)
                crowd = await feed_residents(crowd_dp, crowd_bot, talks, residents)
                crowd_accepted += accepted(crowd_session)
                figures.full.append(full / n)
                figures.full_cpu.append(full_cpu / n)
                figures.echo.append(echo / n)
                figures.layer.append(layer / n)
                figures.dialog.append(dialog / n)
                figures.crowd.append(crowd / n)
                engine.answers.clear()
        finally:
            await storage.close()
            await crowd_storage.close()

    report(figures, conversations, residents, accepted_all, crowd_accepted, pinned)
    expected = conversations * rounds
    if accepted_all != expected or crowd_accepted != expected:
        raise SystemExit(f"only {accepted_all} and {crowd_accepted} of {expected} were accepted")
    if profiler:
        pstats.Stats(profiler).sort_stats(SORT).print_stats(40)


def echo_bot() -> Bot:
    return Bot(TOKEN, session=RecordingSession(),
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))  # fmt: skip


def report(
    figures: Rounds,
    conversations: int,
    residents: int,
    accepted_all: int,
    crowd_accepted: int,
    pinned: str,
) -> None:
    ratios = sorted(e / f for f, e in zip(figures.full, figures.echo, strict=True))
    print(
        f"{len(figures.full)} rounds of {conversations} conversations, accepted: {accepted_all}; "
        f"SQLite on disk, {pinned}; medians, with each row's range over the rounds"
    )
    cpu = statistics.median(1 / s for s in figures.full_cpu)
    print(row("full conversation:", figures.full, f", {cpu:,.0f} per CPU second"))
    print(row("echo floor:", figures.echo))
    print(f"{'ratio full/echo:':<21}{statistics.median(ratios):7.2f}   "
          f"(rounds {ratios[0]:.2f}–{ratios[-1]:.2f})")  # fmt: skip
    print(row("  dialog + storage:", figures.dialog, ", the same events without Telegram"))
    print(
        row("  telegram layer:", figures.layer, ", the answers replayed (no engine, no storage)")
    )
    print(row(f"{residents} residents at once:", figures.crowd, f", accepted: {crowd_accepted}"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--residents", type=int, default=20,
                        help="conversations in flight at once in the last row")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.conversations, args.residents, args.rounds, args.profile))
