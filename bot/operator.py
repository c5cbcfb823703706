"""Operator commands: `import-accounts`, `export-readings`, `db migrate`
(docs/operators/commands.md).

Every failure is one line on standard error that says what and where, with exit code 2 for
input that cannot be used (missing file, wrong encoding, wrong header, bad --period) and 1 for
storage trouble. An import whose file was read exits 1 when some rows were rejected, 0 only
when every row was taken (bot/imports/files.py).
An import commits in batches; when storage fails midway, the counts printed are those
committed, and the line it stopped at is named, so the operator can re-run (upserts are safe
to repeat).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import heapq
import io
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import aclosing, contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, BinaryIO, TextIO

from tqdm import tqdm

from billing_core.models import Period, Register
from bot.config import Settings
from bot.database import database_line, open_database
from bot.imports.accounts import DEFAULT_OPTIONS, HeaderError, ReadOptions
from bot.imports.files import EXIT_UNREADABLE, FileRefused, exit_code, open_checked
from bot.imports.reader import read_chunks
from storage.base import (
    ExportedReading,
    ImportRow,
    OperatorStore,
    Storage,
    StorageError,
    UpsertCounts,
    connect_storage,
)
from storage.import_rows import RowBatch, StagedRows

BATCH_ROWS = 20_000
IMPORT_SWITCH_INTERVAL = 0.0002  # seconds


def _fail(command: str, message: str, code: int = 2) -> int:
    print(f"meterbot: {command}: {message}", file=sys.stderr)
    return code


async def import_command(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        # The whole file is checked first: a wrong encoding refuses it before a row is taken.
        text, codec = open_checked(path, args.encoding)
    except FileRefused as exc:
        return _fail("import-accounts", f"{path}: {exc}", EXIT_UNREADABLE)
    options = ReadOptions(
        latest_period=str(Period.of(datetime.now(settings.billing.tz))),
        ignore_unknown_columns=args.ignore_unknown_columns,
    )
    with text:
        storage = await open_operator_database(settings)
        # The database thread takes the GIL back after every SQLite call while a file read in
        # this process is parsed without pause; at the default 5 ms switch interval each of
        # those waits left the database idle.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)
        try:
            return await import_stream(
                storage, text, str(path), out=sys.stdout, options=options, codec=codec
            )
        finally:
            sys.setswitchinterval(switch_interval)
            await storage.close()


async def import_stream(
    db: OperatorStore,
    text: TextIO,
    name: str,
    out: TextIO,
    options: ReadOptions = DEFAULT_OPTIONS,
    codec: str = "utf-8-sig",
) -> int:
    """Import from an open text stream; print the summary and rejected rows to `out`. A large
    file (`name` is its path, in `codec`) is parsed in a process of its own
    (bot/imports/reader.py). The exit code: 0 when every row was taken, 1 when some were
    rejected, 2 when the file could not be read."""
    raw: BinaryIO | None = getattr(text, "buffer", None)
    size = _size(raw)
    # Rejections go to a spooled file: a million bad rows must not sit in memory, and the
    # summary line comes first in the output. Staged batches (bot/imports/reader.py) are files
    # in a folder that outlives the reading: the last batch is written after it.
    with (
        tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8") as reasons,
        _staging_folder(db) as stage_in,
        tqdm(
            total=size, unit="B", unit_scale=True, desc="import", disable=not _on_terminal()
        ) as progress,
    ):
        writer = _BatchWriter(db, reasons)
        try:
            chunks = read_chunks(text, name, size, BATCH_ROWS, stage_in, options, codec)
            async with aclosing(chunks):
                async for lines, rows, rejections, position in chunks:
                    batch = None
                    if rows:
                        batch = rows if isinstance(rows, StagedRows) else RowBatch(rows)
                    await writer.submit(batch, lines, rejections)
                    progress.update(max(position - progress.n, 0))
            await writer.drain()
            progress.update(max(size - progress.n, 0))
        except HeaderError as exc:
            # Every ending closes the bar before it prints: the bar ends its line on closing,
            # and a line printed under an open bar on a terminal is drawn over by its redraw.
            progress.close()
            return _fail("import-accounts", f"{name}: {exc}")
        except OSError as exc:
            await writer.drain()
            progress.close()
            return _fail(
                "import-accounts",
                f"{name}: cannot read further: {exc.strerror or exc}; committed before it: "
                f"added {writer.added}, updated {writer.updated}, rejected {writer.rejected}",
            )
        except StorageError as exc:
            progress.close()
            return _fail(
                "import-accounts",
                f"{name}: storage failed on the rows from line {writer.failed_line}: {exc}; "
                f"committed before them: added {writer.added}, updated {writer.updated}",
                code=1,
            )
        progress.close()
        print(
            f"added {writer.added}, updated {writer.updated}, rejected {writer.rejected}",
            file=out,
        )
        reasons.seek(0)
        for reason in reasons:
            out.write(reason)
    return exit_code(writer.rejected)


class _BatchWriter:
    """Writes one batch while the next is parsed (the database works in its own thread or
    server); at most one batch is in flight, so the counts only ever cover committed rows.
    A batch's rejections, the file's and the database's (`UpsertCounts.rejected`), go to
    `reasons` in line order once it is written."""

    def __init__(self, db: OperatorStore, reasons: IO[str]) -> None:
        self._db = db
        self._reasons = reasons
        self._pending: asyncio.Task[UpsertCounts] | None = None
        self._pending_lines: list[int] = []
        self._pending_rejections: list[tuple[int, str]] = []
        self.failed_line = 0
        self.added = 0
        self.updated = 0
        self.rejected = 0

    async def submit(
        self,
        batch: Sequence[ImportRow] | None,
        lines: list[int],
        rejections: list[tuple[int, str]],
    ) -> None:
        """Write `batch` (its rows start on `lines`), after the one before; `rejections` are
        the file's among them."""
        await self.drain()
        if batch is not None:
            self._pending = asyncio.create_task(self._db.upsert_accounts(batch))
        self._pending_lines = lines
        self._pending_rejections = rejections

    async def drain(self) -> None:
        refused: tuple[tuple[int, str], ...] = ()
        if self._pending is not None:
            task, self._pending = self._pending, None
            try:
                counts = await task
            except StorageError:
                self.failed_line = self._pending_lines[0]
                raise
            self.added += counts.added
            self.updated += counts.updated
            refused = counts.rejected
        lines, read = self._pending_lines, self._pending_rejections
        self._pending_rejections = []
        self.rejected += len(read) + len(refused)
        for line, reason in heapq.merge(read, ((lines[at], why) for at, why in refused)):
            self._reasons.write(f"line {line}: {reason}\n")


@contextmanager
def _staging_folder(db: OperatorStore) -> Iterator[str | None]:
    """A temporary folder for staged batches, if `db` reads them and one can be made (else
    the rows go through the pipe)."""
    if not db.reads_staged_rows:
        yield None
        return
    try:
        folder = tempfile.TemporaryDirectory(prefix="meterbot-import-")
    except OSError:
        yield None
        return
    with folder as path:
        yield path


def _size(raw: BinaryIO | None) -> int:
    try:
        return os.fstat(raw.fileno()).st_size if raw else 0
    except (OSError, io.UnsupportedOperation):
        return 0


def _on_terminal() -> bool:
    return sys.stderr.isatty()


EXPORT_COLUMNS = (
    "account", "meter_serial", "period", "t1", "t2", "t3", "source", "channel", "submitted_at",
    "zones", "amount",
)  # fmt: skip
# What a spreadsheet in the Russian locale reads as it is: a BOM says UTF-8, `;` separates
# (the comma is the decimal mark there), and a cell written as the formula ="0012345" stays
# text, leading zeros and all, where a bare 0012345 would become the number 12345.
EXCEL_BOM = "\ufeff"


def _export_cells(row: ExportedReading, tz: tzinfo, excel: bool) -> list[str]:
    values = row.reading.values
    registers = [values.get(r) for r in (Register.T1, Register.T2, Register.T3)]
    numbers = [*registers, row.amount]
    shown = ["" if n is None else str(n) for n in numbers]
    account, serial = row.account, row.meter_serial
    if excel:
        shown = [cell.replace(".", ",") for cell in shown]
        account, serial = f'="{account}"', f'="{serial}"'
    submitted = row.reading.submitted_at.astimezone(tz).replace(microsecond=0).isoformat()
    return [
        account, serial, str(row.reading.period), *shown[:3], row.reading.source.value,
        row.reading.channel, submitted, str(row.zones), shown[3],
    ]  # fmt: skip


async def export_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        period = Period.parse(args.period)
    except ValueError:
        return _fail("export-readings", f"--period must look like YYYY-MM (got {args.period!r})")
    target = Path(args.output) if args.output else None
    if target is not None and target.is_dir():
        return _fail("export-readings", f"{target}: cannot write: it is a folder; name a file")
    partial = target.with_name(target.name + ".part") if target else None
    try:
        out = partial.open("w", encoding="utf-8", newline="") if partial else None
    except OSError as exc:
        return _fail("export-readings", f"{target}: cannot write: {exc.strerror or exc}")
    try:
        storage = await open_operator_database(settings)
    except BaseException:
        if out and partial:
            out.close()
            partial.unlink(missing_ok=True)
        raise
    count = 0
    excel = bool(args.excel)
    try:
        stream = out or sys.stdout
        if excel:
            stream.write(EXCEL_BOM)
        writer = csv.writer(stream, delimiter=";" if excel else ",", lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        tz = settings.billing.tz
        with tqdm(unit=" readings", desc="export", disable=not _on_terminal()) as progress:
            async for row in storage.export_readings(period):
                writer.writerow(_export_cells(row, tz, excel))
                count += 1
                if count % 1000 == 0:
                    progress.update(1000)
            progress.update(count % 1000)
    except BaseException:  # a reader that left (`| head`) included: bot/cli.py answers it
        if out and partial:
            out.close()
            partial.unlink(missing_ok=True)
        raise
    finally:
        await storage.close()
    if out and partial and target:
        out.close()
        try:
            partial.replace(target)  # the file appears whole or not at all
        except OSError as exc:
            partial.unlink(missing_ok=True)
            return _fail("export-readings", f"{target}: cannot write: {exc.strerror or exc}")
        print(f"exported {count} readings for {period} to {target}", file=sys.stderr)
    return 0


async def open_operator_database(settings: Settings) -> Storage:  # each command takes its port
    """The configured database for an operator command, said on standard error; refused
    (bot.database.NoDatabase) when it does not exist yet."""
    url = settings.storage.url
    storage = await open_database(url, create=False, say=_say)
    _say(database_line(url))
    return storage


def _say(line: str) -> None:
    print(line, file=sys.stderr)


async def migrate_command(settings: Settings, args: argparse.Namespace) -> int:
    url = settings.storage.url
    storage = await connect_storage(url)
    try:
        applied = await storage.migrate()
    finally:
        await storage.close()
    _say(database_line(url))
    if applied:
        print(f"applied migrations {', '.join(map(str, applied))}")
    else:
        print("schema up to date")
    return 0
