"""Opening the database for a command: which one it is, said plainly, and never one made by
mistake.

Every command names the database it uses (`describe`: the SQLite file's absolute path, a
PostgreSQL URL without its password) and the schema version it found, and lists each migration
it applied. `run` and `db migrate` create a database that does not exist yet; the operator
commands (imports, exports, closing, reminders, copying) refuse to: run from the wrong folder,
`sqlite:///data/meterbot.sqlite3` would otherwise be a fresh empty file, and an import would
report its rows added to a database nobody serves. They say so and point at `meterbot db
migrate`, which creates it on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from storage import migrations
from storage.base import Storage, StorageError, connect_storage, hide_password

log = logging.getLogger(__name__)


class NoDatabase(StorageError):
    """An operator command found no meterbot database where the configuration points."""


def sqlite_path(url: str) -> Path | None:
    """The file a sqlite:/// URL names, or None for another engine or an in-memory database."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///")
    return None if path in ("", ":memory:") else Path(path)


def describe(url: str) -> str:
    """The database as the operator should see it: a SQLite file by its absolute path (a
    relative one depends on the folder the command ran in), any other URL without its
    password."""
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:///{path.resolve()}"
    return hide_password(url)


def engine_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite:") else "postgres"


def code_schema_version(url: str) -> int:
    """The newest schema version this meterbot knows for the URL's engine."""
    return migrations.load(engine_of(url))[-1].version


async def open_database(
    url: str,
    *,
    create: bool,
    say: Callable[[str], None],
) -> Storage:
    """Connect, refuse a database that is not there unless `create`, migrate, and `say` one
    line per migration applied. A schema newer than this meterbot knows refuses to open
    (storage.base.SchemaTooNew). Once open, the database is at `code_schema_version(url)`."""
    shown = describe(url)
    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise NoDatabase(_missing(shown))
    storage = await connect_storage(url)
    try:
        if not create and await storage.schema_version() == 0:
            raise NoDatabase(_missing(shown))
        applied = await storage.migrate()
    except StorageError as exc:
        await storage.close()
        if isinstance(exc, NoDatabase):
            raise
        raise StorageError(f"{shown}: {exc}") from exc
    except BaseException:
        await storage.close()
        raise
    names = {m.version: m.name for m in migrations.load(engine_of(url))}
    for version in applied:
        say(f"applied migration {version:04d}_{names.get(version, '?')} to {shown}")
    return storage


def database_line(url: str) -> str:
    """What an operator command says first: the database it used, and its schema version."""
    return f"database {describe(url)} (schema version {code_schema_version(url)})"


def _missing(shown: str) -> str:
    return (
        f"no meterbot database at {shown}: check --config, $METERBOT_CONFIG or the folder "
        "you run in; to create it there, run `meterbot db migrate` first"
    )
