"""Which process runs the reminder scheduler and the month's closing: the leader.

`lead(lock, elected, deposed)` runs for the life of the process (under the supervisor): it asks
for the storage's leader lock every `every` seconds; once it has it, it calls `elected()` (start
the scheduler) and checks every `every` seconds that the lock is still held; when it is not (its
connection was cut), or on cancellation, it calls `deposed()` (stop the scheduler). On
PostgreSQL any number of processes may run it and exactly one leads; when the leader dies,
PostgreSQL drops its lock with its connection and another process leads within `every`
seconds. A leader whose connection was cut but that lives on asks again only after twice
`every`, so that one standing by, which asks within `every`, takes over first rather than the
process whose connection just failed. A new leader's scheduler catches up the jobs missed
meanwhile once (see bot/reminders/schedule.py: `first_run_time`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.base import LeaderLock, StorageError

log = logging.getLogger(__name__)

EVERY_SECONDS = 2.0
AFTER_LOSS = 2  # × `every`: the wait before a deposed leader asks for the lock again


async def lead(
    lock: LeaderLock,
    elected: Callable[[], Awaitable[None]],
    deposed: Callable[[], Awaitable[None]],
    *,
    every: float = EVERY_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    waiting_logged = False
    while True:
        try:
            leader = await lock.try_acquire()
        except StorageError as exc:
            log.warning("scheduler: cannot ask who leads (%s); asking again in %.0f s", exc, every)
            leader = False
        if not leader:
            if not waiting_logged:
                log.info("scheduler: another process runs it; this one stands by")
                waiting_logged = True
            await sleep(every)
            continue
        waiting_logged = False
        log.info("scheduler: this process leads and runs the reminders and the month's closing")
        try:
            await elected()
            while await lock.held():
                await sleep(every)
            log.warning("scheduler: the leader's lock is lost; stopping the scheduler here")
        finally:
            await asyncio.shield(_depose(deposed, lock))
        await sleep(AFTER_LOSS * every)


async def _depose(deposed: Callable[[], Awaitable[None]], lock: LeaderLock) -> None:
    try:
        await deposed()
    finally:
        await lock.release()
