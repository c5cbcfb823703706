"""How the sqlite3 module binds None, set for the whole process on import."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import cast

# The sqlite3 module looks every None it binds up in its adapter registry and then probes it
# for `__adapt__` and `__conform__` before binding NULL; an adapter registered for NoneType
# (returning None, a C call) ends that search at the first look. Binding None cost 3 times
# what binding a string does; an import batch binds about four per row: 13 % of its
# instructions (callgrind). The registry is the module's, for the whole process, and NULL is
# still what is bound.
_null: Callable[[None], None] = cast(Callable[[None], None], {}.get)  # {}.get(None) is None
sqlite3.register_adapter(type(None), _null)
