"""Readings as people write them (zone labels, units, spaces inside numbers), and the monthly cap
above which a reading is refused rather than asked about."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from billing_core.models import Meter, MeterKind, Period, Register
from billing_core.readings import (
    ReadingRejected,
    ValidationRules,
    check_register_value,
    check_submission,
)
from billing_core.readings import RejectionReason as R
from billing_core.written import (
    has_labels,
    labels_of,
    read_labelled,
    readings_part,
    strip_units,
    zone_words,
)

from .factories import account, reading

SINGLE = Meter("1", MeterKind.SINGLE, digits=6)
TWO = Meter("1", MeterKind.TWO_ZONE, digits=6)
THREE = Meter("1", MeterKind.THREE_ZONE, digits=6)
T1, T2, T3 = Register.T1, Register.T2, Register.T3
NOV = Period(2026, 11)


@pytest.mark.parametrize(
    ("line", "meter", "expected"),
    [
        ("Т1 12345 Т2 6789", TWO, {T1: 12345, T2: 6789}),
        ("т1=52000 т2=23000 т3=30000", THREE, {T1: 52000, T2: 23000, T3: 30000}),
        ("T1: 46 720, T2: 21 800", TWO, {T1: 46720, T2: 21800}),  # Latin T, spaces inside
        ("т2 21800 т1 46720", TWO, {T1: 46720, T2: 21800}),  # any order
        ("день 46720 ночь 21800", TWO, {T1: 46720, T2: 21800}),
        ("Ночь: 21800; день: 46720", TWO, {T1: 46720, T2: 21800}),
        ("пик 1000 полупик 3000 ночь 2000", THREE, {T1: 1000, T2: 2000, T3: 3000}),
        ("полупик=3000", THREE, {T3: 3000}),  # one zone alone
        ("day 46720 night 21800", TWO, {T1: 46720, T2: 21800}),
        ("peak 1 half-peak 3 night 2", THREE, {T1: 1, T2: 2, T3: 3}),
        ("т1 46720 кВт·ч т2 21800 кВт*ч", TWO, {T1: 46720, T2: 21800}),
        ("Т1 46720", SINGLE, {T1: 46720}),
    ],
)
def test_labelled_zones_are_read_in_any_order(
    line: str, meter: Meter, expected: dict[Register, int]
) -> None:
    assert read_labelled(line, meter) == {r: D(v) for r, v in expected.items()}


@pytest.mark.parametrize(
    ("line", "meter", "zone"),
    [
        ("т3 100", TWO, "т3"),  # the meter has no third zone
        ("т2 6789", SINGLE, "т2"),
        ("пик 100", TWO, "пик"),  # a two-zone meter has day and night
        ("день 100", THREE, "день"),  # a three-zone meter's day is peak and half-peak
        ("т1 100 день 200", TWO, "день"),  # T1 named twice
    ],
)
def test_a_zone_the_meter_does_not_have_is_named(line: str, meter: Meter, zone: str) -> None:
    with pytest.raises(ReadingRejected) as caught:
        read_labelled(line, meter)
    assert (caught.value.reason, caught.value.text) == (R.NOT_A_ZONE, zone)


def test_a_number_before_the_first_label_is_refused() -> None:
    with pytest.raises(ReadingRejected) as caught:
        read_labelled("46720 т2 21800", TWO)
    assert caught.value.reason is R.NOT_A_ZONE


def test_a_label_without_a_value_asks_for_digits() -> None:
    with pytest.raises(ReadingRejected) as caught:
        read_labelled("т1 46720 т2", TWO)
    assert (caught.value.reason, caught.value.register) == (R.EMPTY, T2)


@pytest.mark.parametrize("line", ["46720", "46 720", "передать 46720", "т146720", ""])
def test_a_line_without_labels_is_not_labelled(line: str) -> None:
    assert read_labelled(line, TWO) is None
    assert not has_labels(line)


@pytest.mark.parametrize(
    ("line", "left"),
    [
        ("46720 кВт", "46720"),
        ("46720кВт*ч", "46720"),
        ("46720 кВт·ч", "46720"),
        ("46720 квтч", "46720"),
        ("46720 кВт.ч.", "46720"),
        ("46720 kWh", "46720"),
        ("46 720 KW h", "46 720"),
        ("46720 21800 кВт", "46720 21800"),
        ("46720", "46720"),
    ],
)
def test_units_are_taken_out(line: str, left: str) -> None:
    assert strip_units(line) == left


RULES = ValidationRules()
HISTORY = [reading("2026-10", 46470)]


def test_above_the_monthly_cap_is_refused_not_asked() -> None:
    with pytest.raises(ReadingRejected) as caught:
        check_submission(account(), {T1: D(146470)}, HISTORY, NOV, RULES)
    refusal = caught.value
    assert refusal.reason is R.ABOVE_CAP
    assert (refusal.register, refusal.kwh_per_month, refusal.max_kwh) == (T1, 100000, 20000)


def test_the_cap_is_refused_as_soon_as_the_value_is_typed() -> None:
    with pytest.raises(ReadingRejected) as caught:
        check_register_value(account(), T1, D(146470), HISTORY, NOV, RULES)
    assert caught.value.reason is R.ABOVE_CAP
    check_register_value(account(), T1, D(46470 + 20000), HISTORY, NOV, RULES)  # at the cap


def test_the_whole_meter_is_capped_too_and_months_share_it() -> None:
    two = account(MeterKind.TWO_ZONE)
    history = [reading("2026-10", 1000, 1000)]
    with pytest.raises(ReadingRejected) as caught:
        check_submission(two, {T1: D(13000), T2: D(10000)}, history, NOV, RULES)
    assert (caught.value.register, caught.value.kwh_per_month) == (None, 21000)
    # The same consumption over two months is 10,500 a month: asked about, not refused.
    earlier = [reading("2026-09", 1000, 1000)]
    checked = check_submission(two, {T1: D(13000), T2: D(10000)}, earlier, NOV, RULES)
    assert checked.needed


def test_below_the_cap_an_implausible_month_is_still_asked() -> None:
    checked = check_submission(account(), {T1: D(46470 + 5000)}, HISTORY, NOV, RULES)
    assert [n.kind.value for n in checked.needed] == ["implausible"]


@pytest.mark.parametrize(
    ("line", "way"),
    [
        ("т1 5 т2 6", "code"),
        ("T1 5", "code"),
        ("Ночь 5", "ru"),
        ("night 5", "en"),
        ("46720", None),
    ],
)
def test_the_way_a_line_names_zones_is_told(line: str, way: str | None) -> None:
    assert labels_of(line) == way


def test_zones_in_words_follow_the_meter() -> None:
    assert zone_words(MeterKind.THREE_ZONE, "ru") == ("пик", "ночь", "полупик")
    assert zone_words(MeterKind.TWO_ZONE, "en") == ("day", "night")
    assert zone_words(MeterKind.TWO_ZONE, "code") is None
    assert zone_words(MeterKind.SINGLE, "ru") is None


@pytest.mark.parametrize(
    ("message", "readings"),
    [
        ("хочу передать день 46720 ночь 21800", "день 46720 ночь 21800"),
        ("submit T1 46720 T2 21800", "t1 46720 t2 21800"),
        ("передать т1=46720", "т1=46720"),
        ("добрый день, передаю 46720", "46720"),
        ("передать показания", ""),
    ],
)
def test_the_readings_part_of_a_message_starts_at_its_first_value(
    message: str, readings: str
) -> None:
    assert readings_part(message) == readings
