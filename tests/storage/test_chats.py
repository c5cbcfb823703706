"""Chat profiles, bindings, dialog state, failed binding tries, update ids, /forget."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dialogs.events import ChatRef
from storage.base import ChatProfile, DialogState, Storage, StorageError
from tests.storage.factories import AT, account, seed

ANNA = ChatRef("telegram", "1001")
BORIS = ChatRef("viber", "b0r1s==")


async def test_profile_round_trip_and_blocked_flag(storage: Storage) -> None:
    assert await storage.get_profile(ANNA) is None
    profile = ChatProfile(ANNA, locale="en", consent_at=AT, reminders_on=False)

    await storage.save_profile(profile)
    assert await storage.get_profile(ANNA) == profile

    await storage.set_blocked(ANNA, True)
    stored = await storage.get_profile(ANNA)
    assert stored is not None
    assert (stored.blocked, stored.locale, stored.reminders_on) == (True, "en", False)

    await storage.set_blocked(BORIS, True)  # no profile yet: one is created with defaults
    assert await storage.get_profile(BORIS) == ChatProfile(BORIS, blocked=True)


async def test_bind_rename_unbind(storage: Storage) -> None:
    await seed(storage, account("1111111111"), account("2222222222"))

    assert await storage.bind(ANNA, "1111111111", "Дом", AT) is True
    assert await storage.bind(ANNA, "1111111111", "Другое имя", AT) is False
    assert await storage.bind(ANNA, "2222222222", "Дача", AT + timedelta(minutes=1)) is True
    assert await storage.bind(BORIS, "1111111111", "Квартира", AT) is True

    assert [(b.account, b.alias) for b in await storage.bindings(ANNA)] == [
        ("1111111111", "Дом"),
        ("2222222222", "Дача"),
    ]
    assert await storage.chats_of_account("1111111111") == [ANNA, BORIS]

    await storage.rename_binding(ANNA, "2222222222", "Дача в Кратово")
    await storage.save_profile(ChatProfile(ANNA, current_account="2222222222"))
    await storage.unbind(ANNA, "2222222222")

    assert [(b.account, b.alias) for b in await storage.bindings(ANNA)] == [("1111111111", "Дом")]
    profile = await storage.get_profile(ANNA)
    assert profile is not None
    assert profile.current_account is None


async def test_bind_to_unknown_account_is_refused(storage: Storage) -> None:
    with pytest.raises(StorageError):
        await storage.bind(ANNA, "9999999999", "", AT)


async def test_dialog_state_round_trip(storage: Storage) -> None:
    assert await storage.load_state(ANNA) is None
    state = DialogState("confirm", {"values": ["4521", "1800"], "note": "ночь", "n": 2})

    await storage.save_state(ANNA, state)
    await storage.save_state(BORIS, DialogState())

    assert await storage.load_state(ANNA) == state
    assert await storage.load_state(BORIS) == DialogState("menu", {})


async def test_bind_failures_are_counted_from_a_moment(storage: Storage) -> None:
    for minutes in (0, 10, 20):
        await storage.record_bind_failure("h:anna", "1111111111", AT + timedelta(minutes=minutes))
    await storage.record_bind_failure("h:boris", "1111111111", AT)
    await storage.record_bind_failure("h:boris", "", AT + timedelta(minutes=30))

    found = await storage.bind_failures_since("h:anna", AT + timedelta(minutes=10))
    aimed = await storage.account_bind_failures_since("1111111111", AT)

    assert found == [AT + timedelta(minutes=10), AT + timedelta(minutes=20)]
    assert aimed == [AT, AT, AT + timedelta(minutes=10), AT + timedelta(minutes=20)]
    assert await storage.account_bind_failures_since("", AT) == [AT + timedelta(minutes=30)]


async def test_claim_update_is_true_only_once_per_channel(storage: Storage) -> None:
    assert await storage.claim_update("telegram", "555") is True
    assert await storage.claim_update("telegram", "555") is False
    assert await storage.claim_update("viber", "555") is True


async def test_forget_chat_erases_everything_of_that_chat(storage: Storage) -> None:
    await seed(storage)
    await storage.save_profile(ChatProfile(ANNA, current_account="1234567890"))
    await storage.bind(ANNA, "1234567890", "Дом", AT)
    await storage.bind(BORIS, "1234567890", "Дом", AT)
    await storage.save_state(ANNA, DialogState("bind"))
    await storage.record_bind_failure("h:anna", "1234567890", AT)

    await storage.forget_chat(ANNA, "h:anna")

    assert await storage.get_profile(ANNA) is None
    assert await storage.bindings(ANNA) == []
    assert await storage.load_state(ANNA) is None
    # Failed tries are kept under the chat's hash, never its id: a lockout outlives /forget.
    assert await storage.bind_failures_since("h:anna", AT - timedelta(days=1)) == [AT]
    assert await storage.chats_of_account("1234567890") == [BORIS]
