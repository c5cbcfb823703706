"""A turn's storage work: one read at its start, one write at its end, and what that means for
redelivered updates (see the engine's docstring)."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

from billing_core.models import MeterReading, Period, ReadingSource, Register
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from dialogs.events import Choice
from storage.base import ChatSnapshot, Storage
from tests.dialogs.conftest import OPEN_DAY, SINGLE, TWO_ZONE, Bound
from tests.dialogs.conversation import Conversation, FakeClock

NOVEMBER = Period(2026, 11)


class _Recording:
    """Storage that counts calls and can fail the next `save_turn` as a lost commit would."""

    def __init__(self, inner: Storage) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()
        self.saved: list[tuple[Any, ...]] = []  # save_turn's arguments
        self.fail_next_save = False

    def __getattr__(self, name: str) -> Any:
        self.calls[name] += 1
        if name == "save_turn":
            return self._save_turn
        return getattr(self._inner, name)

    async def _save_turn(self, *args: Any) -> bool:
        if self.fail_next_save:
            self.fail_next_save = False
            raise OSError("disk I/O error")
        self.saved.append(args)
        first: bool = await self._inner.save_turn(*args)
        return first


async def _at_preview(bound: Bound) -> Conversation:
    chat = await bound(SINGLE)
    await chat.press("submit:1234567890")
    await chat.send("46620")
    assert "sub:ok" in [b.action_id for b in chat.buttons()], chat.text()
    return chat


async def test_a_turn_reads_once_and_writes_once(
    bound: Bound, storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    talk = await _at_preview(bound)
    recording = _Recording(storage)
    engine = DialogEngine(recording, config, clock)

    replies = await engine.handle(Choice(talk.chat, "sub:ok", update_id="7001"))

    assert "Показания приняты" in replies[0].text
    assert recording.calls["load_chat"] == 1
    assert recording.calls["save_turn"] == 1
    old = ("claim_update", "get_profile", "load_state", "save_state", "save_profile")
    assert not any(recording.calls[name] for name in old), recording.calls
    # The draft's account and readings came with the state (the subject): no query of its own.
    assert recording.calls["get_account"] == recording.calls["readings"] == 0, recording.calls


async def test_opening_a_submission_reads_the_account_and_its_readings_at_once(
    bound: Bound, storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    talk = await bound(SINGLE)
    recording = _Recording(storage)
    talk = Conversation(DialogEngine(recording, config, clock), talk.chat.user_id)

    await talk.event(Choice(talk.chat, "submit:1234567890"))

    assert "Показание счётчика" in talk.text(), talk.text()
    assert recording.calls["load_subject"] == 1
    separate = ("get_account", "readings", "current_reading")
    assert not any(recording.calls[name] for name in separate), recording.calls


async def test_a_turn_reads_the_subject_afresh(bound: Bound, storage: Storage) -> None:
    # The draft's account and readings are read at each turn's start, never kept from the
    # turn that opened the draft: a control reading for October stored meanwhile by the
    # supplier (46 650, above the 46 470 the draft opened with) makes 46 600 too low.
    chat = await bound(SINGLE)
    await chat.press("submit:1234567890")
    control = MeterReading(
        Period(2026, 10), {Register.T1: Decimal("46650")}, ReadingSource.CONTROL, OPEN_DAY
    )
    await storage.record_submission("1234567890", control, None)

    await chat.send("46600")

    assert "меньше прошлого (46\xa0650)" in chat.text(), chat.text()
    assert "sub:ok" not in [b.action_id for b in chat.buttons()]


async def test_redelivery_after_a_lost_turn_commit_stores_one_reading(
    bound: Bound, storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    talk = await _at_preview(bound)
    recording = _Recording(storage)
    engine = DialogEngine(recording, config, clock)
    confirm = Choice(talk.chat, "sub:ok", update_id="7002")

    recording.fail_next_save = True
    first = await engine.handle(confirm)
    assert first[0].text.startswith("Что-то пошло не так")
    assert not (await storage.load_chat(talk.chat, "7002")).seen

    again = await engine.handle(confirm)  # the channel delivers the update again

    assert "Показания приняты" in again[0].text
    assert len(await storage.reading_history("1234567890", NOVEMBER)) == 1
    assert (await storage.load_chat(talk.chat, "7002")).seen
    assert await engine.handle(confirm) == []  # finished now: a third delivery does nothing


async def test_forget_records_the_update_and_nothing_of_the_chat(
    bound: Bound, storage: Storage
) -> None:
    chat = await bound(SINGLE)
    await chat.send("/forget")
    forget = Choice(chat.chat, "forget:yes", update_id="7003")

    assert "стёрты" in "\n".join(r.text for r in await chat.event(forget))

    assert await storage.load_chat(chat.chat, "7003") == ChatSnapshot(None, None, seen=True)
    assert await chat.event(forget) == []


async def test_unchanged_state_is_not_rewritten(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    recording = _Recording(storage)
    chat = Conversation(DialogEngine(recording, config, clock), "quiet")
    await chat.send("/start")
    await chat.send("/start")  # the consent question again: same state, same data

    first, second = recording.saved
    assert first[2] is not None  # a new chat: its state is written
    assert second[2] is None
    assert (await storage.load_chat(chat.chat)).state == first[2]


async def test_one_update_delivered_twice_at_once_is_answered_once(
    bound: Bound, storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    talk = await _at_preview(bound)
    # Two processes: two engines (each with its own per-chat lock) on one database.
    first, second = DialogEngine(storage, config, clock), DialogEngine(storage, config, clock)
    confirm = Choice(talk.chat, "sub:ok", update_id="7003")

    answers = await asyncio.gather(first.handle(confirm), second.handle(confirm))

    answered = [replies for replies in answers if replies]
    assert len(answered) == 1, answers
    assert "Показания приняты" in answered[0][0].text
    assert len(await storage.reading_history("1234567890", NOVEMBER)) == 1


async def test_a_turn_takes_the_bindings_from_its_snapshot(
    bound: Bound, storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    talk = await bound(SINGLE)
    recording = _Recording(storage)
    engine = DialogEngine(recording, config, clock)
    talk = Conversation(engine, talk.chat.user_id)

    await talk.send("/submit")
    await talk.send("46620")
    assert "sub:ok" in [b.action_id for b in talk.buttons()], talk.text()
    assert recording.calls["bindings"] == 0

    # A binding made in the turn is seen by the same turn's later reads.
    await talk.send(f"/bind {TWO_ZONE[0]} {TWO_ZONE[1]}")
    assert "привязан" in talk.text(), talk.text()
    await talk.send("/accounts")
    shown = [b.action_id for b in talk.buttons()]
    assert {"acc:open:1234567890", "acc:open:2345678901"} <= set(shown), shown
