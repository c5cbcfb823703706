"""A resident talking to the dialog engine, for tests: send, press, share a contact, read."""

from __future__ import annotations

from datetime import datetime, timedelta

from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Choice, Command, ContactShared, Inbound, Start, Text
from dialogs.replies import Button, Reply


class FakeClock:
    """An aware `now` that only moves when a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Conversation:
    """One chat. `send("/bind 1 2")` is a Command, `send("/start")` a Start, other text a Text;
    `press` finds a button of the last answer by its label or action id."""

    def __init__(self, engine: DialogEngine, user_id: str = "resident", channel: str = "test"):
        self.engine = engine
        self.chat = ChatRef(channel, user_id)
        self.replies: list[Reply] = []
        self.last: list[Reply] = []
        self._updates = 0

    async def event(self, event: Inbound) -> list[Reply]:
        self.last = await self.engine.handle(event)
        self.replies.extend(self.last)
        return self.last

    async def send(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            name, *args = text[1:].split()
            if name == "start":
                return await self.event(Start(self.chat))
            return await self.event(Command(self.chat, name, tuple(args)))
        return await self.event(Text(self.chat, text))

    def buttons(self) -> list[Button]:
        return [button for reply in self.last for button in reply.all_buttons()]

    async def press(self, label_or_id: str) -> list[Reply]:
        for button in self.buttons():
            if label_or_id in (button.label, button.action_id):
                return await self.event(Choice(self.chat, button.action_id))
        shown = [(b.label, b.action_id) for b in self.buttons()]
        raise AssertionError(f"no button {label_or_id!r} in the last answer: {shown}")

    async def share_contact(self, phone: str, own: bool = True) -> list[Reply]:
        return await self.event(ContactShared(self.chat, phone, is_own=own))

    def last_reply(self) -> Reply:
        assert self.last, "the engine answered nothing"
        return self.last[-1]

    def text(self) -> str:
        """Every text of the last answer, joined: what the resident just read."""
        return "\n".join(reply.text for reply in self.last)

    def labels(self) -> list[str]:
        return [button.label for button in self.buttons()]
