"""Durable SQLite commits without stopping the event loop: the WAL's fsync, shared and off-loop.

A transaction a resident is told about (a reading accepted, a binding) must be on disk before
the reply. SQLite's `synchronous = FULL` makes its COMMIT fsync the write-ahead log, but the
COMMIT runs on the event loop's thread (`SqliteConnection.at_once`), so every chat waited for
that fsync: 0.5 ms at the median on the development machine's disk, 39 ms at the 99th
percentile and 270–340 ms at the slowest (20 s of commits). Queuing the whole transaction on
aiosqlite's thread instead made it worse: that thread then waited for the interpreter lock
behind the busy loop after every statement, and at 300 updates/s the median reply went from 3
to 300 ms (bench/bench_peak.py).

So a durable transaction commits as every other does (`synchronous = NORMAL`: its frames are
written to the log, in the page cache), and `WalFlusher.flush()` then fsyncs the log file on a
worker thread before the caller goes on to reply. In WAL mode that is what FULL adds at commit:
the log holds every committed frame, and after a crash SQLite replays the frames of the
commits whose last frame reached the disk. While one fsync runs, the commits that come after it
wait together for the next one, which covers them all (a group commit), and the loop serves
the other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import os

from storage.base import StorageError


class WalFlusher:
    """Makes everything committed to one database's log durable, one fsync for many commits."""

    def __init__(self, database_path: str) -> None:
        self.wal_path = f"{database_path}-wal"
        self.fsyncs = 0  # done, for tests and metrics
        self._running: asyncio.Future[None] | None = None  # the fsync under way
        self._next: asyncio.Future[None] | None = None  # the one that starts after it
        self._rounds: asyncio.Task[None] | None = None  # fsyncs one after another while asked

    async def flush(self) -> None:
        """Return once every commit made before this call is on disk; StorageError if the
        disk refused."""
        loop = asyncio.get_running_loop()
        if self._running is None:
            # Nothing under way: an fsync started now covers this caller's commit.
            self._running = loop.create_future()
            done = self._running
            self._rounds = loop.create_task(self._fsync_rounds())
        else:
            # The fsync under way may have started before this caller's commit: wait for the
            # next one, which starts when it ends and covers everyone waiting.
            if self._next is None:
                self._next = loop.create_future()
            done = self._next
        await asyncio.shield(done)

    async def _fsync_rounds(self) -> None:
        loop = asyncio.get_running_loop()
        while self._running is not None:
            round_done = self._running
            try:
                await loop.run_in_executor(None, self._fsync)
            except asyncio.CancelledError:  # the loop is closing: no waiter is left hanging
                for waiting in (round_done, self._next):
                    if waiting is not None:
                        waiting.cancel()
                self._running = self._next = None
                raise
            except Exception as exc:  # the disk's OSError, or an executor shut down meanwhile
                round_done.set_exception(StorageError(f"cannot sync {self.wal_path}: {exc}"))
            else:
                round_done.set_result(None)
            self._running, self._next = self._next, None

    def _fsync(self) -> None:
        # Opened per round: the log file is removed when the last connection closes, and a
        # kept descriptor would then point at a file no commit writes to any more.
        try:
            fd = os.open(self.wal_path, os.O_RDWR)
        except FileNotFoundError:
            return  # no log: nothing was written since it was last checkpointed away
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if not self.fsyncs:
            # The log file's own entry in its folder, once: a file created since the folder
            # was last synced could vanish with a power cut, frames and all.
            _fsync_folder(os.path.dirname(self.wal_path) or ".")
        self.fsyncs += 1


def _fsync_folder(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
