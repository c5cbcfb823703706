"""The accounts CSV of `import-accounts` read into batches, in a process of its own for a
large file.

Checking a row costs Python about as much as SQLite costs to write it, and one process runs
Python on one core at a time (threads share the GIL). A second process parses and checks
while this one writes, so a large import takes about the longer of the two instead of their
sum. It sends plain tuples (`storage.import_rows.AccountRow`), which pickle cheaply, through a
pipe that holds little: the reader blocks when the writer falls behind, so memory stays bounded
by a few batches whatever the file's size. A small file is read here: starting a process
costs more than it saves.

For an engine that reads them (`Storage.reads_staged_rows`, SQLite), the reading process also
binds each batch into a SQLite file of its own (`storage.import_rows.stage_rows`) and sends
only its name: the writer then inserts from that file with set-based statements, and neither
side pickles the rows. The files are in the importer's temporary folder, at most
`STAGED_AHEAD` at a time: the reading process waits for a slot before it writes one, and a
slot is given back (its file deleted) once the importer has written the batch.

The process is started with `spawn`: the importer runs an event loop and a database thread,
which a forked child would inherit in whatever state they were in.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import multiprocessing
import os
import sqlite3
from collections import deque
from collections.abc import AsyncGenerator
from multiprocessing.connection import Connection
from multiprocessing.synchronize import BoundedSemaphore
from typing import Protocol, TextIO

from bot.imports.accounts import DEFAULT_OPTIONS, ReadOptions, read_batches
from storage.import_rows import AccountRow, StagedRows, stage_rows

# (first line of each good row, good rows, (line, reason) rejections, bytes read so far)
Chunk = tuple[list[int], list[AccountRow] | StagedRows, list[tuple[int, str]], int]

PARALLEL_FROM_BYTES = 4 << 20  # about 30,000 rows
STAGED_AHEAD = 4  # staged batches not yet written: about 4 MB each


class ReaderStopped(OSError):
    """The reading process ended without saying why (killed, out of memory)."""


class _Seekable(Protocol):
    def tell(self) -> int: ...


def position(raw: _Seekable | None) -> int:
    """Bytes read so far, for the progress bar (0 when the stream cannot tell)."""
    try:
        return raw.tell() if raw else 0
    except (OSError, ValueError):
        return 0


async def read_chunks(
    text: TextIO,
    path: str,
    size: int,
    batch_rows: int,
    stage_in: str | None = None,
    options: ReadOptions = DEFAULT_OPTIONS,
    codec: str = "utf-8-sig",
) -> AsyncGenerator[Chunk, None]:
    """The file's batches in order; raises what reading raised (HeaderError, OSError) where
    it was raised. `text` is the file opened for reading (in `codec`, surrogateescape, no
    newline translation); a file of `size` bytes or more is read again by path in a process
    of its own, which stages its batches in the folder `stage_in` when one is given.

    The importer asks for a batch only after it has written every batch before the last one
    it got (it writes one at a time): their files are deleted then."""
    if size < PARALLEL_FROM_BYTES:
        raw: _Seekable | None = getattr(text, "buffer", None)
        for batch in read_batches(text, batch_rows, options):
            yield batch.lines, batch.rows, batch.rejections, position(raw)
            await asyncio.sleep(0)  # let the batch in flight move on
        return
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    slots = context.BoundedSemaphore(STAGED_AHEAD)
    reader = context.Process(
        target=read_in_process,
        args=(path, batch_rows, sender, stage_in, slots, options, codec),
        name="meterbot-import-reader",
    )
    reader.daemon = True  # never outlives the importer
    reader.start()
    sender.close()  # the child's copy is the only one left: its exit is our end of file
    staged: deque[StagedRows] = deque()
    try:
        while True:
            while len(staged) > 1:  # written: see above
                _discard(staged.popleft(), slots)
            try:
                message = await asyncio.to_thread(receiver.recv)
            except EOFError:
                stopped = f"the reading process stopped (exit code {reader.exitcode})"
                raise ReaderStopped(stopped) from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            if isinstance(message[1], StagedRows):
                staged.append(message[1])
            yield message
    finally:
        if reader.is_alive():  # the import stopped early: the reader may wait on a full pipe
            reader.kill()
        await asyncio.to_thread(reader.join)
        receiver.close()


def _discard(batch: StagedRows, slots: BoundedSemaphore) -> None:
    with contextlib.suppress(OSError):  # else it goes with the folder at the end
        os.unlink(batch.path)
    slots.release()


def read_in_process(
    path: str,
    batch_rows: int,
    sender: Connection,
    stage_in: str | None = None,
    slots: BoundedSemaphore | None = None,
    options: ReadOptions = DEFAULT_OPTIONS,
    codec: str = "utf-8-sig",
) -> None:
    """The reading process: every batch of `path` through `sender`, then None; or the
    exception that stopped the reading. With `stage_in` and `slots`, batches of rows go
    through files in that folder, each once a slot is free."""
    try:
        with (
            open(path, "rb") as raw,
            io.TextIOWrapper(raw, encoding=codec, errors="surrogateescape", newline="") as text,
        ):
            for number, batch in enumerate(read_batches(text, batch_rows, options)):
                rows: list[AccountRow] | StagedRows = batch.rows
                if stage_in is not None and slots is not None and batch.rows:
                    slots.acquire()
                    rows = _stage(os.path.join(stage_in, f"batch-{number}.sqlite3"), batch.rows)
                sender.send((batch.lines, rows, batch.rejections, position(raw)))
        sender.send(None)
    except BrokenPipeError:
        pass  # the importer stopped listening
    except Exception as exc:  # every failure goes to the importer to report
        try:
            sender.send(exc)
        except BrokenPipeError:
            pass
        except Exception:  # an exception that does not pickle
            sender.send(OSError(f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _stage(path: str, rows: list[AccountRow]) -> StagedRows:
    try:
        return stage_rows(path, rows)
    except sqlite3.Error as exc:  # a full disk, most likely: the importer reports an OSError
        raise OSError(f"cannot stage rows in {os.path.dirname(path)}: {exc}") from None
