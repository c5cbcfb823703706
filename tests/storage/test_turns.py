"""One dialog turn: `load_chat` reads profile, state and "update seen" at once; `save_turn`
writes the update id, state and profile in one transaction."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from billing_core.models import Period, Register
from dialogs.events import ChatRef
from storage.base import (
    SUBJECT_HISTORY,
    ChatProfile,
    ChatSnapshot,
    DialogState,
    Storage,
    StorageError,
    Subject,
)
from tests.storage.factories import AT, MARCH, account, bill, reading, seed

ANNA = ChatRef("telegram", "1001")
BORIS = ChatRef("viber", "1001")
PROFILE = ChatProfile(ANNA, locale="en", consent_at=AT, current_account="1234567890")
STATE = DialogState("submit.enter", {"account": "1234567890", "values": {"T1": "4521"}})


async def test_unknown_chat_loads_empty(storage: Storage) -> None:
    assert await storage.load_chat(ANNA) == ChatSnapshot(None, None, seen=False)
    assert await storage.load_chat(ANNA, "1") == ChatSnapshot(None, None, seen=False)


async def test_saved_turn_loads_back_for_its_chat_only(storage: Storage) -> None:
    await storage.save_turn(ANNA, PROFILE, STATE, "41")

    assert await storage.load_chat(ANNA, "41") == ChatSnapshot(PROFILE, STATE, seen=True)
    assert await storage.load_chat(ANNA, "42") == ChatSnapshot(PROFILE, STATE, seen=False)
    assert await storage.load_chat(ANNA) == ChatSnapshot(PROFILE, STATE, seen=False)
    # Update ids are per channel, profiles and states per chat.
    assert await storage.load_chat(BORIS, "41") == ChatSnapshot(None, None, seen=False)
    # The old single-purpose methods see the same rows.
    assert await storage.get_profile(ANNA) == PROFILE
    assert await storage.load_state(ANNA) == STATE
    assert await storage.claim_update("telegram", "41") is False


async def test_none_leaves_that_part_unchanged(storage: Storage) -> None:
    await storage.save_turn(ANNA, PROFILE, STATE, "1")

    await storage.save_turn(ANNA, None, DialogState("menu"), "2")
    assert await storage.load_chat(ANNA, "2") == ChatSnapshot(PROFILE, DialogState("menu"), True)

    changed = ChatProfile(ANNA, locale="ru", reminders_on=False)
    await storage.save_turn(ANNA, changed, None, None)
    assert await storage.load_chat(ANNA, "2") == ChatSnapshot(changed, DialogState("menu"), True)


async def test_update_id_alone_is_recorded_without_creating_the_chat(storage: Storage) -> None:
    # After /forget only the update id is written: the chat stays erased.
    await storage.save_turn(ANNA, None, None, "77")

    assert await storage.load_chat(ANNA, "77") == ChatSnapshot(None, None, seen=True)
    assert await storage.get_profile(ANNA) is None


async def test_claimed_update_is_seen(storage: Storage) -> None:
    assert await storage.claim_update("telegram", "55") is True
    assert (await storage.load_chat(ANNA, "55")).seen is True


async def test_the_first_turn_of_an_update_wins(storage: Storage) -> None:
    assert await storage.save_turn(ANNA, PROFILE, STATE, "9") is True
    later = replace(PROFILE, locale="ru")
    assert await storage.save_turn(ANNA, later, DialogState("menu", {"n": 2}), "9") is False

    assert await storage.load_chat(ANNA, "9") == ChatSnapshot(PROFILE, STATE, seen=True)


async def test_turns_without_an_update_id_always_save(storage: Storage) -> None:
    assert await storage.save_turn(ANNA, PROFILE, STATE, None) is True
    assert await storage.save_turn(ANNA, None, DialogState("menu", {"n": 3}), None) is True

    assert (await storage.load_chat(ANNA)).state == DialogState("menu", {"n": 3})


async def test_failed_turn_writes_nothing(storage: Storage) -> None:
    unserialisable = DialogState("menu", {"oops": object()})

    with pytest.raises(TypeError):
        await storage.save_turn(ANNA, PROFILE, unserialisable, "13")

    assert await storage.load_chat(ANNA, "13") == ChatSnapshot(None, None, seen=False)


async def test_submission_guard_is_independent_of_the_turn_record(storage: Storage) -> None:
    # A step submits under the update id, then its turn records the same id: a redelivery
    # that runs the step again (the turn's commit was lost) still stores one reading.
    await seed(storage)
    first = await storage.record_submission("1234567890", reading("4521"), bill(), "900")
    await storage.save_turn(ANNA, PROFILE, DialogState("menu"), "900")

    again = await storage.record_submission("1234567890", reading("4521"), bill(), "900")

    assert (first.duplicate, again.duplicate) == (False, True)
    assert await storage.reading_history("1234567890", MARCH) == [reading("4521")]


def fsyncs_into(ran: list[str], monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> None:
    """Every fsync from now on appends "fsync" to `ran` (or fails as a broken disk would)."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if fail:
            raise OSError(errno.EIO, "Input/output error")
        real(fd)
        ran.append("fsync")

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.fixture
def only_sqlite(storage: Storage) -> None:
    """Skips a test of the log's fsync, which is SQLite's alone, on PostgreSQL."""
    if getattr(storage, "engine", "") != "sqlite":
        pytest.skip("the log's fsync is SQLite's")


@pytest.mark.usefixtures("only_sqlite")
async def test_sqlite_makes_what_a_resident_is_told_durable_before_returning_and_turns_not(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(storage)
    db: Any = getattr(storage, "_db")  # noqa: B009 - the connection's own trace
    ran: list[str] = []
    await db.set_trace_callback(ran.append)
    fsyncs_into(ran, monkeypatch)

    async def traced_here(step: Callable[[], Awaitable[object]]) -> list[str]:
        ran.clear()
        await step()
        return list(ran)

    turn = await traced_here(lambda: storage.save_turn(ANNA, PROFILE, STATE, "1"))
    submission = await traced_here(
        lambda: storage.record_submission("1234567890", reading("4521"), bill(), "2")
    )
    binding = await traced_here(lambda: storage.bind(ANNA, "1234567890", "Дом", AT))

    async def unserialisable_turn() -> None:
        with pytest.raises(TypeError):
            await storage.save_turn(ANNA, None, DialogState("menu", {"oops": object()}), "3")

    failed = await traced_here(unserialisable_turn)
    await db.set_trace_callback(None)

    assert turn[0] == "BEGIN IMMEDIATE"  # at once, and no fsync: a turn is never confirmed
    assert "fsync" not in turn
    for durable in (submission, binding):
        # Committed, then on disk before the call returned (and so before any reply).
        assert durable[0] == "BEGIN IMMEDIATE", durable
        after = durable[durable.index("COMMIT") + 1 :]
        assert after, durable
        assert set(after) == {"fsync"}, durable  # the log (and, the first time, its folder)
        assert "PRAGMA synchronous = FULL" not in durable  # the loop never waits for the disk
    assert failed == []  # the state did not serialise: nothing was sent to SQLite
    assert list(await db.execute_fetchall("PRAGMA synchronous")) == [(1,)]  # NORMAL


@pytest.mark.usefixtures("only_sqlite")
async def test_sqlite_durable_commits_made_together_share_fsyncs_each_after_its_commit(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = [account(f"{n:010d}") for n in range(1, 21)]
    await seed(storage, *accounts)
    ran: list[str] = []
    fsyncs_into(ran, monkeypatch)
    done: list[int] = []

    async def bind(n: int) -> None:
        chat = ChatRef("telegram", str(5000 + n))
        await storage.bind(chat, f"{n:010d}", "Дом", AT)
        ran.append(f"returned {n}")
        done.append(n)

    await asyncio.gather(*(bind(n) for n in range(1, 21)))

    assert sorted(done) == list(range(1, 21))
    assert 1 <= ran.count("fsync") < 20  # shared
    bindings = [await storage.bindings(ChatRef("telegram", str(5000 + n))) for n in range(1, 21)]
    assert all(len(b) == 1 for b in bindings)
    # Each caller returned after an fsync (one that started after its commit: the flusher's
    # own rounds); none returned before the first.
    assert ran[0] == "fsync"


@pytest.mark.usefixtures("only_sqlite")
async def test_sqlite_a_durable_commit_the_disk_refuses_to_sync_is_an_error(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(storage)
    fsyncs_into([], monkeypatch, fail=True)
    with pytest.raises(StorageError, match="Input/output error"):
        await storage.bind(ANNA, "1234567890", "Дом", AT)  # never reported as done
    monkeypatch.undo()
    await storage.bind(BORIS, "1234567890", "Дом", AT)  # the next one goes through


@pytest.mark.usefixtures("only_sqlite")
async def test_sqlite_a_durable_commit_whose_sync_cannot_be_scheduled_is_an_error(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(storage)
    loop = asyncio.get_running_loop()

    def closed(executor: object, work: object) -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    monkeypatch.setattr(loop, "run_in_executor", closed)
    with pytest.raises(StorageError, match="after shutdown"):
        await asyncio.wait_for(storage.bind(ANNA, "1234567890", "Дом", AT), timeout=5)
    monkeypatch.undo()
    await storage.bind(BORIS, "1234567890", "Дом", AT)  # the flusher serves the next one


async def test_load_chat_bindings_match_bindings_when_the_backend_reads_them(
    storage: Storage,
) -> None:
    await seed(storage, account("2222222222"), account("1111111111"))
    empty = await storage.load_chat(ANNA, "1")
    assert empty.bindings in (None, ())
    await storage.bind(ANNA, "2222222222", "Дача", AT + timedelta(minutes=1))
    await storage.bind(ANNA, "1111111111", "Дом", AT)
    await storage.bind(BORIS, "1111111111", "Чужой", AT)
    loaded = await storage.load_chat(ANNA, "1")
    if loaded.bindings is not None:  # a backend may leave them to `bindings()`
        assert list(loaded.bindings) == await storage.bindings(ANNA)
        assert [b.account for b in loaded.bindings] == ["1111111111", "2222222222"]


async def test_state_subject_is_saved_and_loaded_with_the_state(storage: Storage) -> None:
    about = DialogState("submit.value", {"index": 0}, subject="1234567890")
    await storage.save_turn(ANNA, PROFILE, about, "5")
    assert (await storage.load_chat(ANNA)).state == about
    assert await storage.load_state(ANNA) == about

    await storage.save_state(ANNA, DialogState("menu"))
    assert (await storage.load_chat(ANNA)).state == DialogState("menu", {}, None)
    await storage.save_state(ANNA, about)
    assert await storage.load_state(ANNA) == about


async def test_load_chat_subject_matches_the_account_queries_when_the_backend_reads_it(
    storage: Storage,
) -> None:
    await seed(storage, account("1234567890"), account("2222222222"))
    for month, value in ((1, "4400"), (2, "4450"), (3, "4521")):
        stored = reading(value, period=Period(2026, month))
        await storage.record_submission("1234567890", stored, None)
    await storage.record_submission("2222222222", reading("9999"), None)
    await storage.save_turn(ANNA, PROFILE, replace(STATE, subject="1234567890"), "1")

    loaded = await storage.load_chat(ANNA, "2")

    history = await storage.readings("1234567890", limit=SUBJECT_HISTORY)
    assert [r.values[Register.T1] for r in history] == [
        Decimal(v) for v in ("4521", "4450", "4400")
    ]
    expected = Subject("1234567890", await storage.get_account("1234567890"), tuple(history))
    assert await storage.load_subject("1234567890") == expected
    assert await storage.load_subject("9999999999") == Subject("9999999999", None, ())
    assert (await storage.load_chat(BORIS)).subject is None  # no state, no subject
    if loaded.subject is not None:  # a backend may leave them to the account queries
        assert loaded.subject == expected


async def test_load_chat_subject_of_an_unknown_account_has_no_account(storage: Storage) -> None:
    await storage.save_turn(ANNA, None, replace(STATE, subject="9999999999"), "1")

    loaded = await storage.load_chat(ANNA)

    assert loaded.state is not None
    assert loaded.state.subject == "9999999999"
    if loaded.subject is not None:
        assert (loaded.subject.account, loaded.subject.history) == (None, ())


async def test_sqlite_load_chat_brings_the_subject(storage: Storage) -> None:
    if getattr(storage, "engine", "") != "sqlite":
        pytest.skip("PostgreSQL leaves the subject to the account queries")
    await seed(storage)
    await storage.save_turn(ANNA, None, replace(STATE, subject="1234567890"), "1")

    loaded = await storage.load_chat(ANNA)

    assert loaded.subject is not None
    assert loaded.subject.account is not None
    assert loaded.subject.account.number == "1234567890"
