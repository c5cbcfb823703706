"""Two `meterbot run` processes on one PostgreSQL database, both allowed to run the scheduler:
one leads; SIGKILL it and the other leads within seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port

from bot.leadership import EVERY_SECONDS
from tests.ops.cluster import BotProcess, write_config
from tests.pg import fresh_database
from tests.telegram.emulator import BotApiEmulator

pytestmark = pytest.mark.postgres

LEADS = "this process leads"


@pytest.fixture
async def api() -> AsyncIterator[str]:
    emulator = BotApiEmulator()
    base = await emulator.start()
    try:
        yield base
    finally:
        await emulator.close()


async def leading(processes: list[BotProcess], seconds: float = 20.0) -> list[BotProcess]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        leaders = [p for p in processes if p.log.read_text(errors="replace").count(LEADS)]
        if leaders:
            return leaders
        await asyncio.sleep(0.05)
    return []


async def test_the_scheduler_fails_over_when_its_process_is_killed(
    api: str, tmp_path: Path
) -> None:
    async with fresh_database() as url:
        config = tmp_path / "config.toml"
        write_config(config, url, api)
        processes = [
            BotProcess(unused_port(), config, tmp_path / f"bot{i}.log", scheduler=True)
            for i in range(2)
        ]
        try:
            await asyncio.gather(*(p.start() for p in processes))
            leaders = await leading(processes)
            await asyncio.sleep(1.0)  # time enough for a second leader, were there one
            assert len(await leading(processes)) == 1
            [leader] = leaders
            [follower] = [p for p in processes if p is not leader]
            leader.kill()
            killed = time.monotonic()
            assert await leading([follower]) == [follower]
            took = time.monotonic() - killed
        finally:
            for process in processes:
                await process.stop()
    print(f"\nscheduler leader SIGKILLed: the other process led {took:.2f} s later")
    # The follower asks every EVERY_SECONDS: it must lead at its next try or the one after (a
    # try the loaded test machine delayed), plus the time its process takes to say so.
    assert took < 2 * EVERY_SECONDS + 3.0
