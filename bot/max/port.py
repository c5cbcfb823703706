"""What the MAX channel needs of the dialog layer: the one seam between them.

The channel translates, renders and transports; everything that is the dialog's business —
one turn at a time per chat from handling until the replies are out, whether an update was
handled before, the chat's language, the blocked mark reminders read — is behind this port.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from dialogs.events import ChatRef, Inbound
from dialogs.replies import Reply

Deliver = Callable[[Sequence[Reply]], Awaitable[None]]


class DialogPort(Protocol):
    async def handle(self, event: Inbound, deliver: Deliver) -> None:
        """Step the dialog with `event` and hand its replies to `deliver`, both in the chat's
        turn (the chat's next event waits until they are out). A redelivered update has no
        replies and `deliver` is not called. A `Start` also tells that the resident is back
        (reminders reach them again)."""

    async def first_time(self, update_id: str) -> bool:
        """True the first time an update id of this channel is seen, False ever after, for
        updates that do not reach the dialog (an edit, a message in a group)."""

    async def locale(self, chat: ChatRef) -> str | None:
        """The chat's language, when it has spoken before."""

    async def stopped(self, chat: ChatRef) -> None:
        """The resident stopped the bot: reminders skip the chat until it starts again."""
