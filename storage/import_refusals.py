"""Rows of an account import that the database refuses, whichever engine holds it.

The file's own checks (`bot.imports.accounts`) see one file; these see what is stored: a meter
serial already active on another account (whose status is not closed), and a last reading
below the current reading stored for the same meter at its period or before (the bot's
estimates aside: an imported reading takes their place). Each engine finds them for a whole
batch with one statement per rule; the reasons are worded here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

# Reasons by position in the batch: several rules may refuse one row.
Refusals = dict[int, list[str]]


def holders_elsewhere(
    found: Iterable[Sequence[Any]], batch_numbers: Iterable[str]
) -> list[Sequence[Any]]:
    """Of (position, serial, holder) rows, those whose holder the batch does not name: a row
    of the batch for the holding account gives it another meter (or closes it), or the file
    already refused the second of two rows with one serial."""
    numbers = set(batch_numbers)
    return [row for row in found if row[2] not in numbers]


def serial_held(refusals: Refusals, position: int, serial: str, holder: str) -> None:
    refusals.setdefault(position, []).append(
        f"meter_serial {serial} is already active on account {holder} in the database; "
        "a meter is active on one account at a time"
    )


def reading_below(
    refusals: Refusals,
    position: int,
    period: str,
    imported: Iterable[Decimal | str | None],
    stored: Iterable[Decimal | str | None],
) -> None:
    """Records the reason when some register of `imported` is below the `stored` reading of
    `period` (an engine's filter may let a row through that is not)."""
    below = [
        f"last_t{n} {mine} is below {theirs}"
        for n, (mine, theirs) in enumerate(zip(imported, stored, strict=True), start=1)
        if mine is not None and theirs is not None and Decimal(mine) < Decimal(theirs)
    ]
    if below:
        refusals.setdefault(position, []).append(
            f"{', '.join(below)}, the reading stored for {period}; a meter's reading never "
            "goes down"
        )


def as_list(refusals: Refusals) -> tuple[tuple[int, str], ...]:
    """(position, every reason `; `-joined), by position: as `UpsertCounts.rejected` holds them."""
    return tuple((position, "; ".join(reasons)) for position, reasons in sorted(refusals.items()))
