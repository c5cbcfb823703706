"""Final row statuses written in batches: one commit per message would cap the pace (SQLite
commits with a sync to disk) long before Telegram's paid-broadcast 1000 messages a second.

A row stays `sending` until its batch is written, so a crash in between leaves it "unknown" and
it is not sent again: the batch only widens the window that no-duplicates already accepts.
Writes are shielded from cancellation: a stop never abandons a transaction halfway.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from storage.base import CampaignStore

MAX_ROWS = 64
MAX_DELAY_SECONDS = 0.05


class OutcomeBuffer:
    """Use as `async with OutcomeBuffer(storage) as outcomes:`; everything is written on exit."""

    def __init__(
        self,
        storage: CampaignStore,
        *,
        max_rows: int = MAX_ROWS,
        max_delay: float = MAX_DELAY_SECONDS,
    ) -> None:
        self.storage = storage
        self.max_rows = max_rows
        self.max_delay = max_delay
        self._rows: list[tuple[int, str, str]] = []
        self._closed = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    async def __aenter__(self) -> OutcomeBuffer:
        self._flusher = asyncio.create_task(self._flush_periodically())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed.set()
        if self._flusher is not None:
            await asyncio.shield(self._flusher)
        await self.flush()

    async def add(self, row_id: int, status: str, detail: str = "") -> None:
        self._rows.append((row_id, status, detail))
        if len(self._rows) >= self.max_rows:
            await self.flush()

    async def flush(self) -> None:
        while self._rows:
            batch, self._rows = self._rows, []
            await asyncio.shield(self.storage.finish_recipients(batch))

    async def _flush_periodically(self) -> None:
        # So that at a slow pace outcomes are not held back for long.
        while not self._closed.is_set():
            try:
                await asyncio.wait_for(self._closed.wait(), self.max_delay)
            except TimeoutError:
                await self.flush()
