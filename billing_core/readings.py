"""Reading validation: what a resident typed becomes register values, or a reason it cannot.

Every refusal is a `ReadingRejected` carrying a `RejectionReason` and the figures a message needs
(docs/domain.md, "Validating a reading"). Values that are valid but surprising — a rollover
through zero, consumption far above the usual — are not refused: `check_submission` lists the
confirmations still needed.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from billing_core.identifiers import to_ascii_digits
from billing_core.models import (
    Account,
    AccountStatus,
    Meter,
    MeterReading,
    Period,
    Readings,
    ReadingSource,
    Register,
)
from billing_core.window import SubmissionWindow

ACTUAL_SOURCES = frozenset(
    {ReadingSource.RESIDENT, ReadingSource.CONTROL, ReadingSource.AUTOMATIC}
)


class RejectionReason(enum.StrEnum):
    EMPTY = "empty"  # nothing typed
    NOT_A_NUMBER = "not_a_number"  # no digits at all
    NOT_DIGITS = "not_digits"  # letters or signs among the digits ("45a30", "-45230")
    DECIMALS_NOT_ALLOWED = "decimals_not_allowed"  # the meter takes whole numbers only
    TOO_MANY_DECIMALS = "too_many_decimals"
    TOO_MANY_DIGITS = "too_many_digits"  # more integer digits than the display shows
    WRONG_REGISTER_COUNT = "wrong_register_count"
    LOWER_THAN_LAST = "lower_than_last"
    METER_AUTOMATIC = "meter_automatic"  # АСКУЭ: read remotely, nothing to submit
    METER_INACTIVE = "meter_inactive"  # meter out of service (faulty, replaced)
    ACCOUNT_CLOSED = "account_closed"
    TOO_MANY_MISSED_MONTHS = "too_many_missed_months"  # call or visit an office instead
    WINDOW_CLOSED = "window_closed"
    NOT_A_ZONE = "not_a_zone"  # a zone label the meter does not have, or one named twice
    ABOVE_CAP = "above_cap"  # more a month than any home can use: a typing error, not a question


class ReadingRejected(Exception):
    """A hard refusal. Only the attributes that matter for `reason` are set; the rest are None.

    - register: which value (T1/T2/T3) was wrong, when one was
    - text: what was typed for it
    - digits_allowed / digits_given: integer digits on the display / typed (TOO_MANY_DIGITS)
    - decimals_allowed / decimals_given: fractional digits (TOO_MANY_DECIMALS)
    - expected_count / given_count: values needed / typed (WRONG_REGISTER_COUNT)
    - last_value: the reading it may not be below (LOWER_THAN_LAST)
    - missed_months / max_missed_months: (TOO_MANY_MISSED_MONTHS)
    - opens_on / closes_on: the next window's first day, the last window's last day (WINDOW_CLOSED)
    - kwh_per_month / max_kwh: the consumption a month and the cap it is above (ABOVE_CAP)
    """

    def __init__(
        self,
        reason: RejectionReason,
        *,
        register: Register | None = None,
        text: str | None = None,
        digits_allowed: int | None = None,
        digits_given: int | None = None,
        decimals_allowed: int | None = None,
        decimals_given: int | None = None,
        expected_count: int | None = None,
        given_count: int | None = None,
        last_value: Decimal | None = None,
        missed_months: int | None = None,
        max_missed_months: int | None = None,
        opens_on: date | None = None,
        closes_on: date | None = None,
        kwh_per_month: Decimal | None = None,
        max_kwh: Decimal | None = None,
    ) -> None:
        super().__init__(reason.value if register is None else f"{reason.value}: {register.value}")
        self.reason = reason
        self.register = register
        self.text = text
        self.digits_allowed = digits_allowed
        self.digits_given = digits_given
        self.decimals_allowed = decimals_allowed
        self.decimals_given = decimals_given
        self.expected_count = expected_count
        self.given_count = given_count
        self.last_value = last_value
        self.missed_months = missed_months
        self.max_missed_months = max_missed_months
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.kwh_per_month = kwh_per_month
        self.max_kwh = max_kwh


class Confirmation(enum.StrEnum):
    ROLLOVER = "rollover"  # the display passed through zero
    # consumption per month above implausible_factor × the usual average, or above
    # implausible_max_kwh for the whole meter
    IMPLAUSIBLE = "implausible"


@dataclass(frozen=True, slots=True)
class ConfirmationNeeded:
    """Something the resident must confirm before the reading is saved.

    ROLLOVER: `consumption` is new + 10^digits − previous. IMPLAUSIBLE: `consumption` is the
    register's since the last actual reading, `months` ago; `average` is its usual monthly
    consumption and `ratio` how many times more a month this is. With `register` None the whole
    meter's consumption is above `ValidationRules.implausible_max_kwh` a month (no ratio).
    """

    kind: Confirmation
    register: Register | None
    consumption: Decimal
    average: Decimal | None = None
    ratio: Decimal | None = None
    months: int = 1

    @property
    def per_month(self) -> Decimal:
        return self.consumption / self.months


@dataclass(frozen=True, slots=True)
class ValidationRules:
    """Limits from configuration ([billing] section)."""

    implausible_factor: Decimal = Decimal(3)
    max_missed_months_online: int = 2
    # A rollover is plausible when the consumption it implies is at most this many kWh
    # (3,900 kWh: the first consumption band's ceiling regions may set from 2025-01-01).
    rollover_max_kwh: Decimal = Decimal(3900)
    # More than this a month for the whole meter is asked about even with no average to compare
    # with (no public threshold exists; the same 3,900 kWh band ceiling).
    implausible_max_kwh: Decimal = Decimal(3900)
    # More than this a month is refused outright, never asked about: no home's connection
    # delivers it (15 kW × 24 h × 31 days ≈ 11,200 kWh), so the digits were typed wrong.
    max_monthly_kwh: Decimal = Decimal(20000)
    average_months: int = 6  # Rules 354 p.59: average over at least 6 months …
    average_min_months: int = 3  # … or the whole history when it is 3–5 months


@dataclass(frozen=True, slots=True)
class CheckedSubmission:
    """Values that passed every hard check, with their consumption since the last actual reading.

    `needed` lists the confirmations still missing; save only when it is empty (`ready`).
    """

    period: Period
    values: Readings = field(hash=False)
    consumption: Readings = field(hash=False)
    previous: MeterReading | None
    needed: tuple[ConfirmationNeeded, ...] = ()

    @property
    def ready(self) -> bool:
        return not self.needed


# Spaces people put inside numbers: ordinary, no-break, thin, narrow no-break, figure spaces, and
# the apostrophe used as a thousands mark.
_INNER_SPACE = re.compile(r"[\s\u00a0\u2007\u2009\u200a\u202f\u2060'’]+")
_VALUE_SEPARATOR = re.compile(r"[\s;/|]+")
_DECIMAL_MARKS = str.maketrans({",": ".", "，": ".", "．": ".", "٫": "."})
_NUMBER = re.compile(r"([0-9]+)(?:\.([0-9]*))?")


def normalize_number_text(text: str) -> str:
    """Unicode digits to ASCII, inner spaces dropped, any decimal mark to '.'."""
    ascii_text = to_ascii_digits(unicodedata.normalize("NFC", text))
    return _INNER_SPACE.sub("", ascii_text).translate(_DECIMAL_MARKS)


def parse_value(text: str, meter: Meter, register: Register | None = None) -> Decimal:
    """One register value as typed ('45 230', '４５２３０', '45230,5') → Decimal.

    Raises ReadingRejected (EMPTY, NOT_A_NUMBER, NOT_DIGITS, DECIMALS_NOT_ALLOWED,
    TOO_MANY_DECIMALS, TOO_MANY_DIGITS); never another exception.
    """
    compact = normalize_number_text(text)
    if not compact:
        raise ReadingRejected(RejectionReason.EMPTY, register=register, text=text)
    match = _NUMBER.fullmatch(compact)
    if match is None:
        reason = (
            RejectionReason.NOT_DIGITS
            if any(ch.isascii() and ch.isdigit() for ch in compact)
            else RejectionReason.NOT_A_NUMBER
        )
        raise ReadingRejected(reason, register=register, text=text)
    whole, fraction = match.group(1), (match.group(2) or "").rstrip("0")
    significant = len(whole.lstrip("0")) or 1
    if significant > meter.digits:
        raise ReadingRejected(
            RejectionReason.TOO_MANY_DIGITS,
            register=register,
            text=text,
            digits_allowed=meter.digits,
            digits_given=significant,
        )
    if fraction and meter.decimals == 0:
        raise ReadingRejected(
            RejectionReason.DECIMALS_NOT_ALLOWED, register=register, text=text, decimals_allowed=0
        )
    if len(fraction) > meter.decimals:
        raise ReadingRejected(
            RejectionReason.TOO_MANY_DECIMALS,
            register=register,
            text=text,
            decimals_allowed=meter.decimals,
            decimals_given=len(fraction),
        )
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def parse_values(texts_or_line: str | Sequence[str], meter: Meter) -> Readings:
    """Every register's value, from one line ('/submit 45230 21100') or one text per register.

    On a line, values are separated by spaces, ';' or '/'. When the count does not match the
    meter, groups of three digits are read as thousands ('45 230 21 100' → 45230, 21100).
    """
    registers = meter.kind.registers
    if isinstance(texts_or_line, str):
        tokens = [t for t in _VALUE_SEPARATOR.split(texts_or_line.strip()) if t]
        if not tokens:
            raise ReadingRejected(RejectionReason.EMPTY, text=texts_or_line)
        if len(tokens) != len(registers):
            grouped = _join_thousands(tokens)
            tokens = grouped if len(grouped) == len(registers) else tokens
    else:
        tokens = list(texts_or_line)
    if len(tokens) != len(registers):
        stray = next((t for t in tokens if not _has_digit(t)), None)
        if stray is not None:  # '45230 кВт': the word is the problem, not the count
            raise ReadingRejected(RejectionReason.NOT_DIGITS, text=stray)
        raise ReadingRejected(
            RejectionReason.WRONG_REGISTER_COUNT,
            expected_count=len(registers),
            # '46 700 21 800' is two numbers, as the bot itself writes readings
            given_count=len(_join_thousands(tokens)),
        )
    return {
        register: parse_value(token, meter, register)
        for register, token in zip(registers, tokens, strict=True)
    }


def read_line(line: str, meter: Meter, previous: MeterReading | None) -> Readings:
    """`parse_values` of a line typed from the first register on, where it may also be the first
    register alone, written with a thousands space as the bot itself shows readings.

    '46 700' reads both ways on a two-register meter: T1 = 46 and T2 = 700, or T1 = 46 700. It
    is the first register alone (a dict of one) when the split puts it below the previous
    reading and the single number does not; otherwise one value per register, as
    `parse_values` reads it (and raises)."""
    values = parse_values(line, meter)
    first = meter.kind.registers[0]
    last = None if previous is None else previous.values.get(first)
    if len(values) < 2 or last is None or values[first] >= last:
        return values
    tokens = [t for t in _VALUE_SEPARATOR.split(line.strip()) if t]
    if len(_join_thousands(tokens)) != 1:
        return values
    try:
        single = parse_value(line, meter, first)
    except ReadingRejected:
        return values
    return {first: single} if single >= last else values


def _has_digit(text: str) -> bool:
    return any(ch.isascii() and ch.isdigit() for ch in normalize_number_text(text))


def _join_thousands(tokens: list[str]) -> list[str]:
    """Glue '45', '230' into '45 230': a head of 1–3 digits followed by groups of exactly 3, the
    last of which may carry a fraction ('46 700,5')."""
    joined: list[str] = []
    groupable = False
    for token in tokens:
        digits = normalize_number_text(token)
        plain = digits.isascii() and digits.isdigit()
        if groupable and plain and len(digits) == 3:
            joined[-1] += " " + token
        elif groupable and _LAST_GROUP.fullmatch(digits):
            joined[-1] += " " + token
            groupable = False  # a fraction ends the number
        else:
            joined.append(token)
            groupable = plain and len(digits) <= 3
    return joined


_LAST_GROUP = re.compile(r"[0-9]{3}\.[0-9]+")


def check_window(window: SubmissionWindow, now: datetime) -> Period:
    """The period a reading given now belongs to, or WINDOW_CLOSED with the next opening day."""
    if window.is_open(now):
        return window.period_for(now)
    today = window.today(now)
    last = Period.of(today)
    if today < window.opens_on(last):
        last = last.prev()
    raise ReadingRejected(
        RejectionReason.WINDOW_CLOSED,
        opens_on=window.next_opening(now),
        closes_on=window.closes_on(last),
    )


def latest_actual(history: Iterable[MeterReading], before: Period) -> MeterReading | None:
    """The last actual (not estimated) reading of a period before `before`."""
    for reading in reversed(canonical_history(history)):
        if reading.source in ACTUAL_SOURCES and reading.period < before:
            return reading
    return None


def canonical_history(history: Iterable[MeterReading]) -> list[MeterReading]:
    """One reading per period, oldest first, whatever order `history` came in.

    Within a period an actual reading beats an estimate, and the later submission wins;
    ties fall back to the values so that the result never depends on the input order.
    """
    readings = list(history)
    if len({r.period for r in readings}) == len(readings):
        # One reading per period already (what storage gives): nothing to choose between.
        return sorted(readings, key=_period_key)
    best: dict[Period, MeterReading] = {}
    for reading in sorted(readings, key=_precedence):
        best[reading.period] = reading
    return [best[period] for period in sorted(best)]


def _period_key(reading: MeterReading) -> tuple[int, int]:
    return reading.period.year, reading.period.month


def _precedence(
    reading: MeterReading,
) -> tuple[bool, datetime, tuple[tuple[str, Decimal], ...], str, str, str]:
    values = tuple(sorted((register.value, value) for register, value in reading.values.items()))
    return (
        reading.source in ACTUAL_SOURCES,
        reading.submitted_at,
        values,
        reading.source.value,
        reading.channel,
        reading.chat_user,
    )


def consumption_between(earlier: Decimal, later: Decimal, digits: int) -> Decimal:
    """kWh used between two readings of a register, passing through zero when later < earlier."""
    return later - earlier if later >= earlier else later + Decimal(10) ** digits - earlier


def average_consumption(
    history: Iterable[MeterReading], before: Period, meter: Meter, rules: ValidationRules
) -> Readings | None:
    """Average monthly kWh per register from actual readings before `before` (Rules 354 p.59).

    Spans the latest actual reading and the most recent earlier one at least `average_months`
    months back; with less history, the whole history when it spans `average_min_months`; else
    None.
    """
    actual = [r for r in canonical_history(history) if r.source in ACTUAL_SOURCES]
    actual = [r for r in actual if r.period < before]
    if len(actual) < 2:
        return None
    end = actual[-1]
    full = [r for r in actual if end.period.months_since(r.period) >= rules.average_months]
    start = full[-1] if full else actual[0]
    months = end.period.months_since(start.period)
    if months < rules.average_min_months:
        return None
    registers = meter.kind.registers
    if any(r not in start.values or r not in end.values for r in registers):
        return None
    return {
        r: consumption_between(start.values[r], end.values[r], meter.digits) / months
        for r in registers
    }


def check_eligibility(
    account: Account,
    history: Iterable[MeterReading],
    period: Period,
    rules: ValidationRules,
) -> None:
    """Refusals that do not depend on the values: status, inactive meter, months missed.

    Call it before asking for values, so nobody types digits only to be refused.
    """
    if account.status is AccountStatus.CLOSED:
        raise ReadingRejected(RejectionReason.ACCOUNT_CLOSED)
    if account.status is AccountStatus.AUTOMATIC:
        raise ReadingRejected(RejectionReason.METER_AUTOMATIC)
    if not account.meter.active:
        raise ReadingRejected(RejectionReason.METER_INACTIVE)
    previous = latest_actual(history, before=period)
    if previous is None:
        return
    missed = period.months_since(previous.period) - 1
    if missed > rules.max_missed_months_online:
        raise ReadingRejected(
            RejectionReason.TOO_MANY_MISSED_MONTHS,
            missed_months=missed,
            max_missed_months=rules.max_missed_months_online,
        )


def check_submission(
    account: Account,
    values: Readings,
    history: Sequence[MeterReading],
    period: Period,
    rules: ValidationRules,
    confirmed: frozenset[Confirmation] = frozenset(),
) -> CheckedSubmission:
    """Check parsed values for `period` against the account and its reading history.

    Raises ReadingRejected for hard refusals (eligibility, register count, LOWER_THAN_LAST).
    A drop is a rollover when the consumption it implies is at most `rollover_max_kwh`; it then
    needs Confirmation.ROLLOVER unless already in `confirmed`, as consumption above
    implausible_factor × average needs Confirmation.IMPLAUSIBLE.
    """
    check_eligibility(account, history, period, rules)
    meter = account.meter
    registers = meter.kind.registers
    if set(values) != set(registers):
        raise ReadingRejected(
            RejectionReason.WRONG_REGISTER_COUNT,
            expected_count=len(registers),
            given_count=len(values),
        )
    previous = latest_actual(history, before=period)
    consumption: Readings = {}
    needed: list[ConfirmationNeeded] = []
    for register in registers:
        value = values[register]
        last = previous.values.get(register) if previous else None
        if last is None:
            continue
        used = consumption_between(last, value, meter.digits)
        if value < last:
            _refuse_unexplained_drop(register, last, used, rules)
            if Confirmation.ROLLOVER not in confirmed:
                needed.append(ConfirmationNeeded(Confirmation.ROLLOVER, register, used))
        consumption[register] = used
    if previous is not None:
        # Months skipped since the last reading add up: compare a month's worth.
        months = max(1, period.months_since(previous.period))
        _refuse_above_cap(consumption, months, rules)
    if previous is not None and Confirmation.IMPLAUSIBLE not in confirmed:
        average = average_consumption(history, period, meter, rules)
        needed += _implausible(consumption, months, average, rules)
    return CheckedSubmission(period, dict(values), consumption, previous, tuple(needed))


def _implausible(
    consumption: Readings, months: int, average: Readings | None, rules: ValidationRules
) -> list[ConfirmationNeeded]:
    """Registers using more than `implausible_factor` × their usual a month; else the whole
    meter, when it uses more than `implausible_max_kwh` a month."""
    found = []
    for register, used in consumption.items():
        usual = average.get(register) if average else None
        if usual is not None and usual > 0 and used / months > rules.implausible_factor * usual:
            ratio = (used / months / usual).quantize(Decimal("0.1"))
            found.append(
                ConfirmationNeeded(
                    Confirmation.IMPLAUSIBLE, register, used, usual, ratio, months=months
                )
            )
    total = sum(consumption.values(), Decimal(0))
    if not found and total / months > rules.implausible_max_kwh:
        found.append(ConfirmationNeeded(Confirmation.IMPLAUSIBLE, None, total, months=months))
    return found


def check_register_value(
    account: Account,
    register: Register,
    value: Decimal,
    history: Sequence[MeterReading],
    period: Period,
    rules: ValidationRules,
) -> None:
    """Refuse one register's value as soon as it is typed when `check_submission` would refuse
    it for being lower than the last (and no rollover explains it) or above the monthly cap, so
    that a resident fixes day before typing night. Rollover and plausibility questions wait for
    the whole submission."""
    previous = latest_actual(history, before=period)
    last = previous.values.get(register) if previous else None
    if last is None or previous is None:
        return
    used = consumption_between(last, value, account.meter.digits)
    if value < last:
        _refuse_unexplained_drop(register, last, used, rules)
    _refuse_above_cap({register: used}, max(1, period.months_since(previous.period)), rules)


def _refuse_above_cap(consumption: Readings, months: int, rules: ValidationRules) -> None:
    """ABOVE_CAP when a register, or the whole meter, used more than `max_monthly_kwh` a month:
    the register named when one alone is above it."""
    cap = rules.max_monthly_kwh
    for register, used in consumption.items():
        if used / months > cap:
            raise ReadingRejected(
                RejectionReason.ABOVE_CAP,
                register=register,
                kwh_per_month=(used / months).quantize(Decimal(1)),
                max_kwh=cap,
            )
    total = sum(consumption.values(), Decimal(0))
    if total / months > cap:
        raise ReadingRejected(
            RejectionReason.ABOVE_CAP,
            kwh_per_month=(total / months).quantize(Decimal(1)),
            max_kwh=cap,
        )


def _refuse_unexplained_drop(
    register: Register, last: Decimal, used: Decimal, rules: ValidationRules
) -> None:
    """A value below the last one is a rollover only when the consumption it implies is small."""
    if used > rules.rollover_max_kwh:
        raise ReadingRejected(RejectionReason.LOWER_THAN_LAST, register=register, last_value=last)
