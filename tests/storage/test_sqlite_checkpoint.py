"""The SQLite log is checkpointed on a worker thread while the loop goes on committing."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialogs.events import ChatRef
from storage.base import DialogState, open_storage
from storage.sqlite import SqliteStorage
from storage.sqlite_checkpoint import WalCheckpointer


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/meterbot.sqlite3")
    assert isinstance(opened, SqliteStorage)
    try:
        yield opened
    finally:
        await opened.close()


def checkpointer_of(storage: SqliteStorage) -> WalCheckpointer:
    assert storage.checkpointer is not None
    return storage.checkpointer


async def turns(storage: SqliteStorage, first: int, count: int) -> None:
    for n in range(first, first + count):
        chat = ChatRef("telegram", str(n))
        assert await storage.save_turn(chat, None, DialogState("menu", {"n": n}), str(n))


def states_in_the_file_alone(database: Path, copy: Path) -> int:
    """Dialog states found in the database file without its log: what checkpoints copied."""
    shutil.copyfile(database, copy)
    with sqlite3.connect(copy) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE name = 'dialog_states'")
        if tables.fetchone() is None:  # not even the schema has been copied yet
            return 0
        return int(conn.execute("SELECT count(*) FROM dialog_states").fetchone()[0])


async def test_every_so_many_commits_the_log_is_copied_into_the_file(
    storage: SqliteStorage, tmp_path: Path
) -> None:
    checkpoints = checkpointer_of(storage)
    checkpoints.every = 10
    database = tmp_path / "meterbot.sqlite3"

    await turns(storage, 1, 9)
    await checkpoints.idle()
    assert checkpoints.rounds == 0
    assert states_in_the_file_alone(database, tmp_path / "before.sqlite3") == 0

    await turns(storage, 10, 1)  # the tenth commit
    await checkpoints.idle()
    assert checkpoints.rounds == 1
    assert states_in_the_file_alone(database, tmp_path / "after.sqlite3") == 10


async def test_commits_go_on_while_a_checkpoint_runs(
    storage: SqliteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoints = checkpointer_of(storage)
    checkpoints.every = 5
    started, release = threading.Event(), threading.Event()
    checkpoint = checkpoints._checkpoint

    def slow_checkpoint() -> None:
        started.set()
        release.wait(timeout=10)
        checkpoint()

    monkeypatch.setattr(checkpoints, "_checkpoint", slow_checkpoint)
    await turns(storage, 1, 5)
    assert await asyncio.to_thread(started.wait, 5)
    await asyncio.wait_for(turns(storage, 6, 20), timeout=5)  # no round waits for it
    assert checkpoints.rounds == 0  # one round at a time: still the first
    release.set()
    await checkpoints.idle()
    assert checkpoints.rounds == 1
    loaded = await storage.load_chat(ChatRef("telegram", "25"))
    assert loaded.state == DialogState("menu", {"n": 25})


async def test_a_failed_checkpoint_is_counted_and_logged_and_commits_go_on(
    storage: SqliteStorage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    checkpoints = checkpointer_of(storage)
    checkpoints.every = 3

    def refused() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(checkpoints, "_checkpoint", refused)
    with caplog.at_level(logging.WARNING, logger="storage.sqlite_checkpoint"):
        await turns(storage, 1, 3)
        await checkpoints.idle()
    assert checkpoints.failures == 1
    assert "disk I/O error" in caplog.text
    monkeypatch.undo()
    await turns(storage, 4, 3)  # the next round goes through
    await checkpoints.idle()
    assert checkpoints.rounds == 1


async def test_closing_waits_for_the_checkpoint_and_leaves_no_log(tmp_path: Path) -> None:
    database = tmp_path / "meterbot.sqlite3"
    storage = await open_storage(f"sqlite:///{database}")
    assert isinstance(storage, SqliteStorage)
    checkpoints = checkpointer_of(storage)
    checkpoints.every = 2
    await turns(storage, 1, 2)  # a round starts
    await storage.close()

    assert checkpoints.rounds == 1
    log_left = await asyncio.to_thread(Path(f"{database}-wal").exists)
    assert not log_left  # the last connection closed: the log is gone
    assert states_in_the_file_alone(database, tmp_path / "closed.sqlite3") == 2
