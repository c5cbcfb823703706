"""`meterbot run` with a MAX token: the composition root serves the channel, /healthz shows it,
a resident is answered, and SIGTERM stops it after the work in flight."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import unused_port

from bot.app import GC_THRESHOLDS, run_command, serve
from bot.config import HttpSettings, StorageSettings
from storage.base import open_storage
from tests.max import updates
from tests.max.conftest import max_settings
from tests.max.emulator import MaxEmulator


async def test_run_serves_max_until_sigterm(tmp_path: Path, emulator: MaxEmulator) -> None:
    port = unused_port()
    settings = max_settings(emulator.api_base).model_copy(
        update={
            "storage": StorageSettings(url=f"sqlite:///{tmp_path}/run.sqlite3"),
            "http": HttpSettings(host="127.0.0.1", port=port),
        }
    )
    storage = await open_storage(settings.storage.url)
    thresholds = gc.get_threshold()
    serving = asyncio.create_task(serve(settings, storage))
    try:
        async with aiohttp.ClientSession() as session:
            health: dict[str, object] = {}
            for _ in range(200):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        health = await answer.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.02)
            channels = health["channels"]
            assert isinstance(channels, dict)
            assert list(channels) == ["max"]
            assert channels["max"]["mode"] == "polling"
            await emulator.deliver(updates.bot_started(7401))
            for _ in range(300):
                if emulator.to(7401):
                    break
                await asyncio.sleep(0.02)
            [welcome] = emulator.to(7401)
            assert "согласие" in welcome.text
            async with session.get(f"http://127.0.0.1:{port}/healthz") as answer:
                assert answer.status == 200
                assert (await answer.json())["channels"]["max"]["serving"] is True
            # What start-up built is out of the collector's sight once serving (bot/app.py).
            assert gc.get_freeze_count() > 0
            assert gc.get_threshold() == GC_THRESHOLDS  # no pass over the updates in flight
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(serving, timeout=20) == 0
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        await storage.close()
        gc.set_threshold(*thresholds)


async def test_demo_is_refused_when_a_max_token_is_set(
    tmp_path: Path, emulator: MaxEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = max_settings(emulator.api_base).model_copy(
        update={"storage": StorageSettings(url=f"sqlite:///{tmp_path}/demo.sqlite3")}
    )
    assert await run_command(settings, argparse.Namespace(demo=True)) == 2
    assert "demo accounts must never reach real residents" in capsys.readouterr().err
    assert emulator.calls == []
