"""Issue item 5, by test: several bot processes on one PostgreSQL database answer webhook updates
for the same residents at once, with no lost or doubled reading; a process killed with SIGKILL
while residents submit, then restarted, loses no reading the bot had confirmed.

Each process is a real `python -m bot run` in Telegram webhook mode. Telegram is played by
`tests/telegram/emulator.py` (the Bot API the processes call) and `cluster.Telegram` (webhook
deliveries, retried on the next process as nginx's `proxy_next_upstream` does). Slow by nature:
each test starts real processes, about 20 seconds each.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from billing_core.models import Period, Register
from storage.base import Storage, open_storage
from tests.ops.cluster import (
    ACCEPTED,
    BotProcess,
    Resident,
    Telegram,
    account_of,
    current_period,
    seed_accounts,
    submit,
    write_config,
)
from tests.pg import fresh_database
from tests.telegram.emulator import BotApiEmulator

pytestmark = pytest.mark.postgres

RESIDENTS = 24


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Cluster:
    db_url: str
    period: Period
    emulator: BotApiEmulator
    processes: list[BotProcess]
    telegram: Telegram

    def residents(self) -> list[Resident]:
        return [
            Resident(90000 + i, account_of(i), 10100 + i, self.telegram) for i in range(RESIDENTS)
        ]


async def _cluster(tmp_path: Path, size: int) -> AsyncIterator[Cluster]:
    period = current_period()
    async with fresh_database() as db_url:
        await seed_accounts(db_url, RESIDENTS, period)
        emulator = BotApiEmulator()
        api_base = await emulator.start()
        config = tmp_path / "config.toml"
        write_config(config, db_url, api_base)
        processes = [
            BotProcess(_free_port(), config, tmp_path / f"bot{n}.log", scheduler=n == 0)
            for n in range(size)
        ]
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        try:
            await asyncio.gather(*(p.start() for p in processes))
            yield Cluster(
                db_url, period, emulator, processes, Telegram(emulator, processes, session)
            )
        finally:
            await asyncio.gather(*(p.stop() for p in processes))
            await session.close()
            await emulator.close()


@pytest.fixture
async def three(tmp_path: Path) -> AsyncIterator[Cluster]:
    async for cluster in _cluster(tmp_path, 3):
        yield cluster


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[Cluster]:
    async for cluster in _cluster(tmp_path, 2):
        yield cluster


async def _history(storage: Storage, resident: Resident, period: Period) -> list[Decimal]:
    readings = await storage.reading_history(resident.account.number, period)
    return [r.values[Register.T1] for r in readings]


async def test_three_processes_no_lost_or_doubled_reading(three: Cluster) -> None:
    residents = three.residents()
    # Consecutive updates of one resident go to different processes (round robin), all residents
    # at once; each confirmation press is delivered twice at the same moment, to two processes.
    outcomes = await asyncio.gather(
        *(submit(r, duplicate_confirm_to=i % 3) for i, r in enumerate(residents))
    )
    assert all(outcomes), [r.chat for r, ok in zip(residents, outcomes, strict=True) if not ok]

    storage = await open_storage(three.db_url)
    try:
        for resident in residents:
            history = await _history(storage, resident, three.period)
            assert history == [Decimal(resident.reading)], resident.chat
            sent = three.emulator.sent_to(resident.chat)
            assert sum(bool(ACCEPTED.match(s.text)) for s in sent) == 1, resident.chat
    finally:
        await storage.close()
    assert set(three.telegram.answered) == {p.port for p in three.processes}
    accepted = 0.0
    for process in three.processes:
        url = f"http://127.0.0.1:{process.port}/metrics"
        async with three.telegram.session.get(url) as response:
            for family in text_string_to_metric_families(await response.text()):
                accepted += sum(
                    s.value for s in family.samples if s.name == "meterbot_readings_accepted_total"
                )
    assert accepted == RESIDENTS  # counted once each, across the processes


async def test_sigkill_loses_no_confirmed_reading(two: Cluster) -> None:
    residents = two.residents()
    victim = two.processes[0]

    async def kill_when_some_confirmed() -> None:
        enough = RESIDENTS // 4
        await two.emulator.wait_for(lambda: sum(r.confirmed() for r in residents) >= enough, 60)
        victim.kill()

    killer = asyncio.create_task(kill_when_some_confirmed())
    await asyncio.gather(*(submit(r) for r in residents))
    await killer
    confirmed_before_restart = [r for r in residents if r.confirmed()]
    assert len(confirmed_before_restart) >= RESIDENTS // 4
    storage = await open_storage(two.db_url)
    try:
        for resident in confirmed_before_restart:
            current = await storage.current_reading(resident.account.number, two.period)
            assert current is not None, resident.chat
            assert current.values[Register.T1] == Decimal(resident.reading), resident.chat
    finally:
        await storage.close()

    await victim.start()
    # Those the crash left without a confirmation simply try again, now through both processes.
    for resident in residents:
        if not resident.confirmed():
            assert await submit(resident), resident.chat

    storage = await open_storage(two.db_url)
    try:
        for resident in residents:
            history = await _history(storage, resident, two.period)
            assert history, resident.chat
            assert history[-1] == Decimal(resident.reading), resident.chat
            current = await storage.current_reading(resident.account.number, two.period)
            assert current is not None
            assert current.values[Register.T1] == Decimal(resident.reading)
    finally:
        await storage.close()
