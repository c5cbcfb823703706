"""One turn at a time per chat, in the order the turns were asked for.

A resident who types fast sends updates that arrive together, and every channel handles them
as concurrent tasks. The dialog must see them in the order they were sent, and the resident
must read the answers in that order too, so `DialogEngine.handle` takes a chat's turn as soon
as it is called, before anything that may wait (acknowledging a button press, loading the
chat), and keeps it until the channel has delivered the replies.

`asyncio.Lock` already hands itself to waiters first in, first out; what this adds is a lock
per key that exists only while someone holds or waits for it, so idle chats cost nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Line:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    people: int = 0  # holding or waiting


class TurnQueue:
    """`async with turns.turn(key):` waits for the turns asked for earlier with the same key."""

    def __init__(self) -> None:
        self._lines: dict[Hashable, _Line] = {}

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line()
        line.people += 1
        try:
            # Taking a free lock does not suspend: a task that asks first is first in line.
            async with line.lock:
                yield
        finally:
            line.people -= 1
            if line.people == 0:
                del self._lines[key]

    def __len__(self) -> int:
        """Keys with a turn held or waited for."""
        return len(self._lines)
