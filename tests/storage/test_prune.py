"""Pruning: processed update ids and failed binding tries older than a moment go, newer ones
stay, and a pruned update id is no longer recognised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialogs.events import ChatRef
from storage.base import Storage
from tests.storage.factories import bill, reading, seed

ANNA = ChatRef("telegram", "1001")
KEY = "h:anna"  # the chat's keyed hash, under which its failed tries are kept


async def test_only_what_was_recorded_before_the_moment_goes(storage: Storage) -> None:
    await seed(storage)
    now = datetime.now(UTC)
    await storage.save_turn(ANNA, None, None, "1")
    await storage.record_submission("1234567890", reading("4521"), bill(), "2")
    await storage.record_bind_failure(KEY, "", now - timedelta(days=30))
    await storage.record_bind_failure(KEY, "", now)

    assert await storage.prune(now - timedelta(days=1)) == 1  # the month-old failed try
    assert (await storage.load_chat(ANNA, "1")).seen is True
    assert await storage.bind_failures_since(KEY, now - timedelta(days=60)) == [now]

    # The turn's update id, the submission's guard and the recent failed try.
    assert await storage.prune(now + timedelta(minutes=1)) == 3
    assert (await storage.load_chat(ANNA, "1")).seen is False
    assert await storage.claim_update("telegram", "1") is True
    assert await storage.bind_failures_since(KEY, now - timedelta(days=60)) == []
    # The reading itself stays: only the guard against a redelivered update went.
    assert len(await storage.readings("1234567890")) == 1


async def test_many_rows_go_in_batches(storage: Storage) -> None:
    for update_id in range(7):
        await storage.save_turn(ANNA, None, None, str(update_id))

    assert await storage.prune(datetime.now(UTC) + timedelta(minutes=1), batch=3) == 7

    for update_id in range(7):
        assert (await storage.load_chat(ANNA, str(update_id))).seen is False


async def test_nothing_to_prune(storage: Storage) -> None:
    assert await storage.prune(datetime.now(UTC)) == 0
