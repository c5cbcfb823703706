"""Every kWh is billed once: over the months billed on an estimate and the month readings resume,
the volume billed equals the volume used — per register and in total — whatever the history,
the meter, the kind of estimate and the tariffs (Rules 354 p.59, p.60, p.61)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing_core import (
    Bill,
    BillBasis,
    BillingRules,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
    Register,
    Stove,
    Tariff,
    TariffBook,
    compute_bill,
    estimated_reading,
    recalc_label,
    split_volume,
)
from billing_core.readings import consumption_between

from .factories import account

D = Decimal
DIGITS = 6
START = Period(2025, 1)
kinds = st.sampled_from(list(MeterKind))
rates = st.decimals(min_value=D("1.00"), max_value=D("15.00"), places=2)


@st.composite
def tariff_books(draw: st.DrawFn, months: int, changes: bool) -> TariffBook:
    """A schedule from the first month and, with `changes`, up to three more later on."""
    starts = [START]
    if changes:
        offsets = draw(st.lists(st.integers(1, months), max_size=3, unique=True))
        starts += [START.shift(n) for n in sorted(offsets)]
    tariffs = []
    for start in starts:
        for kind in MeterKind:
            by_register = {r: draw(rates) for r in kind.registers}
            tariffs.append(Tariff(date(start.year, start.month, 1), Stove.GAS, kind, by_register))
    return TariffBook(tariffs)


def billed_kwh(bill: Bill, register: Register) -> Decimal:
    """The register's volume on a bill: its consumption line and its recalculation line."""
    labels = {register.value, recalc_label(register)}
    return sum((x.quantity_kwh for x in bill.lines if x.label in labels), D(0))


@settings(deadline=None, max_examples=300)
@given(
    data=st.data(),
    kind=kinds,
    actual_months=st.integers(1, 9),
    gap=st.integers(1, 6),
    max_average=st.integers(0, 3),
    normative=st.sampled_from(["50", "75", "120.5"]),
    residents=st.integers(1, 6),
    tariff_changes=st.booleans(),
)
def test_volume_billed_equals_volume_used(
    data: st.DataObject,
    kind: MeterKind,
    actual_months: int,
    gap: int,
    max_average: int,
    normative: str,
    residents: int,
    tariff_changes: bool,
) -> None:
    registers = kind.registers
    modulus = D(10) ** DIGITS
    values = {r: D(data.draw(st.integers(0, 999_999), label=f"start {r}")) for r in registers}
    history: list[MeterReading] = []
    period = START
    for _ in range(actual_months):
        at = datetime(period.year, period.month, 20, tzinfo=UTC)
        history.append(MeterReading(period, dict(values), ReadingSource.RESIDENT, at))
        month = {r: data.draw(st.integers(0, 600), label=f"used {r}") for r in registers}
        values = {r: (values[r] + month[r]) % modulus for r in registers}
        period = period.next()
    last = history[-1]
    acc = account(kind, residents=residents)
    rules = BillingRules(
        estimate_max_periods=max_average,
        normatives={Stove.GAS: (D(normative),) * 5},
    )
    tariffs = data.draw(tariff_books(actual_months + gap + 1, tariff_changes))

    estimated: list[Bill] = []
    for _ in range(gap):  # closing each month without a reading, as `close-period` does
        at = datetime(period.next().year, period.next().month, 1, tzinfo=UTC)
        stored = estimated_reading(acc, period, history, rules, at)
        bill = compute_bill(acc, period, history, tariffs, rules)
        assert bill.basis in (BillBasis.AVERAGE, BillBasis.NORMATIVE)
        estimated.append(bill)
        history.append(stored)
        period = period.next()

    used = {r: D(data.draw(st.integers(0, 3000), label=f"since {r}")) for r in registers}
    resumed = {r: (last.values[r] + used[r]) % modulus for r in registers}
    reading = MeterReading(period, resumed, ReadingSource.RESIDENT,
                           datetime(period.year, period.month, 20, tzinfo=UTC))  # fmt: skip
    final = compute_bill(acc, period, [*history, reading], tariffs, rules)
    assert final.basis is BillBasis.RECALCULATION

    for register in registers:
        consumed = consumption_between(last.values[register], resumed[register], DIGITS)
        billed = sum((billed_kwh(b, register) for b in [*estimated, final]), D(0))
        assert billed == consumed, register
    total_used = sum(used.values(), D(0))
    total_billed = sum(billed_kwh(b, r) for b in [*estimated, final] for r in registers)
    assert total_billed == total_used
    if not tariff_changes:
        # One tariff throughout: the money, too, is the consumption at the zone rates.
        tariff = tariffs.for_period(period, Stove.GAS, kind)
        worth = sum((used[r] * tariff.rate(r) for r in registers), D(0))
        owed = sum((b.total - b.credit for b in [*estimated, final]), D(0))
        # each line is rounded to kopecks: at most half a kopeck per line apart
        lines = sum(len(b.lines) for b in [*estimated, final])
        assert abs(owed - worth) <= D("0.005") * lines


@settings(deadline=None, max_examples=200)
@given(
    kind=kinds,
    volume=st.decimals(min_value=0, max_value=2000, places=1),
    weights=st.lists(st.integers(0, 1000), min_size=3, max_size=3),
    decimals=st.integers(0, 2),
)
def test_a_split_adds_up_to_the_volume(
    kind: MeterKind, volume: Decimal, weights: list[int], decimals: int
) -> None:
    registers = kind.registers
    total = sum(weights[: len(registers)]) or 1
    shares = {r: D(w) / total for r, w in zip(registers, weights, strict=False)}
    if sum(weights[: len(registers)]) == 0:
        shares = {r: D(1) / len(registers) for r in registers}
    parts = split_volume(volume, shares, decimals)
    assert sum(parts.values(), D(0)) == volume
    assert all(p >= 0 for p in parts.values())
    step = D(1).scaleb(min(-decimals, int(volume.as_tuple().exponent)))
    assert all(abs(parts[r] - volume * shares[r]) < step for r in registers)
