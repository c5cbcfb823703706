from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing_core import (
    Period,
    format_date,
    format_day_of_month,
    format_kwh,
    format_money,
    format_number,
    format_period,
    format_reading,
)

D = Decimal
NB = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "lang", "text"),
    [
        pytest.param(D("2387.2"), "ru", f"2{NB}387,20{NB}₽", id="conversations-total"),
        pytest.param(D("377"), "ru", f"377,00{NB}₽", id="whole-rubles"),
        pytest.param(D("0.005"), "ru", f"0,01{NB}₽", id="half-kopeck-up"),
        pytest.param(D("1234567.891"), "ru", f"1{NB}234{NB}567,89{NB}₽", id="millions"),
        pytest.param(D("-480.5"), "ru", f"-480,50{NB}₽", id="credit"),
        pytest.param(D("2387.2"), "en", f"2,387.20{NB}₽", id="english"),
        pytest.param(D("0"), "ru", f"0,00{NB}₽", id="zero"),
    ],
)
def test_format_money(amount: Decimal, lang: str, text: str) -> None:
    assert format_money(amount, lang) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        pytest.param(D("230"), "ru", f"230{NB}кВт·ч", id="whole"),
        pytest.param(D("230.00"), "ru", f"230{NB}кВт·ч", id="trailing-zeros-dropped"),
        pytest.param(D("140.461"), "ru", f"140,461{NB}кВт·ч", id="formula-15"),
        pytest.param(D("2300"), "ru", f"2{NB}300{NB}кВт·ч", id="thousands"),
        pytest.param(D("1E+3"), "en", f"1,000{NB}kWh", id="exponent-form"),
        pytest.param(310, "en", f"310{NB}kWh", id="int"),
    ],
)
def test_format_kwh(value: Decimal | int, lang: str, text: str) -> None:
    assert format_kwh(value, lang) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(D(45230), f"45{NB}230", id="grouped"),
        pytest.param(D(999), "999", id="short"),
        pytest.param(D("12345.6"), f"12{NB}345,6", id="with-decimal"),
        pytest.param(D("45230.0"), f"45{NB}230", id="integral-decimal"),
    ],
)
def test_format_reading(value: Decimal, text: str) -> None:
    assert format_reading(value) == text


def test_format_number_places() -> None:
    assert format_number(D("8.7"), "ru", places=2) == "8,70"
    assert format_number(D("8.74"), "en") == "8.74"


@pytest.mark.parametrize(
    ("day", "en"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (15, "15th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (26, "26th"), (31, "31st")],
)  # fmt: skip
def test_format_day_of_month(day: int, en: str) -> None:
    assert format_day_of_month(day, "en") == en
    assert format_day_of_month(day, "ru") == str(day)


@pytest.mark.parametrize(
    ("day", "lang", "with_year", "text"),
    [
        pytest.param(date(2026, 12, 10), "ru", False, "10 декабря", id="genitive"),
        pytest.param(date(2026, 5, 1), "ru", False, "1 мая", id="may"),
        pytest.param(date(2026, 3, 8), "ru", True, "8 марта 2026", id="with-year"),
        pytest.param(date(2026, 12, 10), "en", False, "December 10", id="english"),
        pytest.param(date(2026, 12, 10), "en", True, "December 10, 2026", id="english-year"),
    ],
)
def test_format_date(day: date, lang: str, with_year: bool, text: str) -> None:
    assert format_date(day, lang, with_year=with_year) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("period", "lang", "text"),
    [
        pytest.param(Period(2026, 11), "ru", "ноябрь 2026", id="ru"),
        pytest.param(Period(2027, 1), "en", "January 2027", id="en"),
    ],
)
def test_format_period(period: Period, lang: str, text: str) -> None:
    assert format_period(period, lang) == text  # type: ignore[arg-type]


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_has_names(month: int) -> None:
    assert format_date(date(2026, month, 1), "ru").startswith("1 ")
    assert format_period(Period(2026, month), "ru").endswith(" 2026")
