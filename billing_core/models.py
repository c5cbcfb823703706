"""The nouns of the billing domain: small frozen values shared by every layer.

Storage maps rows to these; the dialog layer reads them; nothing here does I/O.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class Stove(enum.StrEnum):
    GAS = "gas"
    ELECTRIC = "electric"


class MeterKind(enum.IntEnum):
    """How many zone registers a meter has; the value is the register count."""

    SINGLE = 1
    TWO_ZONE = 2
    THREE_ZONE = 3

    @property
    def registers(self) -> tuple[Register, ...]:
        return REGISTERS_BY_KIND[self]

    @property
    def config_key(self) -> str:
        return ("single", "two_zone", "three_zone")[self.value - 1]


class Register(enum.StrEnum):
    """Zone registers as the supplier numbers them: T1 day/peak, T2 night, T3 half-peak."""

    T1 = "t1"
    T2 = "t2"
    T3 = "t3"


REGISTERS_BY_KIND: dict[MeterKind, tuple[Register, ...]] = {
    MeterKind.SINGLE: (Register.T1,),
    MeterKind.TWO_ZONE: (Register.T1, Register.T2),
    MeterKind.THREE_ZONE: (Register.T1, Register.T2, Register.T3),
}


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    AUTOMATIC = "automatic"  # read remotely (АСКУЭ): residents need not submit
    CLOSED = "closed"


class ReadingSource(enum.StrEnum):
    RESIDENT = "resident"
    CONTROL = "control"
    AUTOMATIC = "automatic"
    ESTIMATED = "estimated"


class BillBasis(enum.StrEnum):
    ACTUAL = "actual"
    AVERAGE = "average"
    NORMATIVE = "normative"
    RECALCULATION = "recalculation"


_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """A billing period: one calendar month (Rules 354 p.37)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match(text.strip())
        if not match:
            raise ValueError(f"period must look like YYYY-MM, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date | datetime) -> Period:
        return cls(day.year, day.month)

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def next(self) -> Period:
        return self.shift(1)

    def prev(self) -> Period:
        return self.shift(-1)

    def months_since(self, earlier: Period) -> int:
        return (self.year - earlier.year) * 12 + (self.month - earlier.month)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


Readings = dict[Register, Decimal]
"""Cumulative register values of one meter at one moment."""


@dataclass(frozen=True, slots=True)
class Meter:
    serial: str  # as printed: text, leading zeros matter
    kind: MeterKind
    digits: int = 6  # integer digits on the display
    decimals: int = 0  # fractional digits a resident may submit (0: integers only)
    active: bool = True


@dataclass(frozen=True, slots=True)
class Account:
    number: str  # 10 digits, leading zeros kept
    meter: Meter
    stove: Stove = Stove.GAS
    status: AccountStatus = AccountStatus.ACTIVE
    address: str = ""
    residents: int | None = None
    area_m2: Decimal | None = None
    phones: tuple[str, ...] = ()  # normalised +7XXXXXXXXXX
    window_start_day: int | None = None  # per-account override of the window
    window_end_day: int | None = None
    house_id: str | None = None  # the building's ГАР/ФИАС GUID, lower case (outages)

    @property
    def masked(self) -> str:
        """The number as logs may show it: 12345-***-**."""
        return f"{self.number[:5]}-***-**"

    @property
    def pretty(self) -> str:
        """The number as the bill prints it: 12345-678-90."""
        n = self.number
        return f"{n[:5]}-{n[5:8]}-{n[8:]}" if len(n) == 10 else n


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One stored reading of every register for one period."""

    period: Period
    values: Readings
    source: ReadingSource
    submitted_at: datetime
    channel: str = ""
    chat_user: str = ""


@dataclass(frozen=True, slots=True)
class BillLine:
    label: str  # register value ("t1") or a named line ("odn", "penalty", "balance", …)
    quantity_kwh: Decimal
    rate: Decimal
    amount: Decimal  # rubles, two decimal places


@dataclass(frozen=True, slots=True)
class Bill:
    """`total` is what the resident is asked to pay (never below zero); `credit` what this bill
    leaves in the resident's favour for the next ones (an overpayment, Rules 354 p.61)."""

    account: str
    period: Period
    basis: BillBasis
    lines: tuple[BillLine, ...]
    total: Decimal
    due: date
    notes: tuple[str, ...] = field(default=())
    credit: Decimal = Decimal(0)
