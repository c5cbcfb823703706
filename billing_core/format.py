"""Numbers, money and dates the way a Russian (or English) bill prints them.

Hand-written rather than with babel or the `locale` module: babel is a heavy dependency for five
small functions, and `locale` is process-global state that would leak between chats.
Russian uses a no-break space (U+00A0) between thousands and a comma for decimals: `2 387,20 ₽`.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from billing_core.models import Period

Lang = Literal["ru", "en"]
NBSP = "\u00a0"
KOPECK = Decimal("0.01")

_MONTHS_NOMINATIVE = {
    "ru": (
        "январь", "февраль", "март", "апрель", "май", "июнь",
        "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_MONTHS_GENITIVE_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def format_number(value: Decimal | int, lang: Lang = "ru", places: int | None = None) -> str:
    """Thousands grouped; `places` decimals, or as many as the value has when None."""
    number = Decimal(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = f"{int(whole):,}".replace(",", NBSP if lang == "ru" else ",")
    if not fraction:
        return f"{sign}{groups}"
    return f"{sign}{groups}{',' if lang == 'ru' else '.'}{fraction}"


def format_money(amount: Decimal, lang: Lang = "ru") -> str:
    """2387.2 → '2 387,20 ₽' (ru) or '2,387.20 ₽' (en); rounded half up to kopecks."""
    return f"{format_number(amount, lang, places=2)}{NBSP}₽"


def format_kwh(amount: Decimal | int, lang: Lang = "ru") -> str:
    """230 → '230 кВт·ч'; fractions shown only when there are some (140.461 → '140,461 кВт·ч')."""
    unit = "кВт·ч" if lang == "ru" else "kWh"
    return f"{format_number(_plain(amount), lang)}{NBSP}{unit}"


def format_reading(value: Decimal | int, lang: Lang = "ru") -> str:
    """A register value as the display shows it, grouped: 45230 → '45 230'."""
    return format_number(_plain(value), lang)


def _plain(value: Decimal | int) -> Decimal:
    """Without trailing zeros or exponent: 230.00 → 230, 140.4610 → 140.461."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def format_date(day: date, lang: Lang = "ru", with_year: bool = False) -> str:
    """'10 декабря' / 'December 10'; with the year: '10 декабря 2026' / 'December 10, 2026'."""
    if lang == "ru":
        text = f"{day.day} {_MONTHS_GENITIVE_RU[day.month - 1]}"
        return f"{text} {day.year}" if with_year else text
    text = f"{_MONTHS_NOMINATIVE['en'][day.month - 1]} {day.day}"
    return f"{text}, {day.year}" if with_year else text


def format_day_of_month(day: int, lang: Lang = "ru") -> str:
    """'15' / '15th' (1st, 2nd, 3rd, 11th–13th, 21st…), as in "from the 15th to the 26th"."""
    if lang == "ru":
        return str(day)
    suffix = "th" if day % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def format_period(period: Period, lang: Lang = "ru") -> str:
    """'ноябрь 2026' / 'November 2026'."""
    return f"{_MONTHS_NOMINATIVE[lang][period.month - 1]} {period.year}"
