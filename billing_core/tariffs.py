"""Effective-dated tariff schedules by stove type and meter kind (ДЭПиР orders,
docs/domain.md "Moscow tariffs").

A schedule is in force from its `effective_from` day until the next schedule for the same stove
and kind starts. A bill uses the schedule in force on the first day of its period.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from billing_core.errors import TariffNotFound
from billing_core.models import MeterKind, Period, Register, Stove

__all__ = ["Tariff", "TariffBook", "TariffNotFound"]


@dataclass(frozen=True, slots=True)
class Tariff:
    """Rubles per kWh (VAT included) for each register of one meter kind, from one day on.

    `provisional` marks an estimate rather than the regulator's figure; bills priced with it
    say so.
    """

    effective_from: date
    stove: Stove
    kind: MeterKind
    rates: Mapping[Register, Decimal] = field(hash=False)
    provisional: bool = False

    def __post_init__(self) -> None:
        if set(self.rates) != set(self.kind.registers):
            expected = ", ".join(r.value for r in self.kind.registers)
            raise ValueError(f"{self.kind.config_key} tariff needs exactly the zones {expected}")
        if any(rate <= 0 for rate in self.rates.values()):
            raise ValueError("tariff rates must be positive")
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))

    def rate(self, register: Register) -> Decimal:
        return self.rates[register]


class TariffBook:
    """All schedules, looked up by (date, stove, kind). Immutable once built."""

    def __init__(self, tariffs: Iterable[Tariff]) -> None:
        grouped: dict[tuple[Stove, MeterKind], list[Tariff]] = {}
        for tariff in tariffs:
            grouped.setdefault((tariff.stove, tariff.kind), []).append(tariff)
        for (stove, kind), schedules in grouped.items():
            schedules.sort(key=lambda t: t.effective_from)
            for earlier, later in itertools.pairwise(schedules):
                if earlier.effective_from == later.effective_from:
                    raise ValueError(
                        f"two {stove.value}/{kind.config_key} tariffs start on "
                        f"{later.effective_from.isoformat()}"
                    )
        self._schedules = grouped
        self._starts = {key: [t.effective_from for t in ts] for key, ts in grouped.items()}

    def for_date(self, day: date, stove: Stove, kind: MeterKind) -> Tariff:
        """The schedule in force on `day`; TariffNotFound when none has started yet."""
        tariff = self._in_force(day, stove, kind)
        if tariff is None:
            raise TariffNotFound(
                f"no {stove.value} {kind.config_key} tariff in force on {day.isoformat()}"
            )
        return tariff

    def missing_on(self, day: date) -> list[tuple[Stove, MeterKind]]:
        """Every (stove, meter kind) without a schedule in force on `day`."""
        return [
            (stove, kind)
            for stove in Stove
            for kind in MeterKind
            if self._in_force(day, stove, kind) is None
        ]

    def _in_force(self, day: date, stove: Stove, kind: MeterKind) -> Tariff | None:
        index = bisect.bisect_right(self._starts.get((stove, kind), []), day) - 1
        return self._schedules[(stove, kind)][index] if index >= 0 else None

    def for_period(self, period: Period, stove: Stove, kind: MeterKind) -> Tariff:
        """The schedule in force on the period's first day."""
        return self.for_date(period.first_day(), stove, kind)

    def __iter__(self) -> Iterator[Tariff]:
        for schedules in self._schedules.values():
            yield from schedules

    def __len__(self) -> int:
        return sum(len(schedules) for schedules in self._schedules.values())
