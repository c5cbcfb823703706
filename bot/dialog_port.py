"""The dialog as a channel sees it (`bot.max.port.DialogPort`), over the engine and storage.

One turn per chat from handling until the channel has delivered the replies, so a resident
reads the answers in the order of the messages; the channel's records of updates handled
outside the dialog; the chat's language; the blocked mark that reminders read, set when the
resident stops the bot and cleared when they start it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.max.port import Deliver
from dialogs.events import ChatRef, Inbound, Start
from dialogs.ordering import TurnQueue
from dialogs.replies import Reply
from storage.base import Storage


class Engine(Protocol):
    async def handle(self, event: Inbound) -> Sequence[Reply]: ...


class EngineDialogPort:
    def __init__(self, engine: Engine, storage: Storage, channel: str) -> None:
        self.engine = engine
        self.storage = storage
        self.channel = channel
        self._turns = TurnQueue()

    async def handle(self, event: Inbound, deliver: Deliver) -> None:
        async with self._turns.turn(event.chat):
            if isinstance(event, Start):
                await self._returned(event.chat)
            replies = await self.engine.handle(event)
            if replies:
                await deliver(replies)

    async def first_time(self, update_id: str) -> bool:
        return await self.storage.claim_update(self.channel, update_id)

    async def locale(self, chat: ChatRef) -> str | None:
        profile = await self.storage.get_profile(chat)
        return profile.locale if profile is not None else None

    async def stopped(self, chat: ChatRef) -> None:
        async with self._turns.turn(chat):
            await self.storage.set_blocked(chat, True)

    async def _returned(self, chat: ChatRef) -> None:
        # A chat never seen gets no profile here: the dialog creates it, in the language the
        # client gave, on its first event.
        profile = await self.storage.get_profile(chat)
        if profile is not None and profile.blocked:
            await self.storage.set_blocked(chat, False)
