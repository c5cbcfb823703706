"""Checkpoints of the SQLite log, done mostly off the event loop.

In WAL mode every commit appends pages to the log, and a checkpoint copies them back into the
database file so that the log can start over. SQLite does that by itself inside the COMMIT that
takes the log past 1,000 pages, on the committing thread: for a dialog turn, the event loop's
(`SqliteConnection.at_once`). That checkpoint wrote about 4 MB into the database file and
fsynced it, and every few hundred turns all chats waited for it (tens of milliseconds now and
then at 400 updates/s, bench/bench_peak.py).

`WalCheckpointer` copies the log's pages on a worker thread after every `every` commits, with a
PASSIVE checkpoint on a connection of its own: it takes no lock a reader or a writer waits for,
so the loop goes on committing meanwhile. It cannot let the log start over while commits keep
coming (only a checkpoint that finds nothing left to copy can), so SQLite's own checkpoint at
commit stays on: by the time it runs, little or nothing is left for it to copy or sync, and it
restarts the log as before.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

log = logging.getLogger(__name__)

# Commits between checkpoints: a dialog turn writes 3–6 pages, so a few hundred pages a round,
# well before SQLite's own 1,000.
CHECKPOINT_EVERY = 100


class WalCheckpointer:
    """Checkpoints one database's log on a worker thread, one round at a time."""

    def __init__(self, database_path: str, every: int = CHECKPOINT_EVERY) -> None:
        self.database_path = database_path
        self.every = every
        self.rounds = 0  # finished, for tests
        self.failures = 0  # logged; the next round tries again, SQLite's own still runs
        self._commits = 0
        self._round: asyncio.Task[None] | None = None
        self._conn: sqlite3.Connection | None = None  # used on worker threads only

    def committed(self) -> None:
        """Counts one commit; starts a round after `every` of them unless one is under way."""
        self._commits += 1
        if self._commits >= self.every and self._round is None:
            self._commits = 0
            self._round = asyncio.get_running_loop().create_task(self._run())

    async def idle(self) -> None:
        """Returns once no round is under way."""
        if self._round is not None:
            await asyncio.shield(self._round)

    async def close(self) -> None:
        """Waits for the round under way, then closes the checkpoint's own connection."""
        await self.idle()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _run(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._checkpoint)
            self.rounds += 1
        except (sqlite3.Error, RuntimeError, OSError) as exc:
            self.failures += 1
            log.warning("checkpoint of %s failed: %s", self.database_path, exc)
        finally:
            self._round = None

    def _checkpoint(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(
                self.database_path, isolation_level=None, check_same_thread=False
            )
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
