"""Copy a SQLite database's rows into an empty PostgreSQL database of the same schema version,
then compare row counts per table and a checksum of the readings on both sides.

Tables and columns are read from the schemas themselves, so a new migration needs no change
here. SQLite keeps decimals, timestamps and booleans as text and integers; each value is
converted to the type the PostgreSQL column declares. The copy runs in one PostgreSQL transaction
(a failure leaves the target empty) over one SQLite read transaction (a consistent snapshot).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from graphlib import TopologicalSorter
from typing import Any

import aiosqlite
import asyncpg

from storage.base import StorageError, hide_password

BATCH_ROWS = 1000
# Written by each side's own `migrate()`; both must already be at the same version.
SKIPPED_TABLES = frozenset({"schema_version"})
CHECKSUM_TABLE = "readings"
_PERIOD = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True, slots=True)
class CopyReport:
    counts: list[TableCount]
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.counts) and self.source_checksum == self.target_checksum


@dataclass(frozen=True, slots=True)
class TargetColumn:
    name: str
    data_type: str  # information_schema.columns.data_type, e.g. "numeric", "boolean"
    element_type: str  # udt_name, e.g. "_text" for text[]


def sqlite_path(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise StorageError(
            f"a SQLite url looks like sqlite:///data/meterbot.sqlite3, got {hide_password(url)!r}"
        )
    return url.removeprefix("sqlite:///")


# -- schema discovery --------------------------------------------------------------------------
async def sqlite_tables(db: aiosqlite.Connection) -> dict[str, list[str]]:
    rows = await db.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    tables: dict[str, list[str]] = {}
    for (name,) in rows:
        if name not in SKIPPED_TABLES:
            info = await db.execute_fetchall(f'PRAGMA table_info("{name}")')
            tables[name] = [row[1] for row in info]
    return tables


async def postgres_tables(conn: asyncpg.Connection) -> dict[str, list[TargetColumn]]:
    rows = await conn.fetch(
        "SELECT c.table_name, c.column_name, c.data_type, c.udt_name "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    )
    tables: dict[str, list[TargetColumn]] = {}
    for row in rows:
        if row["table_name"] not in SKIPPED_TABLES:
            column = TargetColumn(row["column_name"], row["data_type"], row["udt_name"])
            tables.setdefault(row["table_name"], []).append(column)
    return tables


async def dependency_order(conn: asyncpg.Connection, tables: Iterable[str]) -> list[str]:
    """Tables ordered so that every table comes after the ones its foreign keys point to."""
    edges = await conn.fetch(
        "SELECT con.conrelid::regclass::text AS child, con.confrelid::regclass::text AS parent "
        "FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace "
        "WHERE con.contype = 'f' AND n.nspname = current_schema()"
    )
    graph: dict[str, set[str]] = {name: set() for name in sorted(tables)}
    for edge in edges:
        child, parent = _unquote(edge["child"]), _unquote(edge["parent"])
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    return list(TopologicalSorter(graph).static_order())


def check_same_schema(
    source: dict[str, list[str]], target: dict[str, list[TargetColumn]]
) -> str | None:
    """The first difference between the two schemas, or None."""
    if source.keys() != target.keys():
        only_source = sorted(source.keys() - target.keys())
        only_target = sorted(target.keys() - source.keys())
        return f"tables differ: only in source {only_source}, only in target {only_target}"
    for table, columns in source.items():
        target_columns = {c.name for c in target[table]}
        if set(columns) != target_columns:
            return f"table {table}: columns differ: {sorted(columns)} vs {sorted(target_columns)}"
    return None


# -- values --------------------------------------------------------------------------------------
def to_target(value: Any, column: TargetColumn) -> Any:
    """A SQLite value as the Python value asyncpg expects for the PostgreSQL column."""
    if value is None:
        return None
    kind = column.data_type
    if kind == "boolean":
        return bool(value)
    if kind == "numeric":
        return Decimal(str(value))
    if kind in ("integer", "bigint", "smallint"):
        return int(value)
    if kind in ("real", "double precision"):
        return float(value)
    if kind == "timestamp with time zone":
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if kind == "timestamp without time zone":
        return datetime.fromisoformat(value)
    if kind == "date":
        text = str(value)
        return date.fromisoformat(f"{text}-01" if _PERIOD.match(text) else text)
    if kind == "ARRAY":
        # SQLite keeps lists as JSON arrays or, for phone numbers, space-separated text.
        text = str(value)
        return json.loads(text) if text.startswith("[") else text.split()
    return value if isinstance(value, str) else str(value)


def canonical(value: Any) -> str:
    """One spelling per value, whichever database it came from, for the checksum."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps([canonical(v) for v in value])
    return str(value)


class RowDigest:
    """sha256 over rows sorted by their canonical form, so the order rows arrive in is moot."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def add(self, row: Sequence[Any]) -> None:
        self.rows.append("\x1f".join(canonical(v) for v in row))

    def hexdigest(self) -> str:
        digest = hashlib.sha256()
        for row in sorted(self.rows):
            digest.update(row.encode("utf-8"))
            digest.update(b"\x1e")
        return digest.hexdigest()


# -- the copy ----------------------------------------------------------------------------------
async def target_row_counts(conn: asyncpg.Connection, tables: Iterable[str]) -> dict[str, int]:
    return {t: int(await conn.fetchval(f'SELECT count(*) FROM "{t}"')) for t in tables}  # noqa: S608


async def copy_database(
    source: aiosqlite.Connection,
    target: asyncpg.Connection,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every table, then verify. Raises StorageError when the schemas differ or the target
    is not empty; the caller reports a mismatch from the returned `CopyReport`."""
    source_tables = await sqlite_tables(source)
    target_tables = await postgres_tables(target)
    problem = check_same_schema(source_tables, target_tables)
    if problem:
        raise StorageError(f"source and target schemas differ: {problem}")
    order = await dependency_order(target, target_tables)
    occupied = {t: n for t, n in (await target_row_counts(target, order)).items() if n}
    if occupied:
        listed = ", ".join(f"{t}: {n} rows" for t, n in sorted(occupied.items()))
        raise StorageError(f"target is not empty ({listed}); copy only into an empty database")

    source_counts: dict[str, int] = {}
    source_digest = RowDigest()
    await source.execute("BEGIN")  # one snapshot for every table
    try:
        async with target.transaction():
            for table in order:
                columns = target_tables[table]
                source_counts[table] = await _copy_table(
                    source, target, table, columns, source_digest, progress
                )
            await _advance_sequences(target, order, target_tables)
    finally:
        await source.execute("ROLLBACK")

    target_counts = await target_row_counts(target, order)
    counts = [TableCount(t, source_counts[t], target_counts[t]) for t in order]
    target_digest = RowDigest()
    names = [c.name for c in target_tables[CHECKSUM_TABLE]]
    quoted = ", ".join(f'"{n}"' for n in names)
    for record in await target.fetch(f'SELECT {quoted} FROM "{CHECKSUM_TABLE}"'):  # noqa: S608
        target_digest.add(list(record.values()))
    return CopyReport(counts, source_digest.hexdigest(), target_digest.hexdigest())


async def _copy_table(
    source: aiosqlite.Connection,
    target: asyncpg.Connection,
    table: str,
    columns: list[TargetColumn],
    digest: RowDigest,
    progress: Callable[[str, int], None] | None,
) -> int:
    names = [c.name for c in columns]
    quoted = ", ".join(f'"{n}"' for n in names)
    copied = 0
    async with source.execute(f'SELECT {quoted} FROM "{table}"') as cursor:  # noqa: S608
        while batch := await cursor.fetchmany(BATCH_ROWS):
            records = [
                tuple(to_target(value, column) for value, column in zip(row, columns, strict=True))
                for row in batch
            ]
            if table == CHECKSUM_TABLE:
                for record in records:
                    digest.add(record)
            await target.copy_records_to_table(table, records=records, columns=names)
            copied += len(records)
            if progress:
                progress(table, copied)
    return copied


async def _advance_sequences(
    conn: asyncpg.Connection, tables: Iterable[str], columns: dict[str, list[TargetColumn]]
) -> None:
    # Rows kept their ids; the next id the database hands out must come after them.
    for table in tables:
        for column in columns[table]:
            sequence = await conn.fetchval(
                "SELECT pg_get_serial_sequence($1, $2)", f'"{table}"', column.name
            )
            if sequence:
                await conn.execute(
                    f'SELECT setval($1, COALESCE(max("{column.name}"), 1), '  # noqa: S608
                    f'max("{column.name}") IS NOT NULL) FROM "{table}"',
                    sequence,
                )


def _unquote(name: str) -> str:
    return name[1:-1] if name.startswith('"') and name.endswith('"') else name
