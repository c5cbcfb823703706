"""One leader among processes sharing a database: the reminder scheduler runs on it alone.

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) held on a connection of its own.
PostgreSQL releases it when that connection ends — the process died, was killed, or its
connection was cut — so another process's next `try_acquire` succeeds. A leader checks its
connection with `held()`; once that fails it is no longer the leader and must stop leading.

SQLite: one process serves a database file, so it always leads.
"""

from __future__ import annotations

import asyncio
import hashlib

import asyncpg

from storage.base import StorageError

CHECK_TIMEOUT_SECONDS = 5.0
_FAILED = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


def lock_key(name: str) -> int:
    digest = hashlib.blake2b(f"meterbot-leader\0{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AlwaysLeader:
    """SQLite: the only process of its database leads."""

    async def try_acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PostgresLeaderLock:
    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self._key = lock_key(name)
        self._conn: asyncpg.Connection | None = None

    async def try_acquire(self) -> bool:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self._url, timeout=CHECK_TIMEOUT_SECONDS)
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                taken = await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key)
        except _FAILED as exc:
            await self.release()
            raise StorageError(f"cannot ask for the leader's lock: {exc}") from exc
        return bool(taken)

    async def held(self) -> bool:
        if self._conn is None or self._conn.is_closed():
            return False
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                # The lock lives as long as this session: a session that answers still holds it.
                await self._conn.fetchval("SELECT 1")
        except _FAILED:
            await self.release()
            return False
        return True

    def server_pid(self) -> int:
        """The PostgreSQL backend holding the lock (0 without one), for operators and tests."""
        return 0 if self._conn is None else int(self._conn.get_server_pid())

    async def release(self) -> None:
        """Close the lock's connection: PostgreSQL releases the lock with it."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
