"""One event's worth of context: who is talking, their profile and state, and the services.

A step reads the turn, may change `state`, `data` and `profile`, and returns replies; the engine
saves what changed afterwards. Steps never save the dialog state themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from billing_core.format import Lang
from dialogs.config import DialogConfig
from dialogs.events import ChatRef
from dialogs.observer import DialogObserver, NoObserver
from dialogs.pseudonym import chat_pseudonym
from dialogs.replies import Button, Reply
from dialogs.texts import say
from storage.base import Binding, ChatProfile, ConversationStore, Subject


@dataclass(slots=True)
class Turn:
    storage: ConversationStore
    config: DialogConfig
    chat: ChatRef
    profile: ChatProfile
    state: str
    data: dict[str, Any]
    now: datetime
    update_id: str | None = None
    profile_changed: bool = False
    forgotten: bool = False  # /forget erased the chat: save nothing afterwards
    observer: DialogObserver = field(default_factory=NoObserver)
    # The chat's bindings as of now, when known: from the turn's `load_chat` or an earlier ask.
    known_bindings: tuple[Binding, ...] | None = None
    # The account the state is about (saved with it), and that account as `load_chat` read it.
    subject: str | None = None
    known_subject: Subject | None = None

    @property
    def lang(self) -> Lang:
        return "en" if self.profile.locale == "en" else "ru"

    def t(self, key: str, /, **values: object) -> str:
        return say(self.lang, key, **values)

    def button(self, key: str, action_id: str, **values: object) -> Button:
        return Button(self.t(key, **values), action_id)

    def reply(
        self, key: str, /, *, buttons: tuple[tuple[Button, ...], ...] = (), **values: object
    ) -> Reply:
        return Reply(self.t(key, **values), buttons)

    def goto(self, state: str, /, *, subject: str | None = None, **data: Any) -> None:
        """Move to `state` with `data`; `subject` names the account the state is about."""
        self.state = state
        self.data = dict(data)
        self.subject = subject

    def update_profile(self, **changes: Any) -> None:
        self.profile = replace(self.profile, **changes)
        self.profile_changed = True

    @property
    def chat_key(self) -> str:
        """The chat's keyed hash (dialogs.pseudonym): failed tries are kept under it."""
        return chat_pseudonym(self.config.pseudonym_key, self.chat)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.config.window.tz)

    async def bindings(self) -> list[Binding]:
        """The chat's bindings, read from storage at most once per turn unless they change."""
        if self.known_bindings is None:
            self.known_bindings = tuple(await self.storage.bindings(self.chat))
        return list(self.known_bindings)

    async def load_subject(self, number: str) -> Subject:
        """The account and its recent readings: as `load_chat` brought them at the turn's start
        (the turn's only write to readings, a confirmed submission, ends the draft), or read
        now."""
        known = self.known_subject
        if known is None or known.number != number:
            self.known_subject = known = await self.storage.load_subject(number)
        return known

    async def bind(self, account: str, alias: str) -> bool:
        self.known_bindings = None
        return await self.storage.bind(self.chat, account, alias, self.now)

    async def rename_binding(self, account: str, alias: str) -> None:
        self.known_bindings = None
        await self.storage.rename_binding(self.chat, account, alias)

    async def unbind(self, account: str) -> None:
        self.known_bindings = None
        await self.storage.unbind(self.chat, account)
