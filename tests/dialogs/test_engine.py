"""The engine's promises: redelivered updates do nothing, an unknown state leads to the menu,
an unexpected failure is answered politely and never escapes."""

from __future__ import annotations

from typing import Any

from billing_core.models import Period
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Choice, Text
from storage.base import DialogState, Storage
from tests.dialogs.conftest import SINGLE, Bound
from tests.dialogs.conversation import Conversation, FakeClock


async def test_redelivered_update_does_nothing(engine: DialogEngine) -> None:
    chat = ChatRef("telegram", "42")
    first = await engine.handle(Text(chat, "/help", update_id="1001"))
    again = await engine.handle(Text(chat, "/help", update_id="1001"))
    assert first
    assert again == []


async def test_unknown_state_goes_to_the_menu(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await storage.save_state(chat.chat, DialogState("wizard.v0.step9", {"x": [1, 2]}))
    await chat.send("hello")
    assert "Передать показания" in chat.labels()
    state = await storage.load_state(chat.chat)
    assert state is not None
    assert state.state == "menu"


async def test_malformed_submission_data_restarts_politely(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await storage.save_state(
        chat.chat, DialogState("submit.preview", {"account": "1234567890", "period": "junk"})
    )
    await chat.event(Choice(chat.chat, "sub:ok"))
    assert "не актуальны" in chat.text()
    assert await storage.current_reading("1234567890", Period(2026, 11)) is None


class _Failing:
    """Storage whose bill lookups fail as a broken database would."""

    def __init__(self, inner: Storage) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "latest_bill":
            raise RuntimeError("disk I/O error")
        return getattr(self._inner, name)


async def test_unexpected_failure_is_answered_politely(
    bound: Bound, storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    talk = await bound(SINGLE)
    broken = DialogEngine(_Failing(storage), config, clock)
    chat = Conversation(broken, talk.chat.user_id)
    await chat.send("/bill")
    assert chat.text().startswith("Что-то пошло не так")
    await chat.send("/help")  # the chat still works
    assert "/submit" in chat.text()
