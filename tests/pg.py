"""PostgreSQL for tests: a fresh database per use, skipped with a reason when no server answers.

With CI=true a missing server fails the test instead: CI must prove the PostgreSQL path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

ADMIN_DSN = os.environ.get("METERBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL not reachable at {ADMIN_DSN}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: these tests must run)")
        pytest.skip(reason)


# For a fixture that runs its tests on both engines: `@pytest.fixture(params=ENGINES)`, then
# `async with database_url(request.param, tmp_path) as url`.
ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@asynccontextmanager
async def database_url(engine: str, folder: Path) -> AsyncIterator[str]:
    """An empty database of `engine`: a SQLite file in `folder`, or a fresh PostgreSQL one."""
    if engine == "sqlite":
        yield f"sqlite:///{folder}/meterbot.sqlite3"
        return
    async with fresh_database() as url:
        yield url


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Create a uniquely named database, yield its URL, drop it afterwards."""
    name = f"meterbot_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
