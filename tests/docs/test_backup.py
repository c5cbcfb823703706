"""The backup and restore commands of docs/operations/backup.md, run as written — each block
marked `<!-- tested: NAME -->` — against a database the bot wrote, on both engines: what was
backed up comes back, and what was written after the backup is gone."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.docs.markdown import ROOT, blocks
from tests.pg import ADMIN_DSN, fresh_database

GUIDE = ROOT / "docs" / "operations" / "backup.md"
SAMPLE = ROOT / "examples" / "accounts.sample.csv"
PERIOD = "2026-02"  # the sample's last readings
LATE_ACCOUNT = "account;meter_serial;zones;last_period;last_t1\n99999-000-01;0001;1;2026-02;100\n"


def documented(name: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    found = [block.code for block in blocks(text) if block.marker == name]
    assert len(found) == 1, f"one block marked `tested: {name}` in {GUIDE.name}"
    return found[0]


def _tool(name: str) -> None:
    if shutil.which(name) is None:
        reason = f"`{name}` is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: the backup guide must be tried)")
        pytest.skip(reason)


class Operator:
    """A shell in the bot's working directory with `meterbot` on its PATH, as the guide assumes."""

    def __init__(self, folder: Path, storage_url: str | None) -> None:
        self.folder = folder
        self.env = {key: value for key, value in os.environ.items() if key != "METERBOT_CONFIG"}
        self.env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{self.env['PATH']}"
        self.env.pop("METERBOT_STORAGE__URL", None)
        if storage_url is not None:
            self.env["METERBOT_STORAGE__URL"] = storage_url

    def shell(self, script: str) -> str:
        done = subprocess.run(  # noqa: S603 — the guide's own commands, run as written
            ["/bin/bash", "-euo", "pipefail", "-c", script],
            cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        output = f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        assert done.returncode == 0, f"{script}\n{output}"
        return done.stdout

    def import_accounts(self, text: str) -> None:
        (self.folder / "accounts.csv").write_text(text, encoding="utf-8")
        self.shell("meterbot db migrate && meterbot import-accounts accounts.csv")

    def readings(self, url: str | None = None) -> str:
        prefix = f"METERBOT_STORAGE__URL='{url}' " if url else ""
        return self.shell(f"{prefix}meterbot export-readings --period {PERIOD}")


def test_the_sqlite_guide_backs_up_a_database_and_restores_it(tmp_path: Path) -> None:
    _tool("sqlite3")
    operator = Operator(tmp_path, storage_url=None)  # the default: data/meterbot.sqlite3 here
    operator.import_accounts(SAMPLE.read_text(encoding="utf-8"))
    backed_up = operator.readings()
    assert backed_up.count("\n") == 9  # the header and the sample's eight last readings

    operator.shell(documented("sqlite-backup"))
    operator.import_accounts(LATE_ACCOUNT)
    assert "9999900001" in operator.readings()
    _leave_a_wal_as_a_crash_does(tmp_path / "data" / "meterbot.sqlite3")

    operator.shell(documented("sqlite-restore"))

    assert operator.readings() == backed_up
    assert operator.shell(f"sqlite3 data/meterbot.sqlite3 {_MARKER_COUNT!r}").strip() == "0"


_MARKER_COUNT = "SELECT count(*) FROM sqlite_master WHERE name = 'written_before_the_crash'"


def _leave_a_wal_as_a_crash_does(database: Path) -> None:
    """A process killed before its checkpoint leaves its last commits in the -wal file; opened
    with another database file, SQLite would replay them onto it."""
    wal = database.with_name(database.name + "-wal")
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_autocheckpoint = 0")
        connection.execute("CREATE TABLE written_before_the_crash (x)")
        connection.commit()
        left_over = wal.read_bytes()
    finally:
        connection.close()  # checkpoints and removes the -wal file
    wal.write_bytes(left_over)


@pytest.mark.postgres
async def test_the_postgresql_guide_backs_up_a_database_and_restores_it(tmp_path: Path) -> None:
    _tool("pg_dump")
    async with fresh_database() as url:
        operator = Operator(tmp_path, storage_url=url)
        operator.import_accounts(SAMPLE.read_text(encoding="utf-8"))
        backed_up = operator.readings()
        assert backed_up.count("\n") == 9

        operator.shell(documented("postgres-backup"))
        operator.import_accounts(LATE_ACCOUNT)

        restored_url = operator.shell(documented("postgres-restore") + 'echo "$RESTORED_URL"')
        restored_url = restored_url.strip().splitlines()[-1]
        try:
            assert restored_url != url
            assert operator.readings(restored_url) == backed_up
            assert "9999900001" in operator.readings()  # the old database is left as it was
        finally:
            admin = await asyncpg.connect(ADMIN_DSN)
            try:
                name = restored_url.rsplit("/", 1)[1]
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
