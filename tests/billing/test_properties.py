"""Properties that must hold for any input, checked with hypothesis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from billing_core import (
    BillingRules,
    BuildingData,
    CannotEstimate,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingRejected,
    ReadingSource,
    Register,
    RejectionReason,
    Stove,
    ValidationRules,
    check_submission,
    compute_bill,
    parse_value,
    parse_values,
)
from billing_core.readings import canonical_history

from .factories import account, book

D = Decimal
T = TypeVar("T")
NOV = Period(2026, 11)
RULES = BillingRules(normatives={Stove.GAS: tuple(map(D, ("75", "46", "36", "29", "25")))})
kinds = st.sampled_from(list(MeterKind))
kwh = st.integers(min_value=0, max_value=5000)
money = st.decimals(min_value=-100000, max_value=100000, places=2)


@st.composite
def histories(draw: st.DrawFn, kind: MeterKind) -> list[MeterReading]:
    """Up to a year of readings before November, some estimated, some periods missing."""
    registers = kind.registers
    values = {r: D(draw(st.integers(0, 100000))) for r in registers}
    out = []
    for offset in range(-12, 1):
        period = NOV.shift(offset)
        values = {r: v + draw(kwh) for r, v in values.items()}
        present = offset == -12 or draw(st.booleans())
        if not present:
            continue
        source = draw(st.sampled_from([ReadingSource.RESIDENT, ReadingSource.ESTIMATED]))
        if offset == -12:
            source = ReadingSource.RESIDENT
        day = draw(st.integers(15, 26))
        at = datetime(period.year, period.month, day, tzinfo=UTC)
        out.append(MeterReading(period, dict(values), source, at))
    return out


buildings = st.one_of(
    st.none(),
    st.builds(
        BuildingData,
        flat_area_m2=st.decimals(10, 200, places=1),
        total_area_m2=st.decimals(1000, 10000, places=1),
        building_kwh=st.decimals(0, 50000, places=0),
        flats_with_meter_kwh=st.decimals(0, 50000, places=0),
    ),
)


@settings(deadline=None, max_examples=150)
@given(data=st.data(), kind=kinds, balance=money, penalty=money, building=buildings)
def test_total_is_sum_of_lines_and_order_does_not_matter(
    data: st.DataObject,
    kind: MeterKind,
    balance: Decimal,
    penalty: Decimal,
    building: BuildingData | None,
) -> None:
    history = data.draw(histories(kind))
    acc = account(kind, residents=data.draw(st.integers(1, 6)))
    try:
        bill = compute_bill(
            acc, NOV, history, book(), RULES, balance=balance, penalty=penalty, building=building
        )
    except CannotEstimate:
        return
    held = -balance.quantize(D("0.01")) if "overpayment_held" in bill.notes else D(0)
    assert bill.total - bill.credit == sum(line.amount for line in bill.lines) - held
    assert bill.total >= 0
    assert bill.credit >= 0
    assert bill.total == 0 or bill.credit == held
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in bill.lines)
    shuffled = data.draw(st.permutations(history))
    again = compute_bill(
        acc, NOV, shuffled, book(), RULES, balance=balance, penalty=penalty, building=building
    )
    assert again == bill


@settings(deadline=None, max_examples=150)
@given(data=st.data(), kind=kinds)
def test_canonical_history_is_one_reading_per_period_oldest_first_in_any_input_order(
    data: st.DataObject, kind: MeterKind
) -> None:
    history = data.draw(histories(kind))
    # Sometimes a second reading for a period: a correction or an estimate beside the actual.
    extra = data.draw(st.lists(st.sampled_from(history), max_size=3))
    doubled = history + [
        MeterReading(r.period, {k: v + 1 for k, v in r.values.items()}, r.source,
                     r.submitted_at.replace(hour=12))
        for r in extra
    ]  # fmt: skip
    expected = canonical_history(doubled)

    assert [r.period for r in expected] == sorted({r.period for r in doubled})
    for order in (doubled[::-1], data.draw(st.permutations(doubled))):
        assert canonical_history(order) == expected
    if not extra:  # one per period: exactly the input, whatever its order
        assert canonical_history(history[::-1]) == history


@settings(deadline=None)
@given(
    kind=kinds,
    start=st.integers(0, 900000),
    used=st.lists(kwh, min_size=3, max_size=3),
    extra=kwh,
    register_index=st.integers(0, 2),
    estimated_months=st.integers(0, 2),
)
def test_more_consumption_never_costs_less(
    kind: MeterKind,
    start: int,
    used: list[int],
    extra: int,
    register_index: int,
    estimated_months: int,
) -> None:
    registers = kind.registers
    register = registers[register_index % len(registers)]
    base = {r: D(start) for r in registers}
    history = [MeterReading(NOV.shift(-1 - estimated_months), base, ReadingSource.RESIDENT,
                            datetime(2026, 1, 20, tzinfo=UTC))]  # fmt: skip
    for n in range(estimated_months):
        guess = {r: D(start + 100 * (n + 1)) for r in registers}
        at = datetime(2026, 1, 20, tzinfo=UTC)
        period = NOV.shift(-estimated_months + n)
        history.append(MeterReading(period, guess, ReadingSource.ESTIMATED, at))
    now = {r: D(start + u) for r, u in zip(registers, used, strict=False)}
    more = {**now, register: now[register] + extra}

    def total(values: dict[Register, Decimal]) -> Decimal:
        reading = MeterReading(
            NOV, values, ReadingSource.RESIDENT, datetime(2026, 11, 20, tzinfo=UTC)
        )
        return compute_bill(account(kind), NOV, [*history, reading], book(), RULES).total

    assert total(more) >= total(now)


unicode_digits = st.sampled_from("0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩०१२३४५६७८९")
typing_noise = st.sampled_from(" \u00a0\u2009\u202f,.，-+eE'’;/кВтabc\t\n")
typed = st.one_of(
    st.text(),
    st.text(st.one_of(unicode_digits, typing_noise), max_size=20),
    st.from_regex(r"\A\s*\d{1,3}( \d{3})*([.,]\d{1,3})?\s*\Z", fullmatch=True),
)
meters = st.builds(
    Meter,
    serial=st.just("1"),
    kind=kinds,
    digits=st.integers(4, 8),
    decimals=st.integers(0, 2),
)


def attempt(call: Callable[[], T]) -> T | RejectionReason:
    """The call's result, or the reason it was refused; any other exception propagates."""
    try:
        return call()
    except ReadingRejected as refusal:
        return refusal.reason


@settings(deadline=None, max_examples=400)
@given(text=typed, meter=meters)
def test_any_text_is_a_reading_or_a_refusal(text: str, meter: Meter) -> None:
    value = attempt(lambda: parse_value(text, meter))
    if isinstance(value, RejectionReason):
        return
    assert value >= 0
    assert value < D(10) ** meter.digits
    assert -int(value.as_tuple().exponent) <= meter.decimals


@settings(deadline=None, max_examples=300)
@given(text=typed, meter=meters)
def test_any_line_is_readings_or_a_refusal(text: str, meter: Meter) -> None:
    values = attempt(lambda: parse_values(text, meter))
    if isinstance(values, RejectionReason):
        return
    assert set(values) == set(meter.kind.registers)


@settings(deadline=None, max_examples=200)
@given(data=st.data(), kind=kinds, text=typed)
def test_any_submission_is_checked_or_refused(
    data: st.DataObject, kind: MeterKind, text: str
) -> None:
    history = data.draw(histories(kind))
    acc = account(kind)
    values = attempt(lambda: parse_values(text, acc.meter))
    if isinstance(values, RejectionReason):
        return
    checked = attempt(lambda: check_submission(acc, values, history, NOV, ValidationRules()))
    if isinstance(checked, RejectionReason):
        return
    assert all(v >= 0 for v in checked.consumption.values())
