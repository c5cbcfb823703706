"""Who a stored row belongs to: one resident in one channel.

Storage keys chats by this pair and knows nothing else of the conversation; the dialog layer
hands the same value to the channels as `dialogs.events.ChatRef`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatRef:
    """One resident in one channel ("telegram", "viber", "console", ...)."""

    channel: str
    user_id: str
