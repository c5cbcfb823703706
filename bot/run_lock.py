"""One `meterbot run` per SQLite file.

Two processes serving one SQLite file would each run a scheduler, send every reminder twice
and fight over the one writer SQLite allows. `run` therefore takes an exclusive lock on a file
beside the database (`<database>.run.lock`, holding its process id) for as long as it serves;
a second `run` finds it taken and refuses, naming the database and the other process. The
operating system drops the lock when the process ends, however it ends, so a crash never leaves
a stale lock behind. PostgreSQL is meant to be shared by several processes (scaling out) and
takes no such lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from bot.database import describe, sqlite_path


class AlreadyServing(Exception):
    """Another process serves this SQLite database."""


@contextmanager
def serving_lock(url: str) -> Iterator[None]:
    path = sqlite_path(url)
    if path is None:
        yield
        return
    lock = path.with_name(path.name + ".run.lock")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise AlreadyServing(f"cannot lock {lock}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise AlreadyServing(
                f"another `meterbot run` (pid {other}) is serving {describe(url)}; two would "
                f"each run the scheduler on one SQLite file. Stop it first (the lock is {lock})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
