from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing_core import (
    AccountStatus,
    Confirmation,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingRejected,
    ReadingSource,
    Register,
    RejectionReason,
    SubmissionWindow,
    ValidationRules,
    average_consumption,
    check_eligibility,
    check_register_value,
    check_submission,
    check_window,
    latest_actual,
    parse_value,
    parse_values,
    read_line,
)

from .factories import account, monthly, reading

D = Decimal
R = RejectionReason
SIX_DIGITS = Meter("1", MeterKind.SINGLE, digits=6)
FIVE_PLUS_ONE = Meter("1", MeterKind.SINGLE, digits=5, decimals=1)
RULES = ValidationRules()
NOV = Period(2026, 11)


@pytest.mark.parametrize(
    ("text", "meter", "expected"),
    [
        pytest.param("45230", SIX_DIGITS, "45230", id="plain"),
        pytest.param("  45230\n", SIX_DIGITS, "45230", id="surrounding-space"),
        pytest.param("45 230", SIX_DIGITS, "45230", id="space-thousands"),
        pytest.param("45\u00a0230", SIX_DIGITS, "45230", id="nbsp"),
        pytest.param("45\u2009230", SIX_DIGITS, "45230", id="thin-space"),
        pytest.param("45\u202f230", SIX_DIGITS, "45230", id="narrow-nbsp"),
        pytest.param("４５２３０", SIX_DIGITS, "45230", id="full-width"),
        pytest.param("٤٥٢٣٠", SIX_DIGITS, "45230", id="arabic-indic"),
        pytest.param("०१२३", SIX_DIGITS, "123", id="devanagari"),
        pytest.param("045230", SIX_DIGITS, "45230", id="leading-zero-on-display"),
        pytest.param("0045230", SIX_DIGITS, "45230", id="leading-zeros-not-counted"),
        pytest.param("999999", SIX_DIGITS, "999999", id="full-display"),
        pytest.param("0", SIX_DIGITS, "0", id="zero"),
        pytest.param("45230,0", SIX_DIGITS, "45230", id="zero-fraction-is-whole"),
        pytest.param("45230.", SIX_DIGITS, "45230", id="trailing-dot"),
        pytest.param("12345,6", FIVE_PLUS_ONE, "12345.6", id="comma-decimal"),
        pytest.param("12345.6", FIVE_PLUS_ONE, "12345.6", id="dot-decimal"),
        pytest.param("12 345，6", FIVE_PLUS_ONE, "12345.6", id="full-width-comma"),
    ],
)
def test_parse_value_accepts(text: str, meter: Meter, expected: str) -> None:
    assert parse_value(text, meter) == D(expected)


@pytest.mark.parametrize(
    ("text", "meter", "reason", "details"),
    [
        pytest.param("", SIX_DIGITS, R.EMPTY, {}, id="empty"),
        pytest.param(" \u00a0 ", SIX_DIGITS, R.EMPTY, {}, id="only-spaces"),
        pytest.param("abc", SIX_DIGITS, R.NOT_A_NUMBER, {}, id="letters"),
        pytest.param("—", SIX_DIGITS, R.NOT_A_NUMBER, {}, id="dash"),
        pytest.param("45a30", SIX_DIGITS, R.NOT_DIGITS, {}, id="letter-inside"),
        pytest.param("-45230", SIX_DIGITS, R.NOT_DIGITS, {}, id="minus-sign"),
        pytest.param("+45230", SIX_DIGITS, R.NOT_DIGITS, {}, id="plus-sign"),
        pytest.param("4.5e4", SIX_DIGITS, R.NOT_DIGITS, {}, id="exponent"),
        pytest.param("45230 кВт", SIX_DIGITS, R.NOT_DIGITS, {}, id="unit-suffix"),
        pytest.param("1,2,3", SIX_DIGITS, R.NOT_DIGITS, {}, id="two-decimal-marks"),
        pytest.param("45230,5", SIX_DIGITS, R.DECIMALS_NOT_ALLOWED, {"decimals_allowed": 0},
                     id="decimals-on-integer-meter"),
        pytest.param("12345,67", FIVE_PLUS_ONE, R.TOO_MANY_DECIMALS,
                     {"decimals_allowed": 1, "decimals_given": 2}, id="too-many-decimals"),
        pytest.param("1234567", SIX_DIGITS, R.TOO_MANY_DIGITS,
                     {"digits_allowed": 6, "digits_given": 7}, id="seven-on-six"),
        pytest.param("123456", FIVE_PLUS_ONE, R.TOO_MANY_DIGITS,
                     {"digits_allowed": 5, "digits_given": 6}, id="red-digit-typed-as-integer"),
        pytest.param("1" * 500, SIX_DIGITS, R.TOO_MANY_DIGITS, {"digits_given": 500},
                     id="very-long"),
    ],
)  # fmt: skip
def test_parse_value_refuses(
    text: str, meter: Meter, reason: RejectionReason, details: dict[str, int]
) -> None:
    with pytest.raises(ReadingRejected) as caught:
        parse_value(text, meter, Register.T2)
    assert caught.value.reason is reason
    assert caught.value.register is Register.T2
    assert caught.value.text == text
    for name, value in details.items():
        assert getattr(caught.value, name) == value


TWO = Meter("1", MeterKind.TWO_ZONE)


@pytest.mark.parametrize(
    ("line", "meter", "expected"),
    [
        pytest.param("45230 21100", TWO, ("45230", "21100"), id="space-separated"),
        pytest.param("45230;21100", TWO, ("45230", "21100"), id="semicolon"),
        pytest.param("45230 / 21100", TWO, ("45230", "21100"), id="slash"),
        pytest.param("45 230 21 100", TWO, ("45230", "21100"), id="thousands-groups"),
        pytest.param("45 230", SIX_DIGITS, ("45230",), id="single-meter-grouped"),
        pytest.param("1 000 000", Meter("1", MeterKind.SINGLE, digits=7), ("1000000",),
                     id="two-groups"),
        pytest.param("５ ６ ７", Meter("1", MeterKind.THREE_ZONE), ("5", "6", "7"),
                     id="three-full-width"),
    ],
)  # fmt: skip
def test_parse_values_line(line: str, meter: Meter, expected: tuple[str, ...]) -> None:
    values = parse_values(line, meter)
    assert values == dict(zip(meter.kind.registers, map(D, expected), strict=True))


LAST = reading("2026-10", 46470, 21675)


@pytest.mark.parametrize(
    ("line", "previous", "expected"),
    [
        # The split is below last month's T1 and the grouped number is not: one value.
        pytest.param("46 700", LAST, {Register.T1: D(46700)}, id="thousands-space"),
        pytest.param("46\u00a0700", LAST, {Register.T1: D(46700)}, id="as-the-bot-shows-it"),
        # Both registers, whenever the split agrees with the last reading or nothing says no.
        pytest.param("46700 21775", LAST, {Register.T1: D(46700), Register.T2: D(21775)},
                     id="two-values"),
        pytest.param("46 700", None, {Register.T1: D(46), Register.T2: D(700)},
                     id="no-previous-reading"),
        pytest.param("46 700", reading("2026-10", 40, 650),
                     {Register.T1: D(46), Register.T2: D(700)}, id="split-fits"),
        # Below last month both ways: the split stands, and its check will say so.
        pytest.param("45 100", LAST, {Register.T1: D(45), Register.T2: D(100)},
                     id="single-too-low"),
        pytest.param("4 67 00", LAST, None, id="not-thousands-grouping"),
    ],
)  # fmt: skip
def test_read_line_takes_a_thousands_space_for_one_value(
    line: str, previous: MeterReading | None, expected: dict[Register, Decimal] | None
) -> None:
    if expected is None:
        with pytest.raises(ReadingRejected):
            read_line(line, TWO, previous)
        return
    assert read_line(line, TWO, previous) == expected


def test_a_fraction_after_a_thousands_space_is_one_value() -> None:
    # '46 700,5' is the single reading 46 700.5: refused for its fraction, not for a count of 2
    with pytest.raises(ReadingRejected) as caught:
        read_line("46 700,5", SIX_DIGITS, None)
    assert caught.value.reason is R.DECIMALS_NOT_ALLOWED
    assert read_line("46 700,5", FIVE_PLUS_ONE, None) == {Register.T1: D("46700.5")}
    with pytest.raises(ReadingRejected) as caught:
        read_line("46 700,5 21 800", TWO, None)
    assert caught.value.reason is R.DECIMALS_NOT_ALLOWED


def test_parse_values_one_text_per_register_keeps_inner_spaces() -> None:
    assert parse_values(["45 230", "21 100"], TWO) == {
        Register.T1: D(45230),
        Register.T2: D(21100),
    }


@pytest.mark.parametrize(
    ("given", "meter", "count"),
    [
        pytest.param("45230", TWO, 1, id="one-for-two"),
        pytest.param("45230 21100 300", TWO, 3, id="three-for-two"),
        pytest.param("45230 21100", SIX_DIGITS, 2, id="two-for-single"),
        pytest.param("45 230 21 100", SIX_DIGITS, 2, id="two-written-with-thousands"),
        pytest.param(["1", "2", "3"], TWO, 3, id="list-too-long"),
    ],
)
def test_wrong_register_count(given: str | list[str], meter: Meter, count: int) -> None:
    with pytest.raises(ReadingRejected) as caught:
        parse_values(given, meter)
    assert caught.value.reason is R.WRONG_REGISTER_COUNT
    assert (caught.value.expected_count, caught.value.given_count) == (
        len(meter.kind.registers),
        count,
    )


def test_value_error_names_its_register() -> None:
    with pytest.raises(ReadingRejected) as caught:
        parse_values("45230 2110x", TWO)
    assert (caught.value.reason, caught.value.register) == (R.NOT_DIGITS, Register.T2)


@pytest.mark.parametrize(
    ("line", "meter", "stray"),
    [
        pytest.param("45230 кВт", SIX_DIGITS, "кВт", id="unit-after-value"),
        pytest.param("день 45230 ночь 21100", TWO, "день", id="zone-words"),
    ],
)
def test_words_among_values_are_not_a_count_problem(line: str, meter: Meter, stray: str) -> None:
    with pytest.raises(ReadingRejected) as caught:
        parse_values(line, meter)
    assert (caught.value.reason, caught.value.text) == (R.NOT_DIGITS, stray)


def test_empty_line_refused() -> None:
    with pytest.raises(ReadingRejected) as caught:
        parse_values("   ", TWO)
    assert caught.value.reason is R.EMPTY


# -- eligibility and checks against history ---------------------------------------------------

HISTORY = monthly("2026-03", 8, 100, first=45000)  # March..October, 100 kWh a month, 45 700 last


@pytest.mark.parametrize(
    ("acc", "reason"),
    [
        pytest.param(account(status=AccountStatus.CLOSED), R.ACCOUNT_CLOSED, id="closed"),
        pytest.param(account(status=AccountStatus.AUTOMATIC), R.METER_AUTOMATIC, id="automatic"),
        pytest.param(account(active=False), R.METER_INACTIVE, id="meter-inactive"),
    ],
)
def test_status_refusals(acc: object, reason: RejectionReason) -> None:
    with pytest.raises(ReadingRejected) as caught:
        check_eligibility(acc, HISTORY, NOV, RULES)  # type: ignore[arg-type]
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("last_period", "missed", "refused"),
    [
        pytest.param("2026-10", 0, False, id="no-gap"),
        pytest.param("2026-09", 1, False, id="one-missed"),
        pytest.param("2026-08", 2, False, id="two-missed-is-the-limit"),
        pytest.param("2026-07", 3, True, id="three-missed-refused"),
    ],
)
def test_missed_months(last_period: str, missed: int, refused: bool) -> None:
    history = [reading(last_period, 45000)]
    if not refused:
        check_eligibility(account(), history, NOV, RULES)
        return
    with pytest.raises(ReadingRejected) as caught:
        check_eligibility(account(), history, NOV, RULES)
    assert caught.value.reason is R.TOO_MANY_MISSED_MONTHS
    assert (caught.value.missed_months, caught.value.max_missed_months) == (missed, 2)


def test_estimates_do_not_count_as_submitted() -> None:
    history = [
        reading("2026-07", 45000),
        reading("2026-08", 45100, source=ReadingSource.ESTIMATED),
        reading("2026-09", 45200, source=ReadingSource.ESTIMATED),
        reading("2026-10", 45300, source=ReadingSource.ESTIMATED),
    ]
    with pytest.raises(ReadingRejected) as caught:
        check_eligibility(account(), history, NOV, RULES)
    assert caught.value.reason is R.TOO_MANY_MISSED_MONTHS


def test_new_account_without_history_may_submit() -> None:
    checked = check_submission(account(), {Register.T1: D(5)}, [], NOV, RULES)
    assert checked.ready
    assert checked.previous is None
    assert checked.consumption == {}


@pytest.mark.parametrize(
    ("value", "consumption"),
    [
        pytest.param(45700, 0, id="unchanged-is-zero-consumption"),
        pytest.param(45930, 230, id="ordinary"),
        pytest.param(46000, 300, id="exactly-three-times-average"),
    ],
)
def test_accepted_without_confirmation(value: int, consumption: int) -> None:
    checked = check_submission(account(), {Register.T1: D(value)}, HISTORY, NOV, RULES)
    assert checked.ready
    assert checked.consumption == {Register.T1: D(consumption)}
    assert checked.previous is not None
    assert checked.previous.period == Period(2026, 10)


def test_lower_than_last_refused_with_last_value() -> None:
    with pytest.raises(ReadingRejected) as caught:
        check_submission(account(), {Register.T1: D(45699)}, HISTORY, NOV, RULES)
    assert caught.value.reason is R.LOWER_THAN_LAST
    assert caught.value.register is Register.T1
    assert caught.value.last_value == D(45700)


@pytest.mark.parametrize(
    ("last", "value", "refused"),
    [
        pytest.param(45700, 45699, True, id="lower"),
        pytest.param(45700, 45700, False, id="same"),
        pytest.param(45700, 45800, False, id="higher"),
        pytest.param(999700, 150, False, id="rollover-asked-later"),
    ],
)
def test_one_register_value_is_checked_against_its_last(
    last: int, value: int, refused: bool
) -> None:
    history = [reading("2026-10", last)]
    if refused:
        with pytest.raises(ReadingRejected) as caught:
            check_register_value(account(), Register.T1, D(value), history, NOV, RULES)
        assert (caught.value.reason, caught.value.last_value) == (R.LOWER_THAN_LAST, D(last))
    else:
        check_register_value(account(), Register.T1, D(value), history, NOV, RULES)


def test_a_register_without_a_last_value_is_not_refused() -> None:
    check_register_value(account(), Register.T1, D(1), [], NOV, RULES)


ROLLOVER_HISTORY = monthly("2026-03", 8, 100, first=999000)  # 999 700 in October


@pytest.mark.parametrize(
    ("digits", "last", "new", "consumption"),
    [
        pytest.param(6, 999700, 150, 450, id="six-digits"),
        pytest.param(5, 99950, 50, 100, id="five-digits"),
        pytest.param(6, 999700, 0, 300, id="exactly-zero"),
    ],
)
def test_rollover_needs_confirmation(digits: int, last: int, new: int, consumption: int) -> None:
    acc = account(digits=digits)
    history = [reading("2026-10", last)]
    checked = check_submission(acc, {Register.T1: D(new)}, history, NOV, RULES)
    assert not checked.ready
    (needed,) = checked.needed
    assert needed.kind is Confirmation.ROLLOVER
    assert needed.consumption == D(consumption)
    assert checked.consumption == {Register.T1: D(consumption)}
    confirmed = check_submission(
        acc, {Register.T1: D(new)}, history, NOV, RULES, frozenset({Confirmation.ROLLOVER})
    )
    assert confirmed.ready


def test_drop_far_from_the_top_is_not_a_rollover() -> None:
    with pytest.raises(ReadingRejected) as caught:
        check_submission(account(), {Register.T1: D(10)}, [reading("2026-10", 500000)], NOV, RULES)
    assert caught.value.reason is R.LOWER_THAN_LAST


def test_rollover_limit_comes_from_rules() -> None:
    strict = ValidationRules(rollover_max_kwh=D(100))
    with pytest.raises(ReadingRejected):
        check_submission(account(), {Register.T1: D(150)}, [reading("2026-10", 999700)], NOV,
                         strict)  # fmt: skip


def test_implausible_consumption_needs_confirmation() -> None:
    checked = check_submission(account(), {Register.T1: D(46200)}, HISTORY, NOV, RULES)
    (needed,) = checked.needed
    assert needed.kind is Confirmation.IMPLAUSIBLE
    assert (needed.consumption, needed.average, needed.ratio) == (D(500), D(100), D("5.0"))
    again = check_submission(
        account(), {Register.T1: D(46200)}, HISTORY, NOV, RULES,
        frozenset({Confirmation.IMPLAUSIBLE}),
    )  # fmt: skip
    assert again.ready


def test_implausible_factor_comes_from_rules() -> None:
    lenient = ValidationRules(implausible_factor=D(10))
    assert check_submission(account(), {Register.T1: D(46200)}, HISTORY, NOV, lenient).ready


def test_implausible_is_per_register() -> None:
    history = monthly("2026-03", 8, (100, 50), first=1000)
    acc = account(MeterKind.TWO_ZONE)
    last_t1, last_t2 = history[-1].values[Register.T1], history[-1].values[Register.T2]
    values = {Register.T1: last_t1 + 120, Register.T2: last_t2 + 400}
    (needed,) = check_submission(acc, values, history, NOV, RULES).needed
    assert (needed.register, needed.average) == (Register.T2, D(50))


def test_without_an_average_only_the_monthly_cap_asks() -> None:
    history = [reading("2026-09", 1000), reading("2026-10", 1010)]
    assert check_submission(account(), {Register.T1: D(4910)}, history, NOV, RULES).ready
    (needed,) = check_submission(account(), {Register.T1: D(9000)}, history, NOV, RULES).needed
    assert (needed.kind, needed.register, needed.consumption) == (
        Confirmation.IMPLAUSIBLE, None, D(7990),
    )  # fmt: skip


def test_the_monthly_cap_is_for_the_whole_meter() -> None:
    acc = account(MeterKind.THREE_ZONE)
    last = reading("2026-10", 1000, 1000, 1000)
    values = {Register.T1: D(2400), Register.T2: D(2400), Register.T3: D(2400)}  # 1,400 each
    (needed,) = check_submission(acc, values, [last], NOV, RULES).needed
    assert (needed.register, needed.consumption) == (None, D(4200))
    assert check_submission(
        acc, values, [last], NOV, RULES, frozenset({Confirmation.IMPLAUSIBLE})
    ).ready


def test_the_monthly_cap_comes_from_rules() -> None:
    history = [reading("2026-10", 1000)]
    strict = ValidationRules(implausible_max_kwh=D(500))
    assert not check_submission(account(), {Register.T1: D(1600)}, history, NOV, strict).ready
    assert check_submission(account(), {Register.T1: D(1600)}, history, NOV, RULES).ready


def test_months_skipped_are_compared_a_month_at_a_time() -> None:
    history = monthly("2026-01", 8, (100,), first=1000)  # the last one: 2026-08, 100 a month
    last = history[-1].values[Register.T1]
    usual_use = {Register.T1: last + 300}  # Sep, Oct and Nov
    assert check_submission(account(), usual_use, history, NOV, RULES).ready
    (needed,) = check_submission(account(), {Register.T1: last + 1200}, history, NOV, RULES).needed
    assert (needed.consumption, needed.months, needed.per_month) == (D(1200), 3, D(400))
    assert (needed.average, needed.ratio) == (D(100), D("4.0"))


def test_resubmission_in_the_same_period_compares_with_the_month_before() -> None:
    history = [*HISTORY, reading("2026-11", 45990)]
    checked = check_submission(account(), {Register.T1: D(45800)}, history, NOV, RULES)
    assert checked.consumption == {Register.T1: D(100)}


def test_wrong_register_set_refused() -> None:
    with pytest.raises(ReadingRejected) as caught:
        check_submission(account(MeterKind.TWO_ZONE), {Register.T1: D(1)}, [], NOV, RULES)
    assert caught.value.reason is R.WRONG_REGISTER_COUNT


# -- averages (Rules 354 p.59) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(monthly("2025-11", 12, 90), D(90), id="year-uses-last-six-months"),
        pytest.param(monthly("2026-06", 5, 90), D(90), id="four-month-span-whole-history"),
        pytest.param(monthly("2026-07", 4, 90), D(90), id="three-month-span-minimum"),
        pytest.param(monthly("2026-08", 3, 90), None, id="two-month-span-too-short"),
        pytest.param([reading("2026-04", 1000), reading("2026-10", 1600)], D(100),
                     id="gap-averaged-over-span"),
        pytest.param([reading("2026-01", 1000), reading("2026-04", 1900),
                      reading("2026-10", 2500)], D(100), id="nearest-six-month-start"),
        pytest.param([reading("2026-04", 999700), reading("2026-10", 500)], D(800) / 6,
                     id="through-zero"),
    ],
)  # fmt: skip
def test_average(history: list[object], expected: Decimal | None) -> None:
    average = average_consumption(history, NOV, SIX_DIGITS, RULES)  # type: ignore[arg-type]
    assert average == (None if expected is None else {Register.T1: expected})


def test_average_ignores_estimates_and_later_periods() -> None:
    history = [
        *monthly("2026-04", 7, 100),
        reading("2026-09", 99999, source=ReadingSource.ESTIMATED),
        reading("2026-12", 1),
    ]
    assert average_consumption(history, NOV, SIX_DIGITS, RULES) == {Register.T1: D(100)}


def test_latest_actual_prefers_last_submission_in_a_period() -> None:
    msk = ZoneInfo("Europe/Moscow")
    first = reading("2026-10", 45000, at=datetime(2026, 10, 16, tzinfo=msk))
    fixed = reading("2026-10", 44900, at=datetime(2026, 10, 20, tzinfo=msk))
    for history in ([first, fixed], [fixed, first]):
        found = latest_actual(history, before=NOV)
        assert found is fixed


# -- the window as a refusal ------------------------------------------------------------------


def test_check_window_open_returns_period() -> None:
    window = SubmissionWindow(15, 26, ZoneInfo("Europe/Moscow"))
    assert check_window(window, datetime(2026, 11, 20, tzinfo=window.tz)) == NOV


@pytest.mark.parametrize(
    ("now", "opens", "closed"),
    [
        pytest.param(datetime(2026, 11, 27), date(2026, 12, 15), date(2026, 11, 26),
                     id="just-closed"),
        pytest.param(datetime(2026, 12, 3), date(2026, 12, 15), date(2026, 11, 26),
                     id="early-next-month"),
        pytest.param(datetime(2027, 1, 10), date(2027, 1, 15), date(2026, 12, 26),
                     id="january"),
    ],
)  # fmt: skip
def test_check_window_closed(now: datetime, opens: date, closed: date) -> None:
    window = SubmissionWindow(15, 26, ZoneInfo("Europe/Moscow"))
    with pytest.raises(ReadingRejected) as caught:
        check_window(window, now.replace(tzinfo=window.tz))
    assert caught.value.reason is R.WINDOW_CLOSED
    assert (caught.value.opens_on, caught.value.closes_on) == (opens, closed)
