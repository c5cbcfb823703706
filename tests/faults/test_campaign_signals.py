"""SIGTERM in the middle of a campaign: the process stops gracefully and the next one resumes;
nobody is reminded twice. (SIGKILL: tests/reminders/test_kill.py.)"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.base import RecipientStatus, Storage, open_storage
from tests.reminders.crash_child import OPENING_AT
from tests.reminders.fakes import add_resident
from tests.reminders.test_campaigns import NOVEMBER, Rig

RESIDENTS = 200
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/reminders.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


async def test_sigterm_mid_campaign_then_a_restart_reminds_everyone_once(
    storage: Storage, tmp_path: Path
) -> None:
    for index in range(1, RESIDENTS + 1):
        await add_resident(storage, index, at=OPENING_AT)
    url = f"sqlite:///{tmp_path}/reminders.sqlite3"
    wire = tmp_path / "delivered.txt"
    wire.touch()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.faults.term_child", url, str(wire), cwd=ROOT
    )
    try:
        for _ in range(3000):
            if len(wire.read_text().split()) >= 60 or child.returncode is not None:
                break
            await asyncio.sleep(0.01)
        child.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(child.wait(), 20) == 0  # stopped, not killed
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    before = wire.read_text().split()
    assert 60 <= len(before) < RESIDENTS

    restarted = Rig(storage, OPENING_AT, {"telegram": 200})
    (summary,) = await restarted.service.resume_open_campaigns()
    after = restarted.channels["telegram"].users()

    everyone = before + after
    assert len(everyone) == len(set(everyone))  # nobody twice across the stop
    assert summary.pending == 0
    # A graceful stop leaves no row in doubt: every resident reached, once.
    assert summary.unknown == 0
    assert sorted(everyone) == sorted(set(everyone))
    assert len(everyone) == RESIDENTS
    assert summary.total(RecipientStatus.SENT) == RESIDENTS
    campaign = await storage.find_campaign("opening", NOVEMBER)
    assert campaign is not None
