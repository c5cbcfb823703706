"""Benchmark: one outage over 2,000 buildings whose residents have 200,000 bound chats.

Measures the time to select the recipients: as objects, and as the notice service does it, the
notice's rows selected and written by set (aim: under 2 s on SQLite); then sends the notice
through the Telegram sender against the local Bot API emulator (tests/reminders/botapi.py),
which enforces the rate and answers 429 beyond it, and prints the achieved pace against the
configured one (aim: >= 0.95), duplicates and chats never reached (aim: 0 and 0).

Half the buildings are named by GUID (`house_id`), half by address; a tenth as many accounts
again live next door (д. 1NN for д. NN, another GUID), and must not be chosen.

    .venv/bin/python bench/bench_outages.py [--buildings 2000] [--chats 200000] [--rate 500]
        [--send 20000] [--storage postgresql://…]

`--send` notices are sent (the rest of the campaign's rows are set aside); `--send 0` only
measures the selection. Seeding writes the bindings with one bulk statement
(a benchmark's set-up, not a resident's path).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bench.bench_reminders import emulator_stats, start_emulator  # noqa: E402
from billing_core.buildings import building_key  # noqa: E402
from billing_core.models import Account, Meter, MeterKind  # noqa: E402
from billing_core.outages import BuildingRef, Outage, OutageKind  # noqa: E402
from bot.config import Settings, StorageSettings, TelegramSettings  # noqa: E402
from bot.outages.notices import OutageNotices  # noqa: E402
from bot.reminders.channels import telegram_sender  # noqa: E402
from bot.reminders.pacing import RealTimer  # noqa: E402
from bot.reminders.service import make_pacers  # noqa: E402
from storage.base import ImportRow, RecipientStatus, Storage, open_storage  # noqa: E402

FIRST_USER = 100_000_000


def address(building: int, flat: int, *, next_door: bool = False) -> str:
    street, house = divmod(building, 50)
    number = house + 1 + (100 if next_door else 0)
    return f"г. Москва, ул. Бенчмарковая-{street}, д. {number}, кв. {flat}"


def guid(building: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"meterbot-bench-{building}"))


async def seed(storage: Storage, buildings: int, chats: int) -> set[str]:
    """`chats` accounts in `buildings` buildings, each with a chat, and a tenth as many next
    door (the account numbers returned)."""
    per_building = chats // buildings
    rows: list[ImportRow] = []
    house_ids: list[tuple[str, str | None]] = []
    next_door_numbers: set[str] = set()
    index = 0
    for building in range(buildings):
        for flat in range(per_building):
            for next_door in (False, True)[: 1 + (flat < per_building // 10)]:
                number = f"{7_000_000_000 + index:010d}"
                if next_door:
                    next_door_numbers.add(number)
                where = address(building, flat + 1, next_door=next_door)
                rows.append(ImportRow(Account(number, Meter(f"B{index:08d}", MeterKind.SINGLE),
                                              address=where)))  # fmt: skip
                if building % 2 == 0:  # by GUID; the neighbours have their own GUIDs
                    house_ids.append((number, guid(building + (10**6 if next_door else 0))))
                index += 1
    for start in range(0, len(rows), 20_000):
        await storage.upsert_accounts(rows[start : start + 20_000])
    await storage.set_house_ids(house_ids)
    at = datetime.now(UTC).isoformat()
    bindings = [
        ("telegram", str(FIRST_USER + i), row.account.number, f"flat {i}", at)
        for i, row in enumerate(rows)
    ]
    await _bulk_bind(storage, bindings)
    return next_door_numbers


async def _bulk_bind(storage: Storage, bindings: list[tuple[str, str, str, str, str]]) -> None:
    insert = "INSERT INTO bindings (channel, user_id, account, alias, bound_at) VALUES "
    if getattr(storage, "engine", "") == "postgres":
        pool = getattr(storage, "_pool")  # noqa: B009 - a benchmark's set-up
        async with pool.acquire() as conn:
            await conn.executemany(insert + "($1, $2, $3, $4, $5::text::timestamptz)", bindings)
        return

    def write(conn: object) -> None:
        conn.executemany(insert + "(?, ?, ?, ?, ?)", bindings)  # type: ignore[attr-defined]

    await storage.atomically(write, bulk=True)  # type: ignore[attr-defined]


def the_outage(buildings: int, starts: datetime) -> Outage:
    refs = []
    for building in range(buildings):
        if building % 2 == 0:
            refs.append(BuildingRef(house_id=guid(building)))
        else:
            where = address(building, 1).rsplit(",", 1)[0]
            refs.append(BuildingRef(building=building_key(where) or "", address=where))
    return Outage("BENCH-1", OutageKind.EMERGENCY, starts, starts + timedelta(hours=6),
                  "Авария", buildings=tuple(refs))  # fmt: skip


async def bench(args: argparse.Namespace) -> int:
    workdir = tempfile.TemporaryDirectory()
    url = args.storage or f"sqlite:///{workdir.name}/bench.sqlite3"
    storage = await open_storage(url)
    try:
        started = time.perf_counter()
        next_door = await seed(storage, args.buildings, args.chats)
        print(f"seeded {args.chats} accounts and chats in the outage's buildings and "
              f"{len(next_door)} next door in {time.perf_counter() - started:.1f} s")  # fmt: skip
        now = datetime.now(UTC)
        started = time.perf_counter()
        read = await storage.refresh_buildings()
        print(f"building keys read   {read} addresses in {time.perf_counter() - started:.2f} s "
              "(once after an import; `outages import` does it)")  # fmt: skip
        await storage.save_outages([the_outage(args.buildings, now)], now)
        [outage] = await storage.list_outages()
        started = time.perf_counter()
        recipients = await storage.outage_recipients(outage.id)
        selected = time.perf_counter() - started
        wrong = sum(1 for r in recipients if r.account in next_door)
        print(f"recipients selected  {len(recipients)} in {selected:.2f} s, as objects "
              f"({wrong} from next door)")  # fmt: skip
        started = time.perf_counter()
        campaign_id, rows = await storage.write_notice(outage.id, "announce-1", ["telegram"], now)
        written = time.perf_counter() - started
        print(f"notice written       {rows} rows selected and written by set in {written:.2f} s "
              "(the notice service's path; aim < 2 s on SQLite)")  # fmt: skip
        ok = written < 2.0 or not url.startswith("sqlite")
        ok = ok and len(recipients) == rows == args.chats and wrong == 0
        if args.send:
            ok = await send(args, url, storage, campaign_id, now) and ok
    finally:
        await storage.close()
        workdir.cleanup()
    print("aims:", "met" if ok else "NOT met")
    return 0 if ok else 1


async def send(
    args: argparse.Namespace, url: str, storage: Storage, campaign_id: int, now: datetime
) -> bool:
    burst = max(2.0, args.rate / 20)
    emulator, base_url = await start_emulator(args.rate, burst)
    settings = Settings(
        storage=StorageSettings(url=url),
        telegram=TelegramSettings(
            token=SecretStr("123456:bench"),  # the emulator accepts any token
            api_base=base_url,
            messages_per_second=args.rate,
            allow_paid_broadcast=args.rate > 30,
        ),
    )
    try:
        async with telegram_sender(settings, storage) as sender:
            senders = {"telegram": sender}
            notices = OutageNotices(
                settings, storage, senders, make_pacers(senders, RealTimer()), clock=lambda: now
            )
            if args.send < args.chats:  # a shorter run: the rest is left out
                await _leave_pending(storage, campaign_id, args.send)
            await _settle(storage)
            started = time.perf_counter()
            await notices.send_open()
            await notices.drain()
            elapsed = time.perf_counter() - started
            counts = await storage.campaign_counts(campaign_id)
        accepted_at, too_many = await emulator_stats(base_url)
    finally:
        emulator.terminate()
        await emulator.wait()
    per_chat = Counter(chat for chat, _ in accepted_at)
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    meant = min(args.send, args.chats)
    never = meant - len(per_chat)
    times = [moment for _, moment in accepted_at]
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    fraction = achieved / args.rate
    print(f"configured rate      {args.rate:.0f}/s (emulator burst {burst:.0f})")
    print(f"messages accepted    {len(times)} in {span:.2f} s (sending {elapsed:.2f} s)")
    print(f"achieved rate        {achieved:.1f}/s = {fraction:.3f} of configured (aim >= 0.95)")
    print(f"429 answers          {too_many}")
    print(f"duplicates           {duplicates}")
    print(f"never reached        {never}")
    print(f"campaign rows        sent {counts[RecipientStatus.SENT]}, failed "
          f"{counts[RecipientStatus.FAILED]}, unknown {counts[RecipientStatus.SENDING]}, "
          f"skipped {counts[RecipientStatus.SKIPPED]}")  # fmt: skip
    return fraction >= 0.95 and duplicates == 0 and never == 0


async def _settle(storage: Storage) -> None:
    """Write SQLite's log back into the database file before the pace is measured: the set-up
    above left megabytes in it, and checkpointing them would land on the first sends."""
    if getattr(storage, "engine", "") == "sqlite":
        await storage.on_thread(  # type: ignore[attr-defined]
            lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        )


async def _leave_pending(storage: Storage, campaign_id: int, keep: int) -> None:
    """Mark all but the first `keep` rows skipped, so a run sends `keep` messages."""
    sql = (
        "UPDATE campaign_recipients SET status = 'skipped', detail = 'bench' "
        "WHERE campaign_id = {p1} AND id > (SELECT min(id) FROM campaign_recipients "
        "WHERE campaign_id = {p1}) + {p2} - 1"
    )
    if getattr(storage, "engine", "") == "postgres":
        pool = getattr(storage, "_pool")  # noqa: B009 - a benchmark's set-up
        async with pool.acquire() as conn:
            await conn.execute(sql.format(p1="$1", p2="$2"), campaign_id, keep)
        return
    await storage._change(sql.format(p1="?1", p2="?2"), (campaign_id, keep))  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buildings", type=int, default=2_000)
    parser.add_argument("--chats", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=500.0, help="messages per second")
    parser.add_argument("--send", type=int, default=20_000,
                        help="notices to send (0: only select the recipients)")  # fmt: skip
    parser.add_argument("--storage", default="", help="storage URL (default: a temporary SQLite)")
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
