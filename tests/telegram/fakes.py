"""A dialog engine that records events and answers from a script, and a storage with only what
the engine's own work for the chat (turns, delivery, the chat's lifecycle) calls.

The fake engine is the real one with its conversation replaced: the order of a chat's events,
the delivery in the chat's turn and the blocked mark are the real engine's."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from bot.config import Settings
from bot.wiring import dialog_config
from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Inbound
from dialogs.replies import Reply
from storage.base import ChatProfile
from tests.channel_store import ChannelStore

# The configuration `meterbot run` builds from the defaults; the replaced conversation reads none.
CONFIG = dialog_config(Settings())


class FakeEngine(DialogEngine):
    def __init__(self, *answers: list[Reply], storage: FakeStorage | None = None) -> None:
        self.fake_storage = storage or FakeStorage()
        super().__init__(self.fake_storage, CONFIG)
        self.events: list[Inbound] = []
        self._answers: deque[list[Reply]] = deque(answers)
        self.default: list[Reply] = [Reply("ок")]
        self.on_event: Callable[[Inbound], None] | None = None
        self.gate: asyncio.Event | None = None  # when set, handle() waits for it

    def answer(self, *answers: list[Reply]) -> None:
        self._answers.extend(answers)

    async def _converse(self, event: Inbound) -> list[Reply]:
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
        if self.gate is not None:
            await self.gate.wait()
        return self._answers.popleft() if self._answers else list(self.default)


class FakeStorage(ChannelStore):
    def __init__(self) -> None:
        self.claimed: set[tuple[str, str]] = set()
        self.blocked: dict[ChatRef, bool] = {}
        self.profiles: dict[ChatRef, ChatProfile] = {}

    async def get_profile(self, chat: ChatRef) -> ChatProfile | None:
        return self.profiles.get(chat)

    async def claim_update(self, channel: str, update_id: str) -> bool:
        if (channel, update_id) in self.claimed:
            return False
        self.claimed.add((channel, update_id))
        return True

    async def set_blocked(self, chat: ChatRef, blocked: bool) -> None:
        self.blocked[chat] = blocked
