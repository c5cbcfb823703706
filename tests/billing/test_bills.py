from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing_core import (
    LINE_BALANCE,
    LINE_ODN,
    LINE_PENALTY,
    BillBasis,
    BillingRules,
    BillNote,
    BuildingData,
    CannotEstimate,
    MeterKind,
    MeterReading,
    MissingBaseReading,
    Period,
    ReadingSource,
    Register,
    Stove,
    Tariff,
    TariffBook,
    TariffNotFound,
    compute_bill,
    due_date,
    estimate,
    estimated_reading,
    odn_volume,
    penalty,
)

from .factories import account, book, monthly, reading

D = Decimal
NOV = Period(2026, 11)
RULES = BillingRules()
NORMATIVES = BillingRules(normatives={Stove.GAS: tuple(map(D, ("75", "46", "36", "29", "25")))})
EST = ReadingSource.ESTIMATED


def lines(bill: object) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(x.label, x.quantity_kwh, x.rate, x.amount) for x in bill.lines]  # type: ignore[attr-defined]


def test_conversations_example_two_zone_electric() -> None:
    acc = account(MeterKind.TWO_ZONE, stove=Stove.ELECTRIC)
    history = [reading("2026-10", 45000, 21000), reading("2026-11", 45230, 21100)]
    bill = compute_bill(acc, NOV, history, book(provisional=True), RULES)
    assert lines(bill) == [
        ("t1", D(230), D("8.74"), D("2010.20")),
        ("t2", D(100), D("3.77"), D("377.00")),
    ]
    assert bill.total == D("2387.20")
    assert bill.due == date(2026, 12, 10)
    assert bill.basis is BillBasis.ACTUAL
    assert bill.account == "1234567890"
    assert bill.notes == (BillNote.PROVISIONAL_TARIFF,)


@pytest.mark.parametrize(
    ("kind", "period", "prev", "now", "expected_lines", "total"),
    [
        pytest.param(MeterKind.SINGLE, "2026-11", (45000,), (45230,),
                     [("t1", "230", "8.00", "1840.00")], "1840.00", id="single-2026"),
        pytest.param(MeterKind.SINGLE, "2025-12", (45000,), (45230,),
                     [("t1", "230", "7.87", "1810.10")], "1810.10", id="schedule-of-the-period"),
        pytest.param(MeterKind.THREE_ZONE, "2026-11", (100, 200, 300), (150, 230, 310),
                     [("t1", "50", "11.43", "571.50"), ("t2", "30", "4.15", "124.50"),
                      ("t3", "10", "8.00", "80.00")], "776.00", id="three-zone"),
        pytest.param(MeterKind.SINGLE, "2026-11", (999950,), (50,),
                     [("t1", "100", "8.00", "800.00")], "800.00", id="confirmed-rollover"),
        pytest.param(MeterKind.SINGLE, "2026-11", (45000,), (45000,),
                     [("t1", "0", "8.00", "0.00")], "0.00", id="zero-consumption"),
    ],
)  # fmt: skip
def test_actual_bill(
    kind: MeterKind,
    period: str,
    prev: tuple[int, ...],
    now: tuple[int, ...],
    expected_lines: list[tuple[str, str, str, str]],
    total: str,
) -> None:
    this = Period.parse(period)
    history = [reading(str(this.prev()), *prev), reading(period, *now)]
    bill = compute_bill(account(kind), this, history, book(), RULES)
    assert lines(bill) == [(a, D(b), D(c), D(d)) for a, b, c, d in expected_lines]
    assert bill.total == D(total)
    assert bill.notes == ()


def test_kopecks_rounded_half_up() -> None:
    tariffs = TariffBook([Tariff(date(2026, 1, 1), Stove.GAS, MeterKind.SINGLE,
                                 {Register.T1: D("8.01")})])  # fmt: skip
    history = [reading("2026-10", "100.0"), reading("2026-11", "100.5")]
    bill = compute_bill(account(decimals=1), NOV, history, tariffs, RULES)
    assert bill.lines[0].amount == D("4.01")  # 4.005: half-even would give 4.00


@pytest.mark.parametrize(
    ("period", "due_day", "due"),
    [
        pytest.param(Period(2026, 11), 10, date(2026, 12, 10), id="november"),
        pytest.param(Period(2026, 12), 10, date(2027, 1, 10), id="december-to-next-year"),
        pytest.param(Period(2026, 1), 28, date(2026, 2, 28), id="configured-day"),
    ],
)
def test_due_date(period: Period, due_day: int, due: date) -> None:
    assert due_date(period, due_day) == due


# -- estimates (p.59, p.60) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "volume"),
    [
        pytest.param(monthly("2025-11", 12, 310), "310", id="six-months-or-more"),
        pytest.param(monthly("2026-06", 5, 200), "200", id="four-months-only"),
        pytest.param([reading("2026-04", 1000), reading("2026-10", 1100)], "17",
                     id="rounded-to-meter-precision"),
    ],
)  # fmt: skip
def test_estimated_on_average(history: list[MeterReading], volume: str) -> None:
    bill = compute_bill(account(), NOV, history, book(), RULES)
    assert bill.basis is BillBasis.AVERAGE
    assert bill.notes == (BillNote.ESTIMATED_AVERAGE,)
    assert lines(bill) == [("t1", D(volume), D("8.00"), D(volume) * D("8.00"))]


def test_average_per_zone() -> None:
    history = monthly("2026-03", 8, (120, 60), first=1000)
    bill = compute_bill(account(MeterKind.TWO_ZONE), NOV, history, book(), RULES)
    assert [(x.label, x.quantity_kwh) for x in bill.lines] == [("t1", D(120)), ("t2", D(60))]


@pytest.mark.parametrize(
    ("last_actual", "basis"),
    [
        pytest.param("2026-10", BillBasis.AVERAGE, id="first-missed"),
        pytest.param("2026-08", BillBasis.AVERAGE, id="third-in-a-row"),
        pytest.param("2026-07", BillBasis.NORMATIVE, id="fourth-goes-to-normative"),
    ],
)
def test_average_for_at_most_estimate_max_periods(last_actual: str, basis: BillBasis) -> None:
    end = Period.parse(last_actual)
    history = monthly(str(end.shift(-7)), 8, 100)
    acc = account(residents=2)
    bill = compute_bill(acc, NOV, history, book(), NORMATIVES)
    assert bill.basis is basis
    # the true reason of a normative: the average's months are used up, not a short history
    assert (BillNote.NORMATIVE_AFTER_AVERAGE in bill.notes) is (basis is BillBasis.NORMATIVE)
    assert BillNote.NORMATIVE_NO_AVERAGE not in bill.notes


def test_estimate_max_periods_comes_from_rules() -> None:
    history = monthly("2026-01", 7, 100)  # last actual July: November is the 4th in a row
    rules = BillingRules(estimate_max_periods=6)
    assert compute_bill(account(), NOV, history, book(), rules).basis is BillBasis.AVERAGE


@pytest.mark.parametrize(
    ("residents", "volume"),
    [
        pytest.param(1, "75", id="one"),
        pytest.param(3, "108", id="three"),
        pytest.param(5, "125", id="five"),
        pytest.param(7, "175", id="seven-uses-five-plus-column"),
    ],
)
def test_normative_times_residents(residents: int, volume: str) -> None:
    bill = compute_bill(account(residents=residents), NOV, [], book(), NORMATIVES)
    assert bill.basis is BillBasis.NORMATIVE
    assert bill.notes == (BillNote.ESTIMATED_NORMATIVE, BillNote.NORMATIVE_NO_AVERAGE)
    assert lines(bill) == [("t1", D(volume), D("8.00"), D(volume) * 8)]


@pytest.mark.parametrize(
    ("residents", "t1", "t2", "amount"),
    [
        # no readings: the zones' hours, 16 day and 8 night. 75 × 16/24 = 50, 75 × 8/24 = 25;
        # 50 × 9.61 + 25 × 4.15 = 480.50 + 103.75
        pytest.param(1, "50", "25", "584.25", id="one"),
        # 175 × 16/24 = 116.67 → 116 + the left-over kWh (largest remainder); 175 × 8/24 = 58.33
        # 117 × 9.61 + 58 × 4.15 = 1124.37 + 240.70
        pytest.param(7, "117", "58", "1365.07", id="remainder-to-the-larger-fraction"),
    ],
)
def test_normative_on_a_zone_meter_split_by_zone_hours(
    residents: int, t1: str, t2: str, amount: str
) -> None:
    bill = compute_bill(account(MeterKind.TWO_ZONE, residents=residents), NOV, [], book(),
                        NORMATIVES)  # fmt: skip
    assert [(x.label, x.quantity_kwh) for x in bill.lines] == [("t1", D(t1)), ("t2", D(t2))]
    assert bill.total == D(amount)


def test_normative_split_by_the_accounts_own_zone_shares() -> None:
    # One month of readings: 100 day, 50 night — too short for an average, enough for shares.
    history = [reading("2026-08", 1000, 500), reading("2026-09", 1100, 550)]
    acc = account(MeterKind.TWO_ZONE, residents=2)  # 2 × 46 = 92 kWh
    bill = compute_bill(acc, NOV, history, book(), NORMATIVES)
    # 92 × 2/3 = 61.33 → 61, 92 × 1/3 = 30.67 → 31 (the larger remainder takes the left-over kWh)
    assert lines(bill) == [
        ("t1", D(61), D("9.61"), D("586.21")),
        ("t2", D(31), D("4.15"), D("128.65")),
    ]
    three = compute_bill(account(MeterKind.THREE_ZONE, residents=1), NOV, [], book(), NORMATIVES)
    # 75 kWh by the hours 7 peak, 8 night, 9 half-peak: 21.875, 25, 28.125 → 22, 25, 28
    assert [x.quantity_kwh for x in three.lines] == [D(22), D(25), D(28)]


def test_short_history_goes_to_normative() -> None:
    history = monthly("2026-08", 3, 100)  # spans two months: too short for an average
    bill = compute_bill(account(residents=1), NOV, history, book(), NORMATIVES)
    assert bill.basis is BillBasis.NORMATIVE
    assert BillNote.NORMATIVE_NO_AVERAGE in bill.notes


@pytest.mark.parametrize(
    ("acc", "rules", "message"),
    [
        pytest.param(account(residents=2), RULES, "no normative configured for gas",
                     id="no-normative"),
        pytest.param(account(), NORMATIVES, "number of residents is unknown", id="no-residents"),
        pytest.param(account(stove=Stove.ELECTRIC, residents=2), NORMATIVES,
                     "no normative configured for electric", id="normative-for-other-stove"),
    ],
)  # fmt: skip
def test_cannot_estimate(acc: object, rules: BillingRules, message: str) -> None:
    with pytest.raises(CannotEstimate, match=message):
        compute_bill(acc, NOV, [], book(), rules)  # type: ignore[arg-type]


def test_estimated_reading_is_cumulative() -> None:
    history = monthly("2026-03", 8, 100, first=999000)  # 999 700 in October
    stored = estimated_reading(account(), NOV, history, RULES, datetime(2026, 12, 1, tzinfo=UTC))
    assert stored.source is EST
    assert stored.period == NOV
    assert stored.values == {Register.T1: D(999800)}
    after = estimated_reading(account(), NOV.next(), [*history, stored], RULES,
                              datetime(2027, 1, 1, tzinfo=UTC))  # fmt: skip
    assert after.values == {Register.T1: D(999900)}


def test_estimated_reading_needs_a_base() -> None:
    with pytest.raises(MissingBaseReading):
        estimated_reading(
            account(residents=1), NOV, [], NORMATIVES, datetime(2026, 12, 1, tzinfo=UTC)
        )


def test_estimate_reports_periods_in_row() -> None:
    guess = estimate(account(), NOV, monthly("2026-01", 9, 100), RULES)
    assert (guess.basis, guess.periods_in_row) == (BillBasis.AVERAGE, 2)


# -- recalculation (p.61) ---------------------------------------------------------------------

ESTIMATED_MONTHS = [
    reading("2026-07", 1000),
    reading("2026-08", 1100, source=EST),
    reading("2026-09", 1200, source=EST),
    reading("2026-10", 1300, source=EST),
]


@pytest.mark.parametrize(
    ("actual", "used", "total", "credit"),
    [
        # 300 kWh estimated in August–October (1000 → 1300) are taken back: −300 × 8.00 = −2400
        pytest.param(1350, "350", "400.00", "0", id="used-more-than-estimated"),
        pytest.param(1300, "300", "0.00", "0", id="exactly-as-estimated"),
        pytest.param(1250, "250", "0", "400.00", id="credit-carried"),
        pytest.param(1299, "299", "0", "8.00", id="one-kwh-credit"),
    ],
)
def test_recalculation(actual: int, used: str, total: str, credit: str) -> None:
    history = [*ESTIMATED_MONTHS, reading("2026-11", actual)]
    bill = compute_bill(account(), NOV, history, book(), RULES)
    assert bill.basis is BillBasis.RECALCULATION
    assert lines(bill) == [
        ("t1", D(used), D("8.00"), D(used) * 8),
        ("t1_recalc", D(-300), D("8.00"), D("-2400.00")),
    ]
    assert (bill.total, bill.credit) == (D(total), D(credit))
    assert BillNote.RECALCULATED in bill.notes
    assert (BillNote.CREDIT in bill.notes) is (actual < 1300)
    assert (BillNote.CREDIT_CARRIED in bill.notes) is (actual < 1300)


def test_recalculation_per_zone() -> None:
    history = [
        reading("2026-09", 1000, 500),
        reading("2026-10", 1200, 600, source=EST),
        reading("2026-11", 1150, 700),
    ]
    bill = compute_bill(account(MeterKind.TWO_ZONE), NOV, history, book(), RULES)
    assert lines(bill) == [
        ("t1", D(150), D("9.61"), D("1441.50")),
        ("t2", D(200), D("4.15"), D("830.00")),
        ("t1_recalc", D(-200), D("9.61"), D("-1922.00")),
        ("t2_recalc", D(-100), D("4.15"), D("-415.00")),
    ]
    # 1441.50 + 830.00 − 1922.00 − 415.00 = −65.50: nothing to pay, 65.50 carried
    assert (bill.total, bill.credit) == (D(0), D("65.50"))


def _two_zone_tariffs(single: str, day: str, night: str) -> TariffBook:
    rates = {MeterKind.SINGLE: {Register.T1: D(single)},
             MeterKind.TWO_ZONE: {Register.T1: D(day), Register.T2: D(night)}}  # fmt: skip
    return TariffBook(Tariff(date(2026, 1, 1), Stove.GAS, kind, r) for kind, r in rates.items())


def test_two_zone_meter_resumed_after_the_normative_bills_each_kwh_once() -> None:
    """Readings 1000/500 in August and 1100/550 in September (too short for an average); October
    and November on the normative, 150 kWh each; 1300/700 submitted in December."""
    tariffs = _two_zone_tariffs("8.13", "9.77", "4.21")
    rules = BillingRules(normatives={Stove.GAS: tuple(map(D, ("150", "75", "50", "40", "30")))})
    acc = account(MeterKind.TWO_ZONE, residents=1)
    history = [reading("2026-08", 1000, 500), reading("2026-09", 1100, 550)]
    at = datetime(2026, 12, 1, tzinfo=UTC)
    billed = D(0)
    for month in ("2026-10", "2026-11"):
        period = Period.parse(month)
        stored = estimated_reading(acc, period, history, rules, at)
        bill = compute_bill(acc, period, history, tariffs, rules)
        # the account's own shares, 100 : 50 — 150 kWh = 100 day + 50 night:
        # 100 × 9.77 + 50 × 4.21 = 977.00 + 210.50 = 1187.50
        assert lines(bill) == [("t1", D(100), D("9.77"), D("977.00")),
                               ("t2", D(50), D("4.21"), D("210.50"))]  # fmt: skip
        billed += bill.total
        history.append(stored)
    assert [r.values for r in history[2:]] == [
        {Register.T1: D(1200), Register.T2: D(600)},
        {Register.T1: D(1300), Register.T2: D(650)},
    ]
    december = compute_bill(acc, Period(2026, 12), [*history, reading("2026-12", 1300, 700)],
                            tariffs, rules)  # fmt: skip
    # since September: day 200, night 150 used; day 200, night 100 billed on the normative
    assert lines(december) == [
        ("t1", D(200), D("9.77"), D("1954.00")),
        ("t2", D(150), D("4.21"), D("631.50")),
        ("t1_recalc", D(-200), D("9.77"), D("-1954.00")),
        ("t2_recalc", D(-100), D("4.21"), D("-421.00")),
    ]
    assert december.total == D("210.50")  # the 50 night kWh still owed: 50 × 4.21
    # 2 × 1187.50 + 210.50 = 2585.50 = 200 × 9.77 + 150 × 4.21, the 350 kWh at zone rates
    assert billed + december.total == D("2585.50")


def test_actual_beats_estimate_in_the_same_period() -> None:
    history = [reading("2026-10", 1000), reading("2026-11", 1500, source=EST),
               reading("2026-11", 1100)]  # fmt: skip
    bill = compute_bill(account(), NOV, history, book(), RULES)
    assert bill.basis is BillBasis.ACTUAL
    assert bill.lines[0].quantity_kwh == D(100)


def test_actual_without_earlier_reading() -> None:
    with pytest.raises(MissingBaseReading):
        compute_bill(account(), NOV, [reading("2026-11", 1000)], book(), RULES)


def test_no_tariff_for_the_period() -> None:
    with pytest.raises(TariffNotFound):
        compute_bill(account(), Period(2025, 1), monthly("2024-11", 3, 10), book(), RULES)


# -- balance, penalty, ОДН --------------------------------------------------------------------

ACTUAL = [reading("2026-10", 1000), reading("2026-11", 1100)]  # 100 kWh × 8.00 = 800.00


@pytest.mark.parametrize(
    ("history", "balance", "rules", "balance_line", "total", "held"),
    [
        pytest.param(ACTUAL, "150.456", RULES, "150.46", "950.46", False, id="debt"),
        pytest.param(ACTUAL, "-300", RULES, "-300.00", "500.00", False, id="overpayment"),
        pytest.param(ACTUAL, "-1000", RULES, "-1000.00", "0", False,
                     id="overpayment-larger-than-bill"),
        pytest.param(monthly("2026-03", 8, 100), "-300", RULES, None, "800.00", True,
                     id="overpayment-held-on-estimate"),
        pytest.param(monthly("2026-03", 8, 100), "-300",
                     BillingRules(overpayment_on_estimates=True), "-300.00", "500.00", False,
                     id="overpayment-on-estimate-when-configured"),
        pytest.param(monthly("2026-03", 8, 100), "200", RULES, "200.00", "1000.00", False,
                     id="debt-on-estimate"),
        pytest.param(ACTUAL, "0", RULES, None, "800.00", False, id="nothing-carried"),
    ],
)  # fmt: skip
def test_previous_balance(
    history: list[MeterReading],
    balance: str,
    rules: BillingRules,
    balance_line: str | None,
    total: str,
    held: bool,
) -> None:
    bill = compute_bill(account(), NOV, history, book(), rules, balance=D(balance))
    carried = [x.amount for x in bill.lines if x.label == LINE_BALANCE]
    assert carried == ([] if balance_line is None else [D(balance_line)])
    assert bill.total == D(total)
    assert (BillNote.OVERPAYMENT_HELD in bill.notes) is held


@pytest.mark.parametrize(
    ("credit_before", "total", "credit_after", "notes"),
    [
        # 800.00 charged; a 300.00 credit deducted: 500.00 to pay, nothing left
        pytest.param("300", "500.00", "0", {BillNote.CREDIT_USED}, id="used-up"),
        # a 1200.00 credit: 800.00 of it used, 400.00 carried on
        pytest.param("1200", "0", "400.00", {BillNote.CREDIT_USED, BillNote.CREDIT_CARRIED},
                     id="carried-on"),
    ],
)  # fmt: skip
def test_credit_deducted_until_used_up(
    credit_before: str, total: str, credit_after: str, notes: set[BillNote]
) -> None:
    bill = compute_bill(account(), NOV, ACTUAL, book(), RULES, balance=-D(credit_before))
    assert (bill.total, bill.credit) == (D(total), D(credit_after))
    assert notes <= set(bill.notes)


def test_credit_held_on_an_estimate_is_carried_whole() -> None:
    bill = compute_bill(account(), NOV, monthly("2026-03", 8, 100), book(), RULES,
                        balance=D("-300"))  # fmt: skip
    assert (bill.total, bill.credit) == (D("800.00"), D("300.00"))


def test_credit_from_a_recalculation_in_the_residents_favour() -> None:
    # 200 kWh estimated (October), 50 used: −150 kWh × 8.00 = −1200.00
    history = [reading("2026-09", 1000), reading("2026-10", 1200, source=EST),
               reading("2026-11", 1050)]  # fmt: skip
    bill = compute_bill(account(), NOV, history, book(), RULES)
    # 50 × 8.00 − 200 × 8.00 = 400.00 − 1600.00
    assert lines(bill) == [("t1", D(50), D("8.00"), D("400.00")),
                           ("t1_recalc", D(-200), D("8.00"), D("-1600.00"))]  # fmt: skip
    assert (bill.total, bill.credit) == (D(0), D("1200.00"))
    december = compute_bill(account(), Period(2026, 12), [*history, reading("2026-12", 1150)],
                            book(), RULES, balance=-bill.credit)  # fmt: skip
    # 100 × 8.00 = 800.00 against the 1200.00 credit: 0 to pay, 400.00 carried on
    assert (december.total, december.credit) == (D(0), D("400.00"))
    later = [*history, reading("2026-12", 1150), reading("2027-01", 1250)]
    january = compute_bill(account(), Period(2027, 1), later, book(), RULES,
                           balance=-december.credit)  # fmt: skip
    assert (january.total, january.credit) == (D("400.00"), D(0))


def test_penalty_line() -> None:
    fine = penalty(D(1000), date(2026, 1, 10), date(2026, 4, 20), D("0.095"))
    bill = compute_bill(account(), NOV, ACTUAL, book(), RULES, penalty=fine)
    assert lines(bill)[-1] == (LINE_PENALTY, D(0), D(0), D("26.31"))
    assert bill.total == D("826.31")


@pytest.mark.parametrize(
    ("debt", "days_late", "rate", "expected"),
    [
        pytest.param("1000", 100, "0.095", "26.31", id="facts-worked-example"),
        pytest.param("1000", 0, "0.095", "0.00", id="on-time"),
        pytest.param("1000", -5, "0.095", "0.00", id="early"),
        pytest.param("1000", 30, "0.095", "0.00", id="day-30-free"),
        pytest.param("1000", 31, "0.095", "0.32", id="day-31-one-300th"),
        pytest.param("1000", 90, "0.095", "19.00", id="day-90"),
        pytest.param("1000", 91, "0.095", "19.73", id="day-91-one-130th"),
        pytest.param("2387.20", 45, "0.16", "19.10", id="other-rate"),
        pytest.param("0", 200, "0.095", "0.00", id="no-debt"),
        pytest.param("-50", 200, "0.095", "0.00", id="overpaid"),
    ],
)
def test_penalty(debt: str, days_late: int, rate: str, expected: str) -> None:
    due = date(2026, 1, 10)
    paid = date.fromordinal(due.toordinal() + days_late)
    assert penalty(D(debt), due, paid, D(rate)) == D(expected)


FORMULA_12 = BuildingData(
    flat_area_m2=D(60),
    total_area_m2=D(2400),
    building_kwh=D(12000),
    nonresidential_kwh=D(1000),
    flats_without_meter_kwh=D(4000),
    flats_with_meter_kwh=D(5000),
)
FORMULA_15 = BuildingData(
    flat_area_m2=D(60), total_area_m2=D(2400), odn_normative_kwh_per_m2=D("3.94"),
    common_area_m2=D(1426),
)  # fmt: skip


@pytest.mark.parametrize(
    ("building", "volume"),
    [
        pytest.param(FORMULA_12, "50", id="formula-12-facts-example"),
        pytest.param(FORMULA_15, "140.461", id="formula-15-facts-example"),
        pytest.param(BuildingData(D(60), D(2400), building_kwh=D(12000), heating_kwh=D(2400)),
                     "240", id="formula-12-minus-heating"),
        pytest.param(BuildingData(D(60), D(2400), building_kwh=D(9000),
                                  flats_with_meter_kwh=D(10000)), "-25", id="negative-raw"),
    ],
)  # fmt: skip
def test_odn_volume(building: BuildingData, volume: str) -> None:
    assert odn_volume(building) == D(volume)


@pytest.mark.parametrize(
    ("building", "message"),
    [
        pytest.param(BuildingData(D(60), D(0), building_kwh=D(1)), "total area", id="zero-area"),
        pytest.param(BuildingData(D(60), D(2400)), "needs building_kwh", id="no-data"),
    ],
)
def test_odn_needs_data(building: BuildingData, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        odn_volume(building)


def test_odn_line_facts_example_9680() -> None:
    building = replace(FORMULA_12, rate=D("1.936"))
    bill = compute_bill(account(), NOV, ACTUAL, book(), RULES, building=building)
    assert lines(bill)[-1] == (LINE_ODN, D(50), D("1.936"), D("96.80"))
    assert bill.total == D("896.80")


def test_odn_line_defaults_to_single_rate_and_floors_at_zero() -> None:
    negative = BuildingData(D(60), D(2400), building_kwh=D(9000), flats_with_meter_kwh=D(10000))
    bill = compute_bill(account(MeterKind.TWO_ZONE), NOV,
                        [reading("2026-10", 1, 1), reading("2026-11", 2, 2)], book(), RULES,
                        building=negative)  # fmt: skip
    assert lines(bill)[-1] == (LINE_ODN, D(0), D("8.00"), D("0.00"))
    assert BillNote.ODN_FLOORED in bill.notes


def test_formula_15_line_amount() -> None:
    bill = compute_bill(account(), NOV, ACTUAL, book(), RULES, building=FORMULA_15)
    assert lines(bill)[-1] == (LINE_ODN, D("140.461"), D("8.00"), D("1123.69"))


def test_provisional_single_rate_used_for_odn_is_noted() -> None:
    provisional = TariffBook(
        [*book(), Tariff(date(2026, 11, 1), Stove.GAS, MeterKind.SINGLE, {Register.T1: D(9)},
                         provisional=True)]
    )  # fmt: skip
    two_zone = [reading("2026-10", 1, 1), reading("2026-11", 2, 2)]
    bill = compute_bill(account(MeterKind.TWO_ZONE), NOV, two_zone, provisional, RULES,
                        building=FORMULA_12)  # fmt: skip
    assert BillNote.PROVISIONAL_TARIFF in bill.notes
