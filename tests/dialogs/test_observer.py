"""The dialog reports its work to an observer (metrics) without knowing what listens."""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from storage.base import Storage
from tests.dialogs.conftest import NORMAL_WINDOW, SINGLE
from tests.dialogs.conversation import Conversation, FakeClock


@dataclass
class RecordingObserver:
    handled: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    bills: list[str] = field(default_factory=list)
    storage_errors: int = 0

    def on_handled(self, channel: str, seconds: float) -> None:
        assert seconds >= 0
        self.handled.append(channel)

    def on_reading_accepted(self, channel: str) -> None:
        self.accepted.append(channel)

    def on_reading_refused(self, channel: str, reason: str) -> None:
        self.refused.append((channel, reason))

    def on_bill_computed(self, basis: str) -> None:
        self.bills.append(basis)

    def on_storage_error(self) -> None:
        self.storage_errors += 1


async def test_accepted_refused_and_handled_are_reported(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    observer = RecordingObserver()
    chat = Conversation(DialogEngine(storage, config, clock, observer))
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send(f"/bind {SINGLE[0]} {SINGLE[1]}")
    await chat.send("/submit 12x")
    assert observer.refused == [("test", "not_digits")]
    assert observer.accepted == []
    await chat.send("/submit 46720")
    await chat.press("Всё верно, передать")
    assert observer.accepted == ["test"]
    assert observer.bills == ["actual"]
    assert len(observer.handled) == 6
    assert set(observer.handled) == {"test"}


async def test_window_refusal_is_reported_with_its_reason(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    clock.advance(days=8)  # the 28th: the normal window is closed
    observer = RecordingObserver()
    chat = Conversation(DialogEngine(storage, config, clock, observer))
    await chat.send("/start")
    await chat.press("consent:yes")
    await chat.send(f"/bind {NORMAL_WINDOW[0]} {NORMAL_WINDOW[1]}")
    await chat.send("/submit")
    assert observer.refused == [("test", "window_closed")]
    assert observer.accepted == []


async def test_a_storage_failure_is_reported_and_answered_politely(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    observer = RecordingObserver()
    chat = Conversation(DialogEngine(storage, config, clock, observer))
    await chat.send("/start")
    await storage.close()  # the database goes away under the bot
    replies = await chat.send("/help")
    assert len(replies) == 1
    assert "попробуйте ещё раз" in replies[0].text
    assert observer.storage_errors == 1
