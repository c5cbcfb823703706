"""The contract between a channel and the dialog: all a channel adapter imports from `dialogs`
besides the events (`dialogs.events`), the typed-text parser (`dialogs.typed`) and the replies
(`dialogs.replies`).

A channel turns each update into one event and calls

    await handler.handle(event, deliver, acknowledge=...)

once per update, as soon as the update arrives and before anything that may wait: the handler
takes the chat's turn at once, so one resident's updates are answered in the order they came.
It holds the turn while it runs `acknowledge` (the channel's receipt of the update, such as
answering a button press), answers the event, and calls `deliver(replies)` for the channel to
send them; only then may the chat's next update begin. `deliver` raises `Unreachable` when the
resident has blocked the bot or left, and the dialog marks the chat so; any other error it
raises comes back out of `handle` to the channel. The handler never raises for a failure of its
own: the resident gets a polite "please try again" instead.

Updates that are nobody's turn (a message in a group the bot refuses) ask `claim` whether their
update id is new, so that a redelivery is not answered twice. `locale` gives the chat's language
for the few words a channel says itself (a flood notice).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from dialogs.events import ChatRef, Event
from dialogs.replies import Reply

Deliver = Callable[[Sequence[Reply]], Awaitable[None]]
Acknowledge = Callable[[], Awaitable[None]]


class Unreachable(Exception):
    """Raised by a channel's `deliver`: the resident blocked the bot or left the chat."""


class DialogHandler(Protocol):
    async def handle(
        self,
        event: Event,
        deliver: Deliver | None = None,
        *,
        acknowledge: Acknowledge | None = None,
    ) -> list[Reply]:
        """Answer `event` in its chat's turn and hand the replies to `deliver`; return them."""
        ...

    async def claim(self, channel: str, update_id: str) -> bool:
        """True the first time `update_id` is seen in `channel`, False for a redelivery."""
        ...

    async def locale(self, chat: ChatRef) -> str | None:
        """The chat's language, when it has spoken before."""
        ...
