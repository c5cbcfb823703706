"""`meterbot outages import FILE.csv | list [--active] | cancel ID` (docs/operators/commands.md).

Exit codes as `import-accounts`: 0 when every row was taken, 1 when the file was read but some
rows were rejected (the outages they belong to are not taken, the others are), 2 when the file
cannot be read at all (missing, wrong header). A `meterbot run` serving the same database tells
residents within a minute (bot/outages/notices.py); these commands send nothing themselves.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TextIO

from billing_core.outages import OutageStatus
from bot.config import Settings
from bot.imports.files import EXIT_UNREADABLE, FileRefused, exit_code, open_checked
from bot.imports.header import HeaderError
from bot.imports.outages import read_outages
from bot.operator import open_operator_database
from storage.outages import OutageStore, SaveAction, StoredOutage


def _fail(message: str, code: int = EXIT_UNREADABLE) -> int:
    print(f"meterbot: outages: {message}", file=sys.stderr)
    return code


async def outages_command(settings: Settings, args: argparse.Namespace) -> int:
    action = args.outages_command
    if action == "import":
        path = Path(args.file)
        try:
            # The whole file is checked first: a wrong encoding refuses it before a row is taken.
            text, _ = open_checked(path, args.encoding)
        except FileRefused as exc:
            return _fail(f"{path}: {exc}")
        with text:
            storage = await open_operator_database(settings)
            try:
                return await import_outages(
                    storage, text, str(path), settings, sys.stdout,
                    ignore_unknown=args.ignore_unknown_columns,
                )  # fmt: skip
            finally:
                await storage.close()
    storage = await open_operator_database(settings)
    try:
        if action == "list":
            return await list_outages(storage, settings.billing.tz, sys.stdout, active=args.active)
        return await cancel_outage(storage, args.id, settings.billing.tz, sys.stdout)
    finally:
        await storage.close()


async def import_outages(
    store: OutageStore,
    text: TextIO,
    name: str,
    settings: Settings,
    out: TextIO,
    *,
    ignore_unknown: bool = False,
) -> int:
    try:
        found = read_outages(text, settings.billing.tz, ignore_unknown=ignore_unknown)
    except HeaderError as exc:
        return _fail(f"{name}: {exc}")
    except OSError as exc:
        return _fail(f"{name}: cannot read: {exc.strerror or exc}")
    saved = await store.save_outages(found.outages, datetime.now(UTC))
    # Read again now, so the notices match the accounts as they are (bot/outages/notices.py
    # does the same before each notice).
    await store.refresh_buildings()
    counts = {action: 0 for action in (SaveAction.ADDED, SaveAction.UPDATED, SaveAction.CANCELLED)}
    for outcome in saved:
        counts[outcome.action] += 1
    print(
        f"outages: added {counts[SaveAction.ADDED]}, updated {counts[SaveAction.UPDATED]}, "
        f"cancelled {counts[SaveAction.CANCELLED]}, rejected {len(found.rejected)} "
        f"of {found.rows} rows",
        file=out,
    )
    news = [outcome.ref for outcome in saved if outcome.news]
    if news:
        print(f"news for residents already told: {', '.join(news)}", file=out)
    for line, reason in found.rejected:
        print(f"line {line}: {reason}", file=out)
    return exit_code(len(found.rejected))


async def list_outages(store: OutageStore, tz: tzinfo, out: TextIO, *, active: bool) -> int:
    now = datetime.now(UTC)
    outages = await store.list_outages(active_at=now if active else None)
    if not outages:
        print("no active outages" if active else "no outages", file=out)
        return 0
    print("id\tkind\tstarts\tends\tstatus\tbuildings\tchats told\treason", file=out)
    for outage in outages:
        print(_line(outage, tz, now), file=out)
    return 0


async def cancel_outage(store: OutageStore, ref: str, tz: tzinfo, out: TextIO) -> int:
    before = await store.get_outage(ref)
    if before is None:
        return _fail(f"no outage with id {ref!r} (see meterbot outages list)", code=1)
    await store.cancel_outage(ref, datetime.now(UTC))
    if before.status is OutageStatus.CANCELLED:
        print(f"outage {ref} was already cancelled", file=out)
    elif before.told:
        print(f"outage {ref} cancelled; {before.told} chats told of it will hear so", file=out)
    else:
        print(f"outage {ref} cancelled; nobody had been told of it yet", file=out)
    return 0


def _line(outage: StoredOutage, tz: tzinfo, now: datetime) -> str:
    status = outage.status.value
    if outage.status is OutageStatus.ACTIVE and outage.ends <= now:
        status = "over"
    return "\t".join(
        (
            outage.ref, outage.kind.value, _local(outage.starts, tz), _local(outage.ends, tz),
            status, str(outage.buildings), str(outage.told), outage.reason,
        )
    )  # fmt: skip


def _local(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
