"""The migration stairway: all migrations on an empty database, then again as a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import migrations
from storage.base import StorageError, open_storage
from storage.postgres import PostgresStorage
from storage.sqlite import SqliteStorage

TABLES = {
    "accounts", "account_phones", "meters", "readings", "bills", "bill_lines", "balances",
    "chat_profiles", "bindings", "dialog_states", "bind_failures", "processed_updates",
    "campaigns", "campaign_recipients",
}  # fmt: skip


def test_both_engines_have_the_same_versions() -> None:
    sqlite_versions = [m.version for m in migrations.load("sqlite")]
    assert sqlite_versions == [m.version for m in migrations.load("postgres")]
    assert sqlite_versions[0] == 1


async def test_stairway(url: str) -> None:
    storage: SqliteStorage | PostgresStorage
    if url.startswith("sqlite"):
        storage = await SqliteStorage.connect(url)
    else:
        storage = await PostgresStorage.connect(url)
    try:
        everything = [m.version for m in migrations.load(storage.engine)]
        assert await storage.migrate() == everything
        assert await storage.migrate() == []
        assert set(await storage.table_names()) >= TABLES
        assert await storage.schema_versions() == everything
    finally:
        await storage.close()

    reopened = await open_storage(url)  # what `run` does at start: nothing left to apply
    try:
        assert await reopened.migrate() == []
    finally:
        await reopened.close()


async def test_sqlite_folder_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    storage = await open_storage("sqlite:///data/nested/meterbot.sqlite3")
    await storage.close()

    assert (tmp_path / "data" / "nested" / "meterbot.sqlite3").is_file()


async def test_unknown_url_is_refused() -> None:
    with pytest.raises(StorageError, match="sqlite:///"):
        await open_storage("mysql://localhost/meterbot")


async def test_a_folder_that_cannot_be_made_is_one_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")  # a file where the folder should be

    with pytest.raises(StorageError, match=r"cannot create the folder for .*file/db/m\.sqlite3"):
        await open_storage(f"sqlite:///{tmp_path}/file/db/m.sqlite3")


async def test_schema_version_is_0_before_and_the_newest_after(url: str) -> None:
    from storage.base import connect_storage

    storage = await connect_storage(url)
    try:
        assert await storage.schema_version() == 0
        await storage.migrate()
        engine = "sqlite" if url.startswith("sqlite") else "postgres"
        assert await storage.schema_version() == migrations.load(engine)[-1].version
    finally:
        await storage.close()


async def test_a_schema_newer_than_the_code_refuses_to_open(url: str) -> None:
    from storage.base import SchemaTooNew

    storage = await open_storage(url)  # the schema is current
    await storage.close()
    newest = migrations.load("sqlite")[-1].version
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("INSERT INTO schema_version VALUES (?, 'later', '2030-01-01')", (newest + 1,))
        conn.commit()
        conn.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(url)
        await conn.execute("INSERT INTO schema_version VALUES ($1, 'later', now())", newest + 1)
        await conn.close()

    with pytest.raises(SchemaTooNew, match=f"version {newest + 1}, newer than this meterbot"):
        await open_storage(url)
