"""The engine's side of the channel contract (dialogs/channel.py): a chat's turn held across
the answer and its delivery, the press acknowledged in turn, a resident who left marked, and the
chat's own events (blocked, returned, edited)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from dialogs.channel import Unreachable
from dialogs.engine import DialogEngine
from dialogs.events import Blocked, ChatRef, Edited, Returned, Start, Text
from dialogs.replies import Reply
from storage.base import ChatProfile, Storage

ALICE = ChatRef("test", "alice")
BOB = ChatRef("test", "bob")


async def test_the_next_event_of_a_chat_waits_until_the_replies_are_delivered(
    engine: DialogEngine,
) -> None:
    log: list[str] = []
    sending = asyncio.Event()

    async def slow_delivery(replies: Sequence[Reply]) -> None:
        log.append("first delivery begins")
        await sending.wait()  # the channel's transport is slow
        log.append("first delivery ends")

    async def record(name: str) -> None:
        async def deliver(replies: Sequence[Reply]) -> None:
            log.append(f"{name} delivered")

        await engine.handle(Text(ALICE, "привет", name), deliver)

    first = asyncio.create_task(engine.handle(Start(ALICE, "1"), slow_delivery))
    second = asyncio.create_task(record("2"))
    neighbour = asyncio.create_task(engine.handle(Start(BOB, "3"), None))
    await neighbour  # another chat does not wait for Alice's delivery
    for _ in range(20):
        await asyncio.sleep(0)
    assert log == ["first delivery begins"]
    sending.set()
    await asyncio.gather(first, second)
    assert log == ["first delivery begins", "first delivery ends", "2 delivered"]


async def test_the_acknowledgement_runs_in_turn_before_the_answer(engine: DialogEngine) -> None:
    log: list[str] = []

    async def acknowledge() -> None:
        log.append("acknowledged")

    async def deliver(replies: Sequence[Reply]) -> None:
        log.append(f"delivered {len(replies)}")

    replies = await engine.handle(Start(ALICE, "1"), deliver, acknowledge=acknowledge)
    assert replies
    assert log == ["acknowledged", f"delivered {len(replies)}"]


async def test_a_resident_who_left_is_marked_and_marked_back_when_they_write(
    engine: DialogEngine, storage: Storage
) -> None:
    async def gone(replies: Sequence[Reply]) -> None:
        raise Unreachable("Forbidden: bot was blocked by the user")

    await engine.handle(Start(ALICE, "1"), gone)
    profile = await storage.get_profile(ALICE)
    assert profile is not None
    assert profile.blocked
    replies = await engine.handle(Text(ALICE, "привет", "2"))
    assert replies  # answered as ever
    profile = await storage.get_profile(ALICE)
    assert profile is not None
    assert not profile.blocked


async def test_blocked_and_returned(engine: DialogEngine, storage: Storage) -> None:
    await engine.handle(Start(ALICE, "1"))
    assert await engine.handle(Blocked(ALICE, "2")) == []
    profile = await storage.get_profile(ALICE)
    assert profile is not None
    assert profile.blocked
    assert profile.locale == "ru"  # nothing else of the profile changes
    assert await engine.handle(Returned(ALICE, "3")) == []
    profile = await storage.get_profile(ALICE)
    assert profile is not None
    assert not profile.blocked


async def test_returned_makes_no_profile_for_a_chat_never_seen(
    engine: DialogEngine, storage: Storage
) -> None:
    await engine.handle(Returned(BOB, "1"))
    assert await storage.get_profile(BOB) is None
    # so the first /start still takes the client's language
    replies = await engine.handle(Start(BOB, "2", language_hint="en"))
    assert replies[0].text.startswith("Hello!")


async def test_an_edit_is_answered_once_in_the_chats_language(
    engine: DialogEngine, storage: Storage
) -> None:
    await storage.save_profile(ChatProfile(ALICE, locale="en"))
    [hint] = await engine.handle(Edited(ALICE, "7", language_hint="ru"))
    assert hint.text.startswith("I do not read edited messages again")
    assert await engine.handle(Edited(ALICE, "7")) == []  # redelivered
    [hint] = await engine.handle(Edited(BOB, "8", language_hint="en"))  # no profile: the client's
    assert hint.text.startswith("I do not read edited messages again")
    [hint] = await engine.handle(Edited(BOB, "9", language_hint="xx"))
    assert hint.text.startswith("Исправленные сообщения я не перечитываю")
    assert await storage.get_profile(BOB) is None  # an edit makes no profile


async def test_claim_is_true_once_per_update(engine: DialogEngine) -> None:
    assert await engine.claim("telegram", "42")
    assert not await engine.claim("telegram", "42")
    assert await engine.claim("viber", "42")
