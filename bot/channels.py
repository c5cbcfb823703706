"""What the scheduler needs of a channel: send replies to one resident and say how it went."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dialogs.replies import Reply


class SendOutcome(enum.StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # blocked the bot / unsubscribed: never try again
    RETRY_AFTER = "retry_after"  # rate limited: wait `retry_after` seconds, then retry
    FAILED = "failed"  # transient (network, 5xx) or permanent; see `permanent`


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    retry_after: float = 0.0
    permanent: bool = False
    detail: str = ""


class ChannelSender(Protocol):
    channel: str  # "telegram", "viber", "console"
    messages_per_second: float

    async def send(self, user_id: str, replies: Sequence[Reply]) -> SendResult: ...


class ChannelCalls(Protocol):
    """Told of every call to a messenger's API (bot/observability.py `Metrics` is one)."""

    def on_message_sent(self, channel: str) -> None: ...

    def on_channel_error(self, channel: str) -> None: ...
