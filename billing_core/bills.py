"""The bill for one period: consumption × tariff, estimates, recalculation, balance, penalties.

Rules (docs/domain.md): Rules 354 p.42 (actual readings), p.59 (average for at most
`estimate_max_periods` periods), p.60 (then the normative × residents), p.61 (recalculation
V = (R − R0) − B when readings resume), formulas 12/15 for ОДН, Housing Code art.155 p.14
penalties. Money is Decimal, each line rounded half up to kopecks; the total is the sum of lines.

Estimates are stored as MeterReadings with source ESTIMATED whose values are the cumulative
register values the estimate implies (previous values + estimated volume); `estimated_reading`
builds one. The recalculation reads B back from them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from billing_core.errors import CannotEstimate, MissingBaseReading
from billing_core.models import (
    Account,
    Bill,
    BillBasis,
    BillLine,
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

LINE_NORMATIVE = "normative"
LINE_ODN = "odn"
LINE_BALANCE = "balance"
LINE_PENALTY = "penalty"


def credit_label(register: Register) -> str:
    """The label of a recalculation credit line: 't1_credit'."""
    return f"{register.value}_credit"


class BillNote(enum.StrEnum):
    ESTIMATED_AVERAGE = "estimated_average"  # no reading: billed on the average (p.59)
    ESTIMATED_NORMATIVE = "estimated_normative"  # no reading and no average left (p.60)
    RECALCULATED = "recalculated"  # actual reading after estimates (p.61)
    CREDIT = "credit"  # the estimates exceeded actual use: a credit line
    PROVISIONAL_TARIFF = "provisional_tariff"  # priced with an estimated tariff
    ODN_FLOORED = "odn_floored"  # building data gave negative ОДН: billed as zero, to review
    OVERPAYMENT_HELD = "overpayment_held"  # overpayment kept for a bill on actual readings


@dataclass(frozen=True, slots=True)
class BillingRules:
    """Billing figures from configuration ([billing] section)."""

    due_day: int = 10
    estimate_max_periods: int = 3
    # kWh per person per month by number of residents: 1, 2, 3, 4, 5 or more (Rules 306).
    normatives: Mapping[Stove, Sequence[Decimal]] = field(default_factory=dict, hash=False)
    validation: ValidationRules = field(default_factory=ValidationRules)
    # The supplier counts an overpayment against the next bill only when it is on actual readings.
    overpayment_on_estimates: bool = False


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
    """The volume billed for a period without readings; a NORMATIVE volume sits on T1."""

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
    return Estimate(BillBasis.NORMATIVE, {Register.T1: volume}, in_row)


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

    `balance` is what was owed before this bill (positive: debt, negative: overpayment);
    `penalty` a figure from `penalty()`. Raises TariffNotFound, CannotEstimate,
    MissingBaseReading.
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
        if estimates:
            notes.append(BillNote.RECALCULATED)
        for register in meter.kind.registers:
            start, end = previous.values[register], current.values[register]
            volume = consumption_between(start, end, meter.digits)
            if estimates:
                billed = estimates[-1].values.get(register, start)
                volume -= consumption_between(start, billed, meter.digits)
            rate = tariff.rate(register)
            if volume < 0:
                lines.append(_line(credit_label(register), volume, rate))
                if BillNote.CREDIT not in notes:
                    notes.append(BillNote.CREDIT)
            else:
                lines.append(_line(register.value, volume, rate))
    else:
        guess = estimate(account, period, ordered, rules)
        basis = guess.basis
        if guess.basis is BillBasis.AVERAGE:
            notes.append(BillNote.ESTIMATED_AVERAGE)
            for register in meter.kind.registers:
                lines.append(_line(register.value, guess.volumes[register], tariff.rate(register)))
        else:
            notes.append(BillNote.ESTIMATED_NORMATIVE)
            single = tariffs.for_period(period, account.stove, MeterKind.SINGLE)
            used.append(single)
            volume = guess.volumes[Register.T1]
            lines.append(_line(LINE_NORMATIVE, volume, single.rate(Register.T1)))

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
    if balance < 0 and estimated and not rules.overpayment_on_estimates:
        notes.append(BillNote.OVERPAYMENT_HELD)
    elif balance != 0:
        lines.append(BillLine(LINE_BALANCE, ZERO, ZERO, _kopecks(balance)))
    if penalty > 0:
        lines.append(BillLine(LINE_PENALTY, ZERO, ZERO, _kopecks(penalty)))
    if any(t.provisional for t in used):
        notes.append(BillNote.PROVISIONAL_TARIFF)

    total = sum((line.amount for line in lines), ZERO)
    return Bill(
        account=account.number,
        period=period,
        basis=basis,
        lines=tuple(lines),
        total=total,
        due=due_date(period, rules.due_day),
        notes=tuple(note.value for note in notes),
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
