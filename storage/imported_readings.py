"""Readings the accounts CSV brings over the bot's own estimates, the same on every engine.

An imported reading (`last_period`, `last_t1`…) is the supplier's billing system's, which has
billed it with its own recalculation of the months it estimated: the bot must never charge for
those months again. Where the bot had estimated the imported reading's very month, the import
takes that estimate's place (and the month's estimated bill stops being current). The bot's
estimates of later months keep the volume they billed but were built on the replaced estimate:
their cumulative values move by the difference, so that the next recalculation (Rules 354 p.61)
takes back exactly what they billed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Values = tuple[Decimal | None, Decimal | None, Decimal | None]


@dataclass(frozen=True, slots=True)
class StoredEstimate:
    """A current ESTIMATED reading of an account being imported."""

    id: int
    account: str
    period: str  # YYYY-MM
    values: Values
    digits: int


@dataclass(slots=True)
class Settlement:
    """What to write before the imported readings go in."""

    retire_readings: list[int] = field(default_factory=list)
    retire_bills: list[tuple[str, str]] = field(default_factory=list)  # (account, period)
    rebase: list[tuple[int, Values]] = field(default_factory=list)  # (reading id, new values)


def settle(
    imported: Iterable[tuple[str, str, Values]], estimates: Sequence[StoredEstimate]
) -> Settlement:
    """The estimates each imported (account, period, values) replaces or moves."""
    latest = {account: (period, values) for account, period, values in imported}
    by_account: dict[str, list[StoredEstimate]] = {}
    for stored in estimates:
        by_account.setdefault(stored.account, []).append(stored)
    done = Settlement()
    for account, own in by_account.items():
        if account not in latest:
            continue
        period, values = latest[account]
        replaced = next((e for e in own if e.period == period), None)
        if replaced is None:
            continue
        done.retire_readings.append(replaced.id)
        done.retire_bills.append((account, period))
        modulus = Decimal(10) ** replaced.digits
        shift = tuple(
            None if new is None or old is None else Decimal(new) - old
            for new, old in zip(values, replaced.values, strict=True)
        )
        for later in sorted((e for e in own if e.period > period), key=lambda e: e.period):
            moved = tuple(
                value if value is None or by is None else (value + by) % modulus
                for value, by in zip(later.values, shift, strict=True)
            )
            done.rebase.append((later.id, (moved[0], moved[1], moved[2])))
    return done


def as_values(t1: object, t2: object, t3: object) -> Values:
    """Columns t1..t3 (TEXT in SQLite, NUMERIC in PostgreSQL) as Decimals or None."""
    return (
        None if t1 is None else Decimal(str(t1)),
        None if t2 is None else Decimal(str(t2)),
        None if t3 is None else Decimal(str(t3)),
    )
