"""The bill for one period: consumption × tariff, estimates, recalculation, balance, penalties.

Rules (docs/domain.md): Постановление Правительства РФ № 354 (Rules 354) p.42 (actual
readings), p.59 (average for at most `estimate_max_periods` periods), p.60 (then the normative ×
residents), p.61 (recalculation V = (R − R0) − B when readings resume, an overpayment credited
against future periods), p.38 (zone tariffs priced per zone), formulas 12/15 for ОДН, Housing
Code art.155 p.14 penalties. Money is Decimal, each line rounded half up to kopecks.

Every estimate is a volume per register. The average (p.59) is one per register already; the
normative (p.60) is one volume for the flat, which a zone meter's bill splits across its
registers by the account's own zone shares (`zone_shares`), each part priced at its zone's rate.
Estimates are stored as MeterReadings with source ESTIMATED whose values are the cumulative
register values the estimate implies (previous values + estimated volume); `estimated_reading`
builds one. When readings resume, each register is billed its whole consumption since the last
actual reading (line "t1") and credited the estimated volume already billed (line "t1_recalc"),
both at the current tariff: over the estimated months and that month every kWh is billed once,
per register and in total.

A bill whose lines sum below zero asks nothing (`total` 0) and carries the rest as a credit
(`Bill.credit`) for the next bills, which take it as their `balance`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from billing_core.errors import CannotEstimate, MissingBaseReading
from billing_core.models import (
    Account,
    Bill,
    BillBasis,
    BillLine,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    Readings,
    ReadingSource,
    Register,
    Stove,
)
from billing_core.readings import (
    ACTUAL_SOURCES,
    ValidationRules,
    average_consumption,
    canonical_history,
    consumption_between,
    latest_actual,
)
from billing_core.tariffs import Tariff, TariffBook

KOPECK = Decimal("0.01")
ZERO = Decimal(0)

LINE_NORMATIVE = "normative"  # the one line of a normative bill made by an earlier version
LINE_ODN = "odn"
LINE_BALANCE = "balance"
LINE_PENALTY = "penalty"


RECALC_SUFFIX = "_recalc"
LEGACY_CREDIT_SUFFIX = "_credit"  # a net negative register line of bills made before


def recalc_label(register: Register) -> str:
    """The label of a register's recalculation line: 't1_recalc', minus the estimated volume
    billed in earlier months."""
    return f"{register.value}{RECALC_SUFFIX}"


def credit_label(register: Register) -> str:
    """The label stored bills of an earlier version gave a net negative register: 't1_credit'."""
    return f"{register.value}{LEGACY_CREDIT_SUFFIX}"


def recalc_register(label: str) -> Register | None:
    """The register a recalculation line (or an earlier version's credit line) is about."""
    for suffix in (RECALC_SUFFIX, LEGACY_CREDIT_SUFFIX):
        if label.endswith(suffix):
            try:
                return Register(label.removesuffix(suffix))
            except ValueError:
                return None
    return None


class BillNote(enum.StrEnum):
    ESTIMATED_AVERAGE = "estimated_average"  # no reading: billed on the average (p.59)
    ESTIMATED_NORMATIVE = "estimated_normative"  # no reading and no average left (p.60)
    # why the normative: the average was used for `estimate_max_periods` months in a row …
    NORMATIVE_AFTER_AVERAGE = "normative_after_average"
    NORMATIVE_NO_AVERAGE = "normative_no_average"  # … or too few readings for an average
    RECALCULATED = "recalculated"  # actual reading after estimates (p.61)
    CREDIT = "credit"  # the estimates exceeded actual use: the recalculation favours the resident
    CREDIT_CARRIED = "credit_carried"  # nothing to pay: the rest is carried to later bills
    CREDIT_USED = "credit_used"  # a credit from earlier bills is deducted
    PROVISIONAL_TARIFF = "provisional_tariff"  # priced with an estimated tariff
    ODN_FLOORED = "odn_floored"  # building data gave negative ОДН: billed as zero, to review
    OVERPAYMENT_HELD = "overpayment_held"  # overpayment kept for a bill on actual readings


DEFAULT_ZONE_SHARES: Mapping[MeterKind, Sequence[Decimal]] = {
    MeterKind.TWO_ZONE: (Decimal(16), Decimal(8)),
    MeterKind.THREE_ZONE: (Decimal(7), Decimal(8), Decimal(9)),
}


@dataclass(frozen=True, slots=True)
class BillingRules:
    """Billing figures from configuration ([billing] section)."""

    due_day: int = 10
    estimate_max_periods: int = 3
    # kWh per person per month by number of residents: 1, 2, 3, 4, 5 or more (Rules 306).
    normatives: Mapping[Stove, Sequence[Decimal]] = field(default_factory=dict, hash=False)
    validation: ValidationRules = field(default_factory=ValidationRules)
    # The supplier's rule: an overpayment counts against the next bill only when it is on
    # actual readings.
    overpayment_on_estimates: bool = False
    # A zone meter's share of each register, used to split a volume estimated for the whole
    # flat (the normative) when the account's own readings give no shares. Weights in register
    # order (T1, T2[, T3]); the default is each zone's hours a day in Moscow's tariff tables:
    # day 16 h, night 8 h; peak 7 h, night 8 h, half-peak 9 h.
    zone_shares: Mapping[MeterKind, Sequence[Decimal]] = field(
        default_factory=lambda: dict(DEFAULT_ZONE_SHARES), hash=False
    )


@dataclass(frozen=True, slots=True)
class BuildingData:
    """Data for the ОДН line (Rules 354 p.44). Give `building_kwh` for formula 12 (a common
    meter), or `odn_normative_kwh_per_m2` and `common_area_m2` for formula 15 (none).
    `rate` is rubles per kWh; None uses the single-rate T1 tariff of the period."""

    flat_area_m2: Decimal
    total_area_m2: Decimal
    building_kwh: Decimal | None = None
    nonresidential_kwh: Decimal = ZERO
    flats_without_meter_kwh: Decimal = ZERO
    flats_with_meter_kwh: Decimal = ZERO
    heating_kwh: Decimal = ZERO  # V_crs: energy used to produce heating or hot water
    odn_normative_kwh_per_m2: Decimal | None = None
    common_area_m2: Decimal | None = None
    rate: Decimal | None = None


def odn_volume(building: BuildingData) -> Decimal:
    """The flat's ОДН kWh by formula 12 or 15, unrounded and possibly negative (formula 12)."""
    if building.total_area_m2 <= 0:
        raise ValueError("total area must be positive")
    share = building.flat_area_m2 / building.total_area_m2
    if building.building_kwh is not None:
        common = (
            building.building_kwh
            - building.nonresidential_kwh
            - building.flats_without_meter_kwh
            - building.flats_with_meter_kwh
            - building.heating_kwh
        )
        return common * share
    if building.odn_normative_kwh_per_m2 is None or building.common_area_m2 is None:
        raise ValueError("ОДН needs building_kwh, or the ОДН normative and the common area")
    return building.odn_normative_kwh_per_m2 * building.common_area_m2 * share


@dataclass(frozen=True, slots=True)
class Estimate:
    """The volume billed for a period without readings, per register (a NORMATIVE volume split
    by `zone_shares`)."""

    basis: BillBasis
    volumes: Readings = field(hash=False)
    periods_in_row: int


def estimate(
    account: Account, period: Period, history: Iterable[MeterReading], rules: BillingRules
) -> Estimate:
    """Average (p.59) for the first `estimate_max_periods` periods in a row, then the normative
    × residents (p.60); CannotEstimate when neither is available."""
    meter = account.meter
    ordered = canonical_history(history)
    last = latest_actual(ordered, before=period)
    in_row = period.months_since(last.period) if last else 1
    if in_row <= rules.estimate_max_periods:
        average = average_consumption(ordered, period, meter, rules.validation)
        if average is not None:
            quantum = Decimal(1).scaleb(-meter.decimals)
            volumes = {r: v.quantize(quantum, ROUND_HALF_UP) for r, v in average.items()}
            return Estimate(BillBasis.AVERAGE, volumes, in_row)
    per_person = rules.normatives.get(account.stove)
    if not per_person:
        raise CannotEstimate(
            f"no reading for {period}, no average of at least "
            f"{rules.validation.average_min_months} months"
            + (" in use" if in_row > rules.estimate_max_periods else "")
            + f" and no normative configured for {account.stove.value} stoves"
        )
    if not account.residents:
        raise CannotEstimate(f"no reading for {period} and the number of residents is unknown")
    index = min(account.residents, len(per_person)) - 1
    volume = per_person[index] * account.residents
    shares = zone_shares(ordered, period, meter, rules)
    return Estimate(BillBasis.NORMATIVE, split_volume(volume, shares, meter.decimals), in_row)


def zone_shares(
    history: Iterable[MeterReading], before: Period, meter: Meter, rules: BillingRules
) -> dict[Register, Decimal]:
    """Each register's share of the account's own consumption, fractions summing to 1.

    Measured over the actual readings before `before` that the p.59 average would span (the
    latest one and the most recent at least `average_months` earlier), or over all of them when
    fewer months are known: one month of readings is enough for shares, unlike for an average.
    With fewer than two actual readings, or nothing used over them, the rules' default shares.
    """
    registers = meter.kind.registers
    if len(registers) == 1:
        return {registers[0]: Decimal(1)}
    actual = [
        r for r in canonical_history(history) if r.source in ACTUAL_SOURCES and r.period < before
    ]
    if len(actual) >= 2:
        end = actual[-1]
        months = rules.validation.average_months
        full = [r for r in actual if end.period.months_since(r.period) >= months]
        start = full[-1] if full else actual[0]
        if all(r in start.values and r in end.values for r in registers):
            used = {
                r: consumption_between(start.values[r], end.values[r], meter.digits)
                for r in registers
            }
            total = sum(used.values(), ZERO)
            if total > 0:
                return {r: used[r] / total for r in registers}
    weights = tuple(rules.zone_shares.get(meter.kind, ())) or (Decimal(1),) * len(registers)
    if len(weights) != len(registers) or sum(weights, ZERO) <= 0:
        weights = (Decimal(1),) * len(registers)
    total = sum(weights, ZERO)
    return {r: w / total for r, w in zip(registers, weights, strict=True)}


def split_volume(volume: Decimal, shares: Mapping[Register, Decimal], decimals: int) -> Readings:
    """`volume` in parts proportional to `shares`, each a multiple of the meter's smallest step
    (or of the volume's own, when finer), and adding up to exactly `volume`: the largest
    remainders get the steps that rounding down left over."""
    exponent = volume.as_tuple().exponent
    finest = exponent if isinstance(exponent, int) else 0
    quantum = Decimal(1).scaleb(min(-decimals, finest))
    registers = list(shares)
    raw = {r: volume * shares[r] for r in registers}
    parts = {r: (raw[r] / quantum).to_integral_value(ROUND_FLOOR) * quantum for r in registers}
    steps = int((volume - sum(parts.values(), ZERO)) / quantum)
    by_remainder = sorted(registers, key=lambda r: (parts[r] - raw[r], registers.index(r)))
    for register in by_remainder[: max(0, min(steps, len(registers)))]:
        parts[register] += quantum
    return parts


def estimated_reading(
    account: Account,
    period: Period,
    history: Iterable[MeterReading],
    rules: BillingRules,
    submitted_at: datetime,
) -> MeterReading:
    """The ESTIMATED reading to store for a period without readings: previous values + volume.

    Raises CannotEstimate, or MissingBaseReading when there is no earlier reading at all.
    """
    ordered = canonical_history(history)
    earlier = [r for r in ordered if r.period < period]
    if not earlier:
        raise MissingBaseReading(f"no reading before {period} to add the estimate to")
    base = earlier[-1].values
    meter = account.meter
    volumes = estimate(account, period, ordered, rules).volumes
    modulus = Decimal(10) ** meter.digits
    values = {
        r: (base.get(r, ZERO) + volumes.get(r, ZERO)) % modulus for r in meter.kind.registers
    }
    return MeterReading(period, values, ReadingSource.ESTIMATED, submitted_at)


def compute_bill(
    account: Account,
    period: Period,
    history: Iterable[MeterReading],
    tariffs: TariffBook,
    rules: BillingRules,
    *,
    balance: Decimal = ZERO,
    penalty: Decimal = ZERO,
    building: BuildingData | None = None,
) -> Bill:
    """The bill for `period`, from the reading history in any order.

    `balance` is the account's money position before this bill (positive: a debt, negative: a
    credit, e.g. the `credit` an earlier bill carried); `penalty` a figure from `penalty()`.
    When the lines sum below zero the bill asks nothing and carries the rest as its `credit`; a
    credit held back from a bill on estimates (`overpayment_on_estimates`) is carried whole.
    So `total - credit` is the sum of the lines, less a held credit. Raises TariffNotFound,
    CannotEstimate, MissingBaseReading.
    """
    meter = account.meter
    ordered = canonical_history(history)
    tariff = tariffs.for_period(period, account.stove, meter.kind)
    used: list[Tariff] = [tariff]
    notes: list[BillNote] = []
    lines: list[BillLine] = []

    current = next((r for r in ordered if r.period == period and r.source in ACTUAL_SOURCES), None)
    if current is not None:
        previous = latest_actual(ordered, before=period)
        if previous is None:
            raise MissingBaseReading(f"no actual reading before {period} to measure from")
        estimates = [
            r
            for r in ordered
            if r.source is ReadingSource.ESTIMATED and previous.period < r.period < period
        ]
        basis = BillBasis.RECALCULATION if estimates else BillBasis.ACTUAL
        recalculated: list[BillLine] = []
        for register in meter.kind.registers:
            start, end = previous.values[register], current.values[register]
            rate = tariff.rate(register)
            whole = consumption_between(start, end, meter.digits)
            lines.append(_line(register.value, whole, rate))
            if estimates:
                # Rules 354 p.61: what the estimates billed is taken back at this period's
                # tariff, as the whole consumption since the last reading is billed at it.
                reached = estimates[-1].values.get(register, start)
                billed = consumption_between(start, reached, meter.digits)
                if billed:
                    recalculated.append(_line(recalc_label(register), -billed, rate))
        if estimates:
            notes.append(BillNote.RECALCULATED)
            lines.extend(recalculated)
            if sum((line.amount for line in lines), ZERO) < 0:
                notes.append(BillNote.CREDIT)
    else:
        guess = estimate(account, period, ordered, rules)
        basis = guess.basis
        if guess.basis is BillBasis.AVERAGE:
            notes.append(BillNote.ESTIMATED_AVERAGE)
        else:
            notes.append(BillNote.ESTIMATED_NORMATIVE)
            used_up = guess.periods_in_row > rules.estimate_max_periods
            notes.append(
                BillNote.NORMATIVE_AFTER_AVERAGE if used_up else BillNote.NORMATIVE_NO_AVERAGE
            )
        for register in meter.kind.registers:
            lines.append(_line(register.value, guess.volumes[register], tariff.rate(register)))

    if building is not None:
        volume = odn_volume(building)
        if volume < 0:
            volume = ZERO
            notes.append(BillNote.ODN_FLOORED)
        if building.rate is not None:
            lines.append(_line(LINE_ODN, volume, building.rate))
        else:
            single = tariffs.for_period(period, account.stove, MeterKind.SINGLE)
            used.append(single)
            lines.append(_line(LINE_ODN, volume, single.rate(Register.T1)))

    estimated = basis in (BillBasis.AVERAGE, BillBasis.NORMATIVE)
    held = ZERO
    if balance < 0 and estimated and not rules.overpayment_on_estimates:
        held = -_kopecks(balance)
        notes.append(BillNote.OVERPAYMENT_HELD)
    elif balance != 0:
        lines.append(BillLine(LINE_BALANCE, ZERO, ZERO, _kopecks(balance)))
        if balance < 0:
            notes.append(BillNote.CREDIT_USED)
    if penalty > 0:
        lines.append(BillLine(LINE_PENALTY, ZERO, ZERO, _kopecks(penalty)))
    if any(t.provisional for t in used):
        notes.append(BillNote.PROVISIONAL_TARIFF)

    charges = sum((line.amount for line in lines), ZERO)
    credit = held + max(-charges, ZERO)
    if charges < 0:
        notes.append(BillNote.CREDIT_CARRIED)
    return Bill(
        account=account.number,
        period=period,
        basis=basis,
        lines=tuple(lines),
        total=max(charges, ZERO),
        due=due_date(period, rules.due_day),
        notes=tuple(note.value for note in notes),
        credit=credit,
    )


def due_date(period: Period, due_day: int) -> date:
    """The day the bill for `period` must be paid by: `due_day` of the next month."""
    following = period.next()
    return date(following.year, following.month, due_day)


def penalty(
    debt: Decimal,
    due: date,
    paid_on: date,
    key_rate: Decimal,
    *,
    grace_days: int = 30,
    first_band_until: int = 90,
    first_divisor: int = 300,
    second_divisor: int = 130,
) -> Decimal:
    """Late-payment penalty (пени), Housing Code art.155 p.14, rounded to kopecks.

    Days 1–30 after `due` cost nothing, days 31–90 cost 1/300 of `key_rate` per day, day 91 on
    1/130 — all on the unpaid `debt`. 1,000 ₽ paid 100 days late at 9.5 % → 26.31 ₽.
    """
    late = (paid_on - due).days
    if debt <= 0 or late <= grace_days:
        return ZERO.quantize(KOPECK)
    first_days = min(late, first_band_until) - grace_days
    second_days = max(late - first_band_until, 0)
    amount = debt * key_rate * (Decimal(first_days) / first_divisor)
    amount += debt * key_rate * (Decimal(second_days) / second_divisor)
    return _kopecks(amount)


def _line(label: str, volume: Decimal, rate: Decimal) -> BillLine:
    return BillLine(label, volume, rate, _kopecks(volume * rate))


def _kopecks(amount: Decimal) -> Decimal:
    return amount.quantize(KOPECK, rounding=ROUND_HALF_UP)
