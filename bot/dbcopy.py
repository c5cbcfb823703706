"""`meterbot db copy --to postgresql://…`: move a SQLite deployment's data to PostgreSQL.

Both databases are opened through `bot.database.open_database` first, which brings both
schemas to the same version; the rows then move through `storage.copy`. Stop the bot before
copying: rows written after the copy started are not in the target.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import aiosqlite
import asyncpg
from tqdm import tqdm

from bot.config import Settings
from bot.database import database_line, describe, open_database
from storage.base import StorageError, hide_password, without_password
from storage.copy import CopyReport, copy_database, sqlite_path


async def copy_command(settings: Settings, args: argparse.Namespace) -> int:
    source_url: str = settings.storage.url
    target_url: str = args.to
    problem = _check_urls(source_url, target_url)
    if problem:
        print(f"meterbot: {problem}", file=sys.stderr)
        return 2
    print(f"copying {describe(source_url)} → {describe(target_url)}")
    # Both are migrated, so both are at the same version. The source must exist already (a
    # fresh empty one means the wrong folder or configuration); the target is made here.
    for url, create in ((source_url, False), (target_url, True)):
        storage = await open_database(url, create=create, say=_say)
        await storage.close()
    _say(database_line(source_url))
    try:
        report = await _copy(sqlite_path(source_url), target_url)
    except StorageError as exc:
        print(f"meterbot: {exc}", file=sys.stderr)
        return 1
    _print_report(report)
    return 0 if report.ok else 1


def _check_urls(source_url: str, target_url: str) -> str | None:
    if not source_url.startswith("sqlite:///"):
        return f"db copy reads a SQLite database; [storage] url is {hide_password(source_url)}"
    if not target_url.startswith(("postgresql://", "postgres://")):
        return f"--to must be a postgresql:// url, got {hide_password(target_url)}"
    path = sqlite_path(source_url)
    if path == ":memory:" or not Path(path).is_file():
        return f"no SQLite database at {path} (from [storage] url)"
    return None


async def _copy(source_path: str, target_url: str) -> CopyReport:
    try:
        target = await asyncpg.connect(target_url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        message = without_password(str(exc), target_url)
        raise StorageError(f"cannot connect to {hide_password(target_url)}: {message}") from None
    try:
        async with aiosqlite.connect(source_path, isolation_level=None) as source:
            with tqdm(unit=" rows", desc="copy", disable=not sys.stderr.isatty()) as bar:
                done: dict[str, int] = {}

                def progress(table: str, copied: int) -> None:
                    bar.set_description(f"copy {table}", refresh=False)
                    bar.update(copied - done.get(table, 0))
                    done[table] = copied

                return await copy_database(source, target, progress=progress)
    finally:
        await target.close()


def _print_report(report: CopyReport) -> None:
    width = max(len(c.table) for c in report.counts)
    print(f"{'table':<{width}}  {'source':>8}  {'target':>8}")
    for count in report.counts:
        mark = "" if count.ok else "  MISMATCH"
        print(f"{count.table:<{width}}  {count.source:>8}  {count.target:>8}{mark}")
    print(f"readings sha256 source {report.source_checksum}")
    print(f"readings sha256 target {report.target_checksum}")
    if report.ok:
        print("verified: every table's row count and the readings checksum match")
    else:
        print("MISMATCH: the target differs from the source; do not switch over", file=sys.stderr)


def _say(line: str) -> None:
    print(line, file=sys.stderr)
