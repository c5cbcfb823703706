"""The accounts CSV of `import-accounts` read into batches, in a process of its own for a
large file.

Checking a row costs Python about as much as SQLite costs to write it, and one process runs
Python on one core at a time (threads share the GIL). A second process parses and checks
while this one writes, so a large import takes about the longer of the two instead of their
sum. It sends plain tuples (`storage.import_rows.AccountRow`), which pickle cheaply, through a
pipe that holds little: the reader blocks when the writer falls behind, so memory stays bounded
by a few batches whatever the file's size. A small file is read here: starting a process
costs more than it saves.

The process is started with `spawn`: the importer runs an event loop and a database thread,
which a forked child would inherit in whatever state they were in.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
from collections.abc import AsyncGenerator
from multiprocessing.connection import Connection
from typing import Protocol, TextIO

from storage.accounts_csv import read_batches
from storage.import_rows import AccountRow

# (first line of the first good row, good rows, (line, reason) rejections, bytes read so far)
Chunk = tuple[int, list[AccountRow], list[tuple[int, str]], int]

PARALLEL_FROM_BYTES = 4 << 20  # about 30,000 rows


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
    text: TextIO, path: str, size: int, batch_rows: int
) -> AsyncGenerator[Chunk, None]:
    """The file's batches in order; raises what reading raised (HeaderError, OSError) where
    it was raised. `text` is the file opened for reading (utf-8-sig, surrogateescape, no
    newline translation); a file of `size` bytes or more is read again by path in a process
    of its own."""
    if size < PARALLEL_FROM_BYTES:
        raw: _Seekable | None = getattr(text, "buffer", None)
        for batch in read_batches(text, batch_rows):
            yield batch.first_line, batch.rows, batch.rejections, position(raw)
            await asyncio.sleep(0)  # let the batch in flight move on
        return
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    reader = context.Process(
        target=read_in_process, args=(path, batch_rows, sender), name="meterbot-import-reader"
    )
    reader.daemon = True  # never outlives the importer
    reader.start()
    sender.close()  # the child's copy is the only one left: its exit is our end of file
    try:
        while True:
            try:
                message = await asyncio.to_thread(receiver.recv)
            except EOFError:
                stopped = f"the reading process stopped (exit code {reader.exitcode})"
                raise ReaderStopped(stopped) from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            yield message
    finally:
        if reader.is_alive():  # the import stopped early: the reader may wait on a full pipe
            reader.kill()
        await asyncio.to_thread(reader.join)
        receiver.close()


def read_in_process(path: str, batch_rows: int, sender: Connection) -> None:
    """The reading process: every batch of `path` through `sender`, then None; or the
    exception that stopped the reading."""
    try:
        with (
            open(path, "rb") as raw,
            io.TextIOWrapper(
                raw, encoding="utf-8-sig", errors="surrogateescape", newline=""
            ) as text,
        ):
            for batch in read_batches(text, batch_rows):
                sender.send((batch.first_line, batch.rows, batch.rejections, position(raw)))
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
