"""`meterbot import-balances FILE.csv` (docs/operators/commands.md): the supplier's balances and
last payments, written through the one money position (`Storage.record_balances`; see
docs/architecture/decisions/0004-one-money-position.md).

Exit codes as `import-accounts`: 0 when every row was taken (a row older than the stored balance
of its account counts as taken: it is skipped on purpose), 1 when the file was read but some rows
were rejected (the others are applied), 2 when the file cannot be read at all. The file is read
whole before a row is written, so a file that turns out broken halfway changes nothing; its good
rows are then written in one transaction, by set. Like the other operator commands it names the
database it used and refuses one that does not exist yet (`bot.operator.open_operator_database`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.imports.balances import read_balances
from bot.imports.files import EXIT_UNREADABLE, FileRefused, exit_code, open_checked
from bot.imports.header import HeaderError
from bot.operator import open_operator_database
from storage.base import ImportedBalance, OperatorStore


def _fail(message: str) -> int:
    print(f"meterbot: import-balances: {message}", file=sys.stderr)
    return EXIT_UNREADABLE


async def import_balances_command(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        # The whole file is checked first: a wrong encoding refuses it before a row is taken.
        text, _ = open_checked(path, args.encoding)
    except FileRefused as exc:
        return _fail(f"{path}: {exc}")
    with text:
        storage = await open_operator_database(settings)
        try:
            return await import_balances(
                storage, text, str(path), sys.stdout, ignore_unknown=args.ignore_unknown_columns
            )
        finally:
            await storage.close()


async def import_balances(
    storage: OperatorStore, text: TextIO, name: str, out: TextIO, *, ignore_unknown: bool = False
) -> int:
    """Read the whole file, write its good rows, print the summary and every rejected row."""
    good: list[tuple[int, ImportedBalance]] = []
    rejected: list[tuple[int, str]] = []
    rows = 0
    try:
        for line, row in read_balances(text, ignore_unknown=ignore_unknown):
            rows += 1
            if isinstance(row, ImportedBalance):
                good.append((line, row))
            else:
                rejected.append((line, "; ".join(row)))
    except HeaderError as exc:
        return _fail(f"{name}: {exc}; nothing was imported")
    except OSError as exc:
        return _fail(f"{name}: cannot read: {exc.strerror or exc}")
    counts = await storage.record_balances([balance for _, balance in good])
    rejected.extend(
        (good[at][0], f"account {good[at][1].account} is not in the accounts")
        for at in counts.unknown
    )
    rejected.sort()
    print(
        f"balances: taken {counts.taken}, older than the stored one {counts.older}, "
        f"rejected {len(rejected)} of {rows} rows",
        file=out,
    )
    for line, reason in rejected:
        print(f"line {line}: {reason}", file=out)
    return exit_code(len(rejected))
