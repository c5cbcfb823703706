"""Demo accounts for `meterbot run --demo`: a newcomer can bind and submit within a minute.

Most accounts take readings on any day of the month (a per-account window of 1–31), so a demo
works whatever the date; one keeps the normal window to show the refusal. Each has a few months
of readings and bills, so the bill, the average and the chart show something real.
Seeded only into an empty database: demo data never mixes with real accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Protocol, TextIO

from billing_core.bills import compute_bill
from billing_core.format import format_day_of_month
from billing_core.models import (
    Account,
    AccountStatus,
    Meter,
    MeterKind,
    MeterReading,
    ReadingSource,
    Register,
    Stove,
)
from bot.config import DEFAULTS_FILE, Settings, load_settings
from storage.base import ConversationStore, ImportRow, OperatorStore

DEMO_CHANNEL = "demo"


@dataclass(frozen=True, slots=True)
class DemoAccount:
    account: Account
    shows: str  # what a newcomer sees with it
    months: int  # months of history seeded
    last_gap: int = 0  # months since the last reading before the current one (0: last month)


def _meter(serial: str, kind: MeterKind, digits: int = 6) -> Meter:
    return Meter(serial=serial, kind=kind, digits=digits)


DEMO: tuple[DemoAccount, ...] = (
    DemoAccount(
        Account("1234567890", _meter("0012345", MeterKind.SINGLE),
                address="Москва, Утренняя 8А, кв. 1", phones=("+79990000001",), residents=2,
                window_start_day=1, window_end_day=31),
        "single-rate; also found by /contact +79990000001",
        months=7,
    ),
    DemoAccount(
        Account("2345678901", _meter("0023456", MeterKind.TWO_ZONE), stove=Stove.ELECTRIC,
                address="Москва, Смольная 24а, кв. 15", phones=("+79990000002",),
                window_start_day=1, window_end_day=31),
        "two-zone (day/night), electric stove",
        months=7,
    ),
    DemoAccount(
        Account("3456789012", _meter("0034567", MeterKind.THREE_ZONE),
                address="Москва, Изюмская 46, кв. 7", window_start_day=1, window_end_day=31),
        "three-zone (peak/night/half-peak)",
        months=7,
    ),
    DemoAccount(
        Account("4567890123", _meter("0045678", MeterKind.SINGLE, digits=5),
                address="Москва, Бибиревская 17б, кв. 3"),
        "normal window (15th-26th): refused outside it; 5-digit display",
        months=7,
    ),
    DemoAccount(
        Account("5678901234", _meter("0056789", MeterKind.TWO_ZONE),
                status=AccountStatus.AUTOMATIC, address="Москва, Ивовая 6, кв. 40",
                window_start_day=1, window_end_day=31),
        "automatic meter: nothing to submit",
        months=4,
    ),
    DemoAccount(
        Account("6789012345", _meter("0067890", MeterKind.SINGLE),
                address="Москва, Касимовская 23, кв. 9", window_start_day=1, window_end_day=31),
        "readings missed for months: asked to call or visit",
        months=4,
        last_gap=4,
    ),
)  # fmt: skip

# Typical monthly kWh per register (a flat in Moscow), varied a little month to month.
_USAGE = {Register.T1: (210, 240, 260, 230, 250, 280, 265), Register.T2: (110, 95, 120, 105,
          130, 115, 100), Register.T3: (80, 70, 90, 85, 75, 95, 88)}  # fmt: skip
_START = {Register.T1: Decimal(45000), Register.T2: Decimal(21000), Register.T3: Decimal(9800)}


class DemoStore(OperatorStore, ConversationStore, Protocol):
    """What seeding the demo needs: the accounts imported as an operator would, and their
    history submitted as residents would."""


async def seed_demo(
    storage: DemoStore, settings: Settings | None = None, now: datetime | None = None
) -> list[DemoAccount]:
    """Insert the demo accounts with their history; nothing (and []) when any account exists."""
    if await storage.count_accounts() > 0:
        return []
    from bot.wiring import dialog_config

    settings = settings or load_settings(DEFAULTS_FILE)
    config = dialog_config(settings)
    now = now or datetime.now(UTC)
    await storage.upsert_accounts(ImportRow(demo.account) for demo in DEMO)
    for demo in DEMO:
        source = (
            ReadingSource.AUTOMATIC
            if demo.account.status is AccountStatus.AUTOMATIC
            else ReadingSource.RESIDENT
        )
        current = config.window.for_account(demo.account).period_for(now)
        history: list[MeterReading] = []
        first = current.shift(-demo.months - demo.last_gap)
        for index in range(demo.months):
            period = first.shift(index)
            values = {
                r: _START[r] + sum((Decimal(u) for u in _USAGE[r][:index]), Decimal(0))
                for r in demo.account.meter.kind.registers
            }
            stamp = datetime.combine(
                period.first_day().replace(day=20), time(12, 0), tzinfo=config.window.tz
            )
            reading = MeterReading(
                period, values, ReadingSource.CONTROL if index == 0 else source, stamp,
                DEMO_CHANNEL,
            )  # fmt: skip
            history.append(reading)
            bill = None
            if index > 0:
                bill = compute_bill(demo.account, period, history, config.tariffs, config.billing)
            await storage.record_submission(demo.account.number, reading, bill)
    return list(DEMO)


async def demo_accounts_in(storage: OperatorStore) -> list[DemoAccount]:
    """The demo accounts a database already holds (a second `make run`): number and serial
    both, so that a real account that happens to share a demo number is not shown as one."""
    return [
        demo
        for demo in DEMO
        if await storage.find_account(demo.account.number, demo.account.meter.serial) is not None
    ]


def print_demo_accounts(
    accounts: Sequence[DemoAccount], settings: Settings, out: TextIO, *, existing: bool = False
) -> None:
    """The demo accounts as a newcomer needs them: account, serial, zones, what each shows."""
    if existing:
        out.write("The database already has accounts that are not the demo's: none were added.\n")
        return
    billing = settings.billing
    out.write("Demo accounts (bind with /bind ACCOUNT SERIAL, or press the buttons):\n")
    out.write(f"  {'account':<13} {'serial':<8} zones  window        what it shows\n")
    for demo in accounts:
        account = demo.account
        if account.window_start_day:
            window = "any day"
        else:
            start, end = billing.window_start_day, billing.window_end_day
            window = f"{format_day_of_month(start, 'en')}–{format_day_of_month(end, 'en')}"
        out.write(
            f"  {account.pretty:<13} {account.meter.serial:<8} {account.meter.kind.value:<6} "
            f"{window:<13} {demo.shows}\n"
        )
    first = accounts[0].account if accounts else None
    if first is not None:
        out.write(f"Try: /start, then /bind {first.pretty} {first.meter.serial}\n")
