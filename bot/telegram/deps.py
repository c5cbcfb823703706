"""What the handlers get by name from `Dispatcher(**deps)` (aiogram's workflow_data)."""

from __future__ import annotations

from typing import TypedDict

from bot.config import Settings
from dialogs.channel import DialogHandler
from dialogs.events import ChatRef

CHANNEL = "telegram"


class TelegramDeps(TypedDict):
    engine: DialogHandler
    settings: Settings


def chat_ref(user_id: int) -> ChatRef:
    """A resident in this channel: in a private chat the chat id is the user id."""
    return ChatRef(CHANNEL, str(user_id))
