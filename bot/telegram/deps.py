"""What the handlers get by name from `Dispatcher(**deps)` (aiogram's workflow_data)."""

from __future__ import annotations

from typing import Protocol, TypedDict

from bot.config import Settings
from dialogs.events import ChatRef, Inbound
from dialogs.replies import Reply
from storage.base import Storage

CHANNEL = "telegram"


class DialogHandler(Protocol):
    """`dialogs.engine.DialogEngine` as the handlers see it: it never raises."""

    async def handle(self, event: Inbound) -> list[Reply]: ...


class TelegramDeps(TypedDict):
    engine: DialogHandler
    storage: Storage
    settings: Settings


def chat_ref(user_id: int) -> ChatRef:
    """A resident in this channel: in a private chat the chat id is the user id."""
    return ChatRef(CHANNEL, str(user_id))
