"""Daily housekeeping: processed update ids and failed binding tries older than a week go.

Telegram keeps an undelivered update for 24 hours and Viber retries a callback within minutes,
so an update id a week old will never come again; kept forever, that table would grow by every
update every resident ever sent. Failed binding tries only matter for `bind_lock_minutes`.

A plain loop rather than an APScheduler job: the scheduler runs on one process only (`[reminders]
scheduler`), and every process, with or without it, writes these rows. Several processes
pruning one PostgreSQL database do no harm: a row is deleted once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from storage.base import HousekeepingStore, StorageError

log = logging.getLogger(__name__)

KEEP = timedelta(days=7)
EVERY = timedelta(hours=24)


async def prune_once(storage: HousekeepingStore, now: datetime, keep: timedelta = KEEP) -> int:
    removed = await storage.prune(now - keep)
    log.info("pruned %d processed update ids and failed binding tries older than %d days",
             removed, keep.days)  # fmt: skip
    return removed


async def keep_tidy(
    storage: HousekeepingStore,
    clock: Callable[[], datetime],
    *,
    keep: timedelta = KEEP,
    every: timedelta = EVERY,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Prune now, then every `every`, until cancelled; a failed prune is tried again then."""
    while True:
        try:
            await prune_once(storage, clock(), keep)
        except StorageError as exc:
            log.warning("pruning failed, will try again in %.0f h: %s",
                        every / timedelta(hours=1), exc)  # fmt: skip
        await sleep(every.total_seconds())
