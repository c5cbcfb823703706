"""Import one million generated accounts on SQLite, beside the sqlite3 shell's `.import`.

    python bench/bench_import.py [--rows N] [--dir PATH] [--postgres postgresql://user@host:port]

Both sides read the same CSV file into a database on the same disk. The floor is the sqlite3
command line's `.import` into a plain table (no keys, no checks, no meters, no phones): what
moving the bytes into SQLite costs at the least. Ours is `meterbot import-accounts`, run as the
operator runs it (a fresh process, the real configuration path). Prints figures; asserts only
that every row arrived.

Two more rows say where the import's time goes. The import reads, checks and stages the file
(binds each batch into a SQLite file of its own) in one process while it writes the previous
batch in another, so its wall time is about the longer of the two; here they run one after the
other in this process and are timed apart: reading, checking and staging the rows
(`bot.imports.accounts.read_batches`, `storage.import_rows.stage_rows`), and writing them
(`Storage.upsert_accounts` of each staged batch into a fresh database).

With `--postgres` the same file is also imported into a fresh database on that server (created
and dropped by the benchmark): a figure for operators, with no floor beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.imports.accounts import read_batches  # noqa: E402
from bot.operator import BATCH_ROWS  # noqa: E402
from storage.base import open_storage  # noqa: E402
from storage.import_rows import stage_rows  # noqa: E402

COLUMNS = (
    "account;meter_serial;zones;digits;stove;phone;address;residents;area_m2;"
    "last_period;last_t1;last_t2;last_t3;status"
)
STREETS = (
    "ул. Тверская", "Ленинский просп.", "ул. Профсоюзная", "Кутузовский просп.",
    "ул. Бауманская", "Варшавское ш.", "ул. Вавилова", "Щёлковское ш.", "ул. Маросейка",
)  # fmt: skip


def generate(path: Path, rows: int, seed: int = 20260315) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(COLUMNS + "\n")
        for i in range(rows):
            number = f"{7000000000 + i:010d}"
            zones = rng.choice((1, 1, 2, 2, 3))
            phone = f"+79{rng.randrange(10**9):09d}" if rng.random() < 0.3 else ""
            address = (
                f"г. Москва, {rng.choice(STREETS)}, д. {rng.randrange(1, 200)}, кв. {i % 400}"
            )
            area = f"{rng.randrange(25, 140)},{rng.randrange(10)}"
            if rng.random() < 0.8:
                last = [str(rng.randrange(1000, 90000)) for _ in range(zones)]
                last += [""] * (3 - zones)
                period = "2026-02"
            else:
                last, period = ["", "", ""], ""
            stove = "electric" if i % 7 == 0 else "gas"
            status = "automatic" if i % 50 == 0 else "active"
            out.write(
                f"{number[:5]}-{number[5:8]}-{number[8:]};{_serial(i)};{zones};6;"
                f"{stove};{phone};{address};{rng.randrange(1, 6)};{area};{period};"
                f"{';'.join(last)};{status}\n"
            )


def _serial(i: int) -> str:
    """A meter serial of eight digits that no other row has: the import refuses a serial
    active on two accounts. (48271 is prime, so i -> 48271 i is one-to-one modulo 10**8.)"""
    return f"{(i * 48271 + 20260315) % 10**8:08d}"


def _remove_database(db: Path) -> None:
    # A --dir kept from an earlier run: both sides start from an empty database.
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)


def time_meterbot(csv_path: Path, work: Path, url: str | None = None) -> float:
    """Seconds `meterbot import-accounts` takes into `url` (default: a fresh SQLite file)."""
    if url is None:
        db = work / "meterbot.sqlite3"
        _remove_database(db)
        url = f"sqlite:///{db}"
    config = work / "config.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    command = [sys.executable, "-m", "bot", "--config", str(config)]
    # The import refuses a database that does not exist yet: made first, outside the timing.
    subprocess.run([*command, "db", "migrate"], capture_output=True, check=True)  # noqa: S603
    command.append("import-accounts")
    started = time.perf_counter()
    done = subprocess.run([*command, str(csv_path)], capture_output=True, text=True, check=False)  # noqa: S603
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"meterbot import failed ({done.returncode}): {done.stderr.strip()}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  meterbot says: {done.stdout.splitlines()[0]}  (peak memory {peak_mb:.0f} MB)")
    return elapsed if asyncio.run(_count(url)) else float("nan")


async def _count(url: str) -> int:
    storage = await open_storage(url)
    try:
        return await storage.count_accounts()
    finally:
        await storage.close()


def time_postgres(csv_path: Path, work: Path, server: str) -> float:
    """`time_meterbot` into a fresh database on the PostgreSQL `server`, dropped afterwards."""
    name = f"meterbot_bench_{os.getpid()}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    try:
        return time_meterbot(csv_path, work, f"{server.rstrip('/')}/{name}")
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}"'))


async def _admin(server: str, statement: str) -> None:
    conn = await asyncpg.connect(f"{server.rstrip('/')}/postgres")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def time_halves(csv_path: Path, work: Path) -> tuple[float, float]:
    """Seconds spent reading, checking and staging the rows, and writing them, one after the
    other."""
    db = work / "halves.sqlite3"
    _remove_database(db)
    return asyncio.run(_halves(csv_path, f"sqlite:///{db}", work / "staged.sqlite3"))


async def _halves(csv_path: Path, url: str, staged: Path) -> tuple[float, float]:
    storage = await open_storage(url)
    reading = writing = 0.0
    try:
        # Opened as `meterbot import-accounts` opens it (bot/operator.py).
        with csv_path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
            batches = read_batches(text, BATCH_ROWS)
            while True:
                staged.unlink(missing_ok=True)  # noqa: ASYNC240 - nothing else on the loop
                started = time.perf_counter()
                batch = next(batches, None)
                if batch is None:
                    return reading, writing
                rows = stage_rows(str(staged), batch.rows)
                reading += time.perf_counter() - started
                started = time.perf_counter()
                await storage.upsert_accounts(rows)
                writing += time.perf_counter() - started
    finally:
        await storage.close()


def time_floor(sqlite_cli: str, csv_path: Path, work: Path) -> float:
    db = work / "floor.sqlite3"
    _remove_database(db)
    script = (
        f"CREATE TABLE accounts ({', '.join(c + ' TEXT' for c in COLUMNS.split(';'))});\n"
        ".mode csv\n.separator ;\n"
        f".import --skip 1 '{csv_path}' accounts\n"
    )
    started = time.perf_counter()
    subprocess.run([sqlite_cli, str(db)], input=script, text=True, check=True)  # noqa: S603
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp one)")
    parser.add_argument(
        "--postgres",
        metavar="SERVER",
        help="also import into a fresh database on this server (postgresql://user@host:port)",
    )
    args = parser.parse_args()
    sqlite_cli = shutil.which("sqlite3")
    work = Path(args.dir or tempfile.mkdtemp(prefix="meterbot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        csv_path = work / "accounts.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {args.rows:,} accounts, {size_mb:.0f} MB, "
              f"in {time.perf_counter() - started:.1f} s  ({work})")  # fmt: skip
        ours = time_meterbot(csv_path, work)
        print(f"meterbot import-accounts: {ours:8.2f} s  {args.rows / ours:>10,.0f} rows/s")
        if sqlite_cli is None:
            print("sqlite3 command line NOT FOUND: no floor to compare with "
                  "(apt-get install -y sqlite3)")  # fmt: skip
            return 1
        floor = time_floor(sqlite_cli, csv_path, work)
        print(f"sqlite3 .import (floor):  {floor:8.2f} s  {args.rows / floor:>10,.0f} rows/s")
        print(f"ratio: {ours / floor:.2f}x the floor (aim: within 3x)")
        reading, writing = time_halves(csv_path, work)
        for name, seconds in (("reading, checking, staging", reading), ("writing", writing)):
            print(f"  {name + ' alone:':<34}{seconds:6.2f} s  {seconds / floor:5.2f}x the floor")
        if args.postgres:
            postgres = time_postgres(csv_path, work, args.postgres)
            rate = args.rows / postgres
            print(f"meterbot into PostgreSQL: {postgres:8.2f} s  {rate:>10,.0f} rows/s")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
