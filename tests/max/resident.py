"""A resident in MAX, driving the bot through the emulator: types, presses buttons by their
label, shares contacts, and reads what the bot sent back."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from tests.max import updates
from tests.max.emulator import MaxEmulator, Sent

Settle = Callable[[], Awaitable[None]]


class MaxResident:
    def __init__(self, emulator: MaxEmulator, user_id: int, settle: Settle) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self._settle = settle  # waits until the bot has handled what was delivered
        self._mids = itertools.count(1)
        self._presses = itertools.count(1)
        self.last_update: dict[str, Any] | None = None

    async def send_update(self, update: dict[str, Any]) -> list[Sent]:
        before = len(self.emulator.sent)
        self.last_update = update
        await self.emulator.deliver(update)
        await self._settle()
        return [m for m in self.emulator.sent[before:] if m.user_id == self.user_id]

    def mid(self) -> str:
        return f"mid.{self.user_id}.{next(self._mids)}"

    async def start(self) -> list[Sent]:
        return await self.send_update(updates.bot_started(self.user_id))

    async def say(self, text: str) -> list[Sent]:
        return await self.send_update(updates.message_created(self.user_id, self.mid(), text))

    async def share_contact(self, phone: str, owner: int | None) -> list[Sent]:
        return await self.send_update(updates.contact(self.user_id, self.mid(), phone, owner))

    async def press(self, label: str) -> list[Sent]:
        """Press the button labelled `label` on the latest message that has it."""
        for message in reversed(self.emulator.to(self.user_id)):
            for row in message.buttons:
                for button in row:
                    if button["text"] == label and button["type"] == "callback":
                        return await self.press_payload(button["payload"])
        raise AssertionError(f"no button {label!r}; latest: {self.labels()}")

    async def press_payload(self, payload: str) -> list[Sent]:
        callback_id = f"cb.{self.user_id}.{next(self._presses)}"
        return await self.send_update(updates.callback(self.user_id, callback_id, payload))

    def messages(self) -> list[Sent]:
        return self.emulator.to(self.user_id)

    def last(self) -> Sent:
        return self.messages()[-1]

    def labels(self) -> list[str]:
        mine = self.messages()
        return mine[-1].labels() if mine else []

    def texts(self) -> list[str]:
        return [message.text for message in self.messages()]
