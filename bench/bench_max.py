"""MAX updates per second through the MAX channel, the dialog engine and SQLite on disk, beside
the Telegram channel's in the same run.

Each conversation is a resident's whole submission, the same steps as `bench_telegram.py`:
/start, consent, /bind, "Submit", one reading per register (single, two- and three-zone accounts
in turn), confirm. MAX's Bot API is a recording transport under maxapi's own `Bot` (the
requests built and posted through maxapi's client, no network), Telegram's a recording session
under aiogram's. Both channels get fresh residents on databases of their own. Within a round the
two channels take turns every few conversations, so that the machine's drift (other work on
the same core, the disk) falls on both alike; the ratio is taken per round. The aim: MAX at
least 0.8× Telegram's rate on one core.

    .venv/bin/python bench/bench_max.py [--conversations 300] [--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bench.bench_telegram import (  # noqa: E402
    WARM_UP,
    build_conversations,
    conversation_plans,
    feed_all,
    pin_to_one_core,
    telegram_settings,
)
from bot.config import MaxSettings  # noqa: E402
from bot.demo import seed_demo  # noqa: E402
from bot.max.channel import MaxChannel  # noqa: E402
from bot.max.client import MaxApi, build_bot  # noqa: E402
from bot.telegram import build_bot as build_telegram_bot  # noqa: E402
from bot.telegram import build_dispatcher  # noqa: E402
from bot.wiring import build_engine  # noqa: E402
from storage.base import Storage, open_storage  # noqa: E402
from tests.max import updates as max_updates  # noqa: E402
from tests.max.emulator import TOKEN as MAX_TOKEN  # noqa: E402
from tests.max.recording import RecordingSession as MaxRecording  # noqa: E402
from tests.max.recording import recording_bot  # noqa: E402
from tests.telegram.recording import RecordingSession  # noqa: E402
from tests.telegram.updates import OPEN_DAY  # noqa: E402

ACCEPTED = "Показания приняты"
TURN = 10  # conversations of one channel before the other's turn


def max_conversations(
    plans: list[list[tuple[str, str]]], conversations: int, first_user: int
) -> list[list[dict[str, Any]]]:
    """The raw MAX updates of each conversation: messages by `mid`, presses by callback id."""
    result: list[list[dict[str, Any]]] = []
    for n in range(conversations):
        user_id = first_user + n
        steps: list[dict[str, Any]] = []
        for index, (kind, payload) in enumerate(plans[n % len(plans)]):
            if kind == "text":
                steps.append(
                    max_updates.message_created(user_id, f"mid.{user_id}.{index}", payload)
                )
            else:
                steps.append(max_updates.callback(user_id, f"cb.{user_id}.{index}", payload))
        result.append(steps)
    return result


async def feed_max(channel: MaxChannel, raw: list[dict[str, Any]]) -> float:
    """Wall seconds to feed every update, each one handled and answered before the next."""
    started = time.perf_counter()
    for update in raw:
        await channel.feed(update)
    return time.perf_counter() - started


def max_channel(settings: Any, storage: Storage, session: MaxRecording) -> MaxChannel:
    engine = build_engine(settings, storage, clock=lambda: OPEN_DAY)
    bot = recording_bot(build_bot(settings.max), session)
    return MaxChannel(MaxApi(bot), engine)


async def main(conversations: int, rounds: int, profile: bool) -> None:
    pinned = pin_to_one_core()
    tg_rates: list[float] = []
    max_rates: list[float] = []
    ratios: list[float] = []
    accepted = {"telegram": 0, "max": 0}
    profiler = cProfile.Profile() if profile else None
    with tempfile.TemporaryDirectory() as tmp:
        settings = telegram_settings(f"sqlite:///{tmp}/telegram.sqlite3")
        settings = settings.model_copy(
            update={"max": MaxSettings(token=SecretStr(MAX_TOKEN), api_base="http://max.invalid")}
        )
        tg_storage = await open_storage(settings.storage.url)
        max_storage = await open_storage(f"sqlite:///{tmp}/max.sqlite3")
        try:
            await seed_demo(tg_storage, now=OPEN_DAY)
            await seed_demo(max_storage, now=OPEN_DAY)
            plans = await conversation_plans(tg_storage)
            engine = build_engine(settings, tg_storage, clock=lambda: OPEN_DAY)
            dp = build_dispatcher(engine, settings)
            max_session = MaxRecording()
            channel = max_channel(settings, max_storage, max_session)
            # Untimed: caches fill (SQLite's pages, resolved handlers, keyboards, templates).
            warm_tg = build_conversations(plans, WARM_UP, first_user=10_000)
            await feed_all(dp, build_telegram_bot(settings, RecordingSession()),
                           [u for c in warm_tg for u in c])  # fmt: skip
            warm_max = max_conversations(plans, WARM_UP, first_user=10_000)
            await feed_max(channel, [u for c in warm_max for u in c])
            for number in range(rounds):
                first_user = 10_000 + WARM_UP + number * conversations
                tg_talks = build_conversations(plans, conversations, first_user)
                mx_talks = max_conversations(plans, conversations, first_user)
                session = RecordingSession()
                telegram_bot = build_telegram_bot(settings, session)
                max_session.calls.clear()
                tg_seconds = max_seconds = 0.0
                tg_count = mx_count = 0
                for start in range(0, conversations, TURN):
                    tg_raw = [u for c in tg_talks[start : start + TURN] for u in c]
                    mx_raw = [u for c in mx_talks[start : start + TURN] for u in c]
                    seconds, _ = await feed_all(dp, telegram_bot, tg_raw)
                    tg_seconds += seconds
                    if profiler:
                        profiler.enable()
                    max_seconds += await feed_max(channel, mx_raw)
                    if profiler:
                        profiler.disable()
                    tg_count += len(tg_raw)
                    mx_count += len(mx_raw)
                accepted["telegram"] += sum(
                    ACCEPTED in (getattr(call, "text", "") or "") for call in session.calls
                )
                accepted["max"] += sum(ACCEPTED in text for text in max_session.texts())
                tg_rates.append(tg_count / tg_seconds)
                max_rates.append(mx_count / max_seconds)
                ratios.append(max_rates[-1] / tg_rates[-1])
        finally:
            await tg_storage.close()
            await max_storage.close()
            await channel.api.close()

    report(conversations, rounds, pinned, tg_rates, max_rates, ratios, accepted)
    expected = conversations * rounds
    if accepted["telegram"] != expected or accepted["max"] != expected:
        raise SystemExit(f"accepted {accepted} of {expected} each")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def report(
    conversations: int,
    rounds: int,
    pinned: str,
    tg_rates: list[float],
    max_rates: list[float],
    ratios: list[float],
    accepted: dict[str, int],
) -> None:
    print(
        f"{rounds} rounds of {conversations} conversations per channel, accepted: "
        f"Telegram {accepted['telegram']}, MAX {accepted['max']}; SQLite on disk, {pinned}"
    )
    for label, rates in (("telegram channel:", tg_rates), ("max channel:", max_rates)):
        ordered = sorted(rates)
        median = statistics.median(ordered)
        print(
            f"{label:<19}{median:7,.0f} updates/s ({1000 / median:.2f} ms each; "
            f"rounds {ordered[0]:,.0f}–{ordered[-1]:,.0f})"
        )
    ordered = sorted(ratios)
    print(
        f"{'ratio max/telegram:':<19}{statistics.median(ordered):7.2f}   "
        f"(rounds {ordered[0]:.2f}–{ordered[-1]:.2f}; aim ≥ 0.80)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.conversations, args.rounds, args.profile))
