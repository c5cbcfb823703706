"""Versioned schema migrations: `<engine>/NNNN_name.sql`, applied in order, recorded in
`schema_version`. Each engine has its own files because the dialects differ (types, booleans);
the numbering is shared so both engines reach the same schema version together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load(engine: str) -> list[Migration]:
    """Every migration of an engine ("sqlite" or "postgres"), lowest version first."""
    folder = resources.files(__package__).joinpath(engine)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"{engine} migrations must be numbered 1..n without gaps: {versions}")
    return found
