"""Import balances for many accounts: `meterbot import-balances` as the operator runs it.

    python bench/bench_balances.py [--rows N] [--postgres postgresql://user@host:port]

A fresh SQLite database gets N accounts (`import-accounts`, not timed), then a balances file of
one row per account is imported twice: into no stored balances, and again over them (the same
day: every row replaces its account's). Prints seconds and rows per second; asserts only that
every row was taken. With `--postgres`, the same on a fresh database on that server (created
and dropped by the benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg


async def admin(server: str, statement: str) -> None:
    conn = await asyncpg.connect(f"{server.rstrip('/')}/postgres")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def generate(folder: Path, rows: int, seed: int = 20260401) -> tuple[Path, Path]:
    rng = random.Random(seed)
    accounts, balances = folder / "accounts.csv", folder / "balances.csv"
    with accounts.open("w", encoding="utf-8") as a, balances.open("w", encoding="utf-8") as b:
        a.write("account;meter_serial;zones\n")
        b.write("account;as_of;balance;last_payment_date;last_payment_amount\n")
        for i in range(rows):
            number = f"{7100000000 + i}"
            a.write(f"{number};SN{i:08d};1\n")
            paid = f"2026-03-{rng.randrange(1, 29):02d};{rng.randrange(100, 5000)},00" if (
                rng.random() < 0.6) else ";"  # fmt: skip
            b.write(f"{number};2026-04-01;{rng.randrange(-2000, 9000)},{rng.randrange(100):02d};"
                    f"{paid}\n")  # fmt: skip
    return accounts, balances


def meterbot(config: Path, *argv: str) -> tuple[float, str]:
    command = [sys.executable, "-m", "bot", "--config", str(config), *argv]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"meterbot {argv[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout.splitlines()[0] if done.stdout else ""


def run(work: Path, url: str, rows: int, name: str) -> None:
    config = work / "config.toml"
    config.write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    accounts, balances = generate(work, rows)
    meterbot(config, "db", "migrate")
    meterbot(config, "import-accounts", str(accounts))
    for label in ("into none stored", "over stored ones"):
        seconds, said = meterbot(config, "import-balances", str(balances))
        if f"taken {rows}," not in said:
            raise SystemExit(f"not every row was taken: {said}")
        print(f"{name} import-balances {label}: {seconds:6.2f} s  {rows / seconds:>9,.0f} rows/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="SERVER")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="meterbot-bench-"))
    try:
        run(work, f"sqlite:///{work}/meterbot.sqlite3", args.rows, "SQLite    ")
        if args.postgres:
            name = f"meterbot_bench_{os.getpid()}"
            asyncio.run(admin(args.postgres, f'CREATE DATABASE "{name}"'))
            try:
                run(work, f"{args.postgres.rstrip('/')}/{name}", args.rows, "PostgreSQL")
            finally:
                asyncio.run(admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
