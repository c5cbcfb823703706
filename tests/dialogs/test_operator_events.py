"""What operators read in the log about residents' work: an INFO line for each accepted reading
and each binding, and one line per storage outage instead of one per failed turn."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from storage.base import Storage, StorageError
from tests.dialogs.conftest import SINGLE
from tests.dialogs.conversation import Conversation, FakeClock
from tests.dialogs.test_observer import RecordingObserver


async def test_an_accepted_reading_and_a_binding_are_logged_at_info(
    storage: Storage,
    config: DialogConfig,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    chat = Conversation(DialogEngine(storage, config, clock))
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")
    await chat.send("/submit 46720")
    await chat.press("Всё верно, передать")

    events = [r for r in caplog.records if r.name.startswith("dialogs.flows")]
    assert [(r.levelname, r.getMessage()) for r in events] == [
        ("INFO", "account bound by account and serial (1 bound to this chat)"),
        ("INFO", "reading accepted for 2026-11 (billed actual)"),
    ]
    # The raw number travels in the record; the log handler masks it (bot/logs.py).
    assert {(r.account, r.channel) for r in events} == {("1234567890", "test")}  # type: ignore[attr-defined]


class Outage:
    """The storage, with every chat's state unreadable while `down`."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.down = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)

    async def load_chat(self, *args: Any, **kwargs: Any) -> Any:
        if self.down:
            raise StorageError("connection refused")
        return await self.storage.load_chat(*args, **kwargs)


async def test_a_storage_outage_is_one_line_when_it_begins_and_one_when_it_ends(
    storage: Storage,
    config: DialogConfig,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = Outage(storage)
    observer = RecordingObserver()
    chat = Conversation(DialogEngine(outage, config, clock, observer))  # type: ignore[arg-type]
    await chat.send("/start")
    outage.down = True
    caplog.set_level(logging.DEBUG)

    for _ in range(5):
        await chat.send("/help")
        assert "Что-то пошло не так" in chat.text()
    outage.down = False
    await chat.send("/help")

    shown = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [(r.levelname, r.getMessage().split(";")[0]) for r in shown] == [
        ("ERROR", "storage unavailable (a test turn): connection refused"),
        ("WARNING", f"storage is back after {shown[1].getMessage().split()[4]} s"),
    ]
    assert "5 operations failed meanwhile" in shown[1].getMessage()
    assert all(r.exc_info is None for r in caplog.records)  # no traceback at all
    assert observer.storage_errors == 5  # each failure still counted
