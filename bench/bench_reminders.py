"""Benchmark: one reminder campaign to 20,000 residents through the Telegram sender, against a
local Bot API emulator that enforces a rate and answers 429 (with retry_after) beyond it.

Prints the achieved rate as a fraction of the configured one, the count of 429 answers, of
duplicates and of recipients never reached. Aim: >= 0.95, 0, 0, 0.

    .venv/bin/python bench/bench_reminders.py [--recipients 20000] [--rate 500]
        [--emulator-burst N] [--storage postgresql://…]

At the default rate, 500/s, the run takes about 40 s after seeding; `--rate 1000` is Telegram's
paid-broadcast ceiling (`allow_paid_broadcast`), `--rate 30` the free tier (about 11 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from billing_core.models import Account, Meter, MeterKind  # noqa: E402
from bot.config import Settings, StorageSettings, TelegramSettings  # noqa: E402
from bot.reminders.channels import telegram_sender  # noqa: E402
from bot.reminders.model import ReminderKind  # noqa: E402
from bot.reminders.service import ReminderService  # noqa: E402
from dialogs.events import ChatRef  # noqa: E402
from storage.base import ImportRow, RecipientStatus, Storage, open_storage  # noqa: E402

OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
FIRST_USER = 100_000_000


async def seed(storage: Storage, count: int) -> None:
    rows = [
        ImportRow(Account(f"{7_000_000_000 + i:010d}", Meter(f"B{i:08d}", MeterKind.SINGLE)))
        for i in range(count)
    ]
    await storage.upsert_accounts(rows)
    at = datetime.now(UTC)
    for i in range(count):
        # No profile: a chat without one has the defaults (reminders on), as after /start.
        await storage.bind(ChatRef("telegram", str(FIRST_USER + i)), rows[i].account.number,
                           f"flat {i}", at)  # fmt: skip


async def start_emulator(rate: float, burst: float) -> tuple[asyncio.subprocess.Process, str]:
    """The emulator in a process of its own, as Telegram's servers are not in ours."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.reminders.botapi", "--rate", str(rate), "--burst", str(burst),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    base_url = (await process.stdout.readline()).decode().strip()
    if not base_url.startswith("http://"):
        raise SystemExit("the Bot API emulator did not start")
    return process, base_url


async def emulator_stats(base_url: str) -> tuple[list[tuple[str, float]], int]:
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/stats") as answer:
        stats = await answer.json()
    return [(chat, moment) for chat, moment in stats["accepted"]], int(stats["too_many"])


async def bench(args: argparse.Namespace) -> int:
    burst = args.emulator_burst or max(2.0, args.rate / 20)
    emulator, base_url = await start_emulator(args.rate, burst)
    workdir = tempfile.TemporaryDirectory()
    url = args.storage or f"sqlite:///{workdir.name}/bench.sqlite3"
    settings = Settings(
        storage=StorageSettings(url=url),
        telegram=TelegramSettings(
            token=SecretStr("123456:bench"),  # the emulator accepts any token
            api_base=base_url,
            messages_per_second=args.rate,
            allow_paid_broadcast=args.rate > 30,
        ),
    )
    storage = await open_storage(url)
    try:
        started = time.perf_counter()
        await seed(storage, args.recipients)
        print(f"seeded {args.recipients} residents in {time.perf_counter() - started:.1f} s")
        async with telegram_sender(settings, storage) as sender:
            service = ReminderService(
                settings, storage, {"telegram": sender}, clock=lambda: OPENING_AT
            )
            started = time.perf_counter()
            summary = await service.run_campaign(ReminderKind.OPENING)
            elapsed = time.perf_counter() - started
        accepted_at, too_many = await emulator_stats(base_url)
    finally:
        await storage.close()
        emulator.terminate()
        await emulator.wait()
        workdir.cleanup()

    per_chat = Counter(chat for chat, _ in accepted_at)
    accepted = len(accepted_at)
    duplicates = sum(count - 1 for count in per_chat.values() if count > 1)
    never = args.recipients - len(per_chat)
    times = [moment for _, moment in accepted_at]
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (accepted - 1) / span if span else 0.0
    fraction = achieved / args.rate
    print(f"configured rate      {args.rate:.0f}/s (emulator burst {burst:.0f})")
    print(f"messages accepted    {accepted} in {span:.2f} s (campaign run {elapsed:.2f} s)")
    print(f"achieved rate        {achieved:.1f}/s = {fraction:.3f} of configured")
    print(f"429 answers          {too_many}")
    print(f"duplicates           {duplicates}")
    print(f"never reached        {never}")
    print(
        f"campaign rows        sent {summary.total(RecipientStatus.SENT)}, "
        f"failed {summary.total(RecipientStatus.FAILED)}, unknown {summary.unknown}, "
        f"pending {summary.pending}"
    )
    print(
        f"this run             sent {summary.run.sent}, retried {summary.run.retried}, "
        f"429 honoured {summary.run.rate_limited}, failed {summary.run.failed}"
    )
    ok = fraction >= 0.95 and duplicates == 0 and never == 0
    print("aim (>= 0.95, no duplicates, none lost):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=500.0, help="messages per second")
    parser.add_argument(
        "--emulator-burst",
        type=float,
        default=0.0,
        help="messages the emulator lets arrive at once (default: 50 ms worth)",
    )
    parser.add_argument("--storage", default="", help="storage URL (default: a temporary SQLite)")
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
