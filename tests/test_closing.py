"""Closing a month: estimates for the accounts without a reading (Rules 354 p.59), by hand
(`meterbot close-period`) and on the scheduler, and what the resident then sees."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from billing_core.models import (
    Account,
    AccountStatus,
    Bill,
    BillBasis,
    Meter,
    MeterKind,
    MeterReading,
    Period,
    ReadingSource,
    Register,
)
from bot.cli import main
from bot.closing import (
    NO_BASE,
    NO_ESTIMATE,
    PeriodStillOpen,
    close_period,
    schedule_period_close,
)
from bot.config import DEFAULTS_FILE, Settings, load_settings
from bot.wiring import build_engine
from storage.base import ImportRow, Storage, open_storage
from tests.dialogs.conversation import Conversation
from tests.pg import ENGINES, database_url

MSK = ZoneInfo("Europe/Moscow")
NOVEMBER = Period(2026, 11)
DECEMBER_1ST = datetime(2026, 12, 1, 3, 0, tzinfo=MSK)
USUAL = "1000000001"  # 100 kWh a month May–October, nothing for November
NEW = "1000000002"  # no reading at all
SHORT = "1000000003"  # one reading: no average, and no normative is configured
SUBMITTED = "1000000004"  # sent November's reading
AUTOMATIC = "1000000005"  # read remotely


def settings_for(url: str) -> Settings:
    base = load_settings(DEFAULTS_FILE)
    return base.model_copy(update={"storage": base.storage.model_copy(update={"url": url})})


def _reading(
    month: int, value: int, source: ReadingSource = ReadingSource.CONTROL
) -> MeterReading:
    return MeterReading(
        Period(2026, month), {Register.T1: Decimal(value)}, source,
        datetime(2026, month, 20, tzinfo=MSK),
    )  # fmt: skip


async def seed(storage: Storage) -> None:
    numbers = (USUAL, NEW, SHORT, SUBMITTED, AUTOMATIC)
    accounts = [Account(n, Meter(n[-5:], MeterKind.SINGLE)) for n in numbers]
    accounts[-1] = Account(AUTOMATIC, accounts[-1].meter, status=AccountStatus.AUTOMATIC)
    await storage.upsert_accounts([ImportRow(a) for a in accounts])
    for month in range(5, 11):
        await storage.record_submission(USUAL, _reading(month, 1000 + 100 * month), None)
    await storage.record_submission(SHORT, _reading(10, 5000), None)
    await storage.record_submission(SUBMITTED, _reading(10, 7000), None)
    await storage.record_submission(SUBMITTED, _reading(11, 7100, ReadingSource.RESIDENT), None)


@pytest.fixture(params=ENGINES)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database_url(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
async def storage(url: str) -> AsyncIterator[Storage]:
    opened = await open_storage(url)
    await seed(opened)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def settings(url: str) -> Settings:
    return settings_for(url)


async def test_the_month_is_billed_on_the_average_where_no_reading_came(
    storage: Storage, settings: Settings
) -> None:
    closed = await close_period(storage, settings, NOVEMBER, DECEMBER_1ST)

    assert dict(closed.estimated) == {"average": 1}
    assert dict(closed.skipped) == {NO_BASE: 1, NO_ESTIMATE: 1}
    reading = await storage.current_reading(USUAL, NOVEMBER)
    assert reading is not None
    assert (reading.source, reading.values) == (ReadingSource.ESTIMATED, {Register.T1: 2100})
    bill = await storage.latest_bill(USUAL)
    assert bill is not None
    assert (bill.period, bill.basis, bill.total) == (
        NOVEMBER,
        BillBasis.AVERAGE,
        Decimal("800.00"),
    )
    submitted = await storage.current_reading(SUBMITTED, NOVEMBER)
    assert submitted is not None
    assert submitted.source is ReadingSource.RESIDENT
    assert await storage.current_reading(AUTOMATIC, NOVEMBER) is None


async def test_closing_again_estimates_nobody_twice(storage: Storage, settings: Settings) -> None:
    await close_period(storage, settings, NOVEMBER, DECEMBER_1ST)

    again = await close_period(storage, settings, NOVEMBER, DECEMBER_1ST)

    assert sum(again.estimated.values()) == 0
    assert len(await storage.reading_history(USUAL, NOVEMBER)) == 1


async def test_a_dry_run_counts_and_stores_nothing(storage: Storage, settings: Settings) -> None:
    closed = await close_period(storage, settings, NOVEMBER, DECEMBER_1ST, dry_run=True)

    assert closed.summary(dry_run=True).startswith(
        "2026-11: would estimate 1 accounts (average 1)"
    )
    assert await storage.current_reading(USUAL, NOVEMBER) is None


async def test_a_month_not_yet_over_is_not_closed(storage: Storage, settings: Settings) -> None:
    with pytest.raises(PeriodStillOpen):
        await close_period(storage, settings, NOVEMBER, datetime(2026, 11, 30, 23, 0, tzinfo=MSK))
    assert await storage.current_reading(USUAL, NOVEMBER) is None


async def test_the_resident_sees_the_estimate_and_then_the_recalculation(
    storage: Storage, settings: Settings
) -> None:
    await close_period(storage, settings, NOVEMBER, DECEMBER_1ST)
    now = datetime(2026, 12, 20, 12, 0, tzinfo=MSK)
    chat = Conversation(build_engine(settings, storage, clock=lambda: now), "resident")
    await chat.send("/start")
    await chat.press("Согласен")
    await chat.send(f"/bind {USUAL} {USUAL[-5:]}")
    await chat.send("/bill")
    assert "Счёт за ноябрь 2026 рассчитан по среднему расходу" in chat.text()
    assert "≈ 100\u00a0кВт·ч × 8,00\u00a0₽ = 800,00\u00a0₽" in chat.text()
    await chat.send("/submit 2250")  # 250 since October, of which 100 were billed already
    await chat.press("Всё верно, передать")
    assert "Показания приняты" in chat.text()
    december = await storage.latest_bill(USUAL)
    assert december is not None
    assert (december.basis, december.total) == (BillBasis.RECALCULATION, Decimal("1200.00"))


def test_close_period_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    example = DEFAULTS_FILE.read_text(encoding="utf-8")
    url = f"sqlite:///{tmp_path}/meterbot.sqlite3"
    config.write_text(example.replace('"sqlite:///data/meterbot.sqlite3"', f'"{url}"', 1))
    this_month = Period.of(datetime.now(MSK))
    last_month = this_month.prev()

    async def seeded() -> None:  # readings up to the month before last, 100 kWh a month
        storage = await open_storage(url)
        await storage.upsert_accounts(
            [ImportRow(Account(USUAL, Meter("00001", MeterKind.SINGLE)))]
        )
        for back in range(7, 1, -1):
            period = this_month.shift(-back)
            reading = MeterReading(
                period, {Register.T1: Decimal(5000 - 100 * back)}, ReadingSource.CONTROL,
                datetime(period.year, period.month, 20, tzinfo=MSK),
            )  # fmt: skip
            await storage.record_submission(USUAL, reading, None)
        await storage.close()

    def close(*args: str) -> int:
        return main(["--config", str(config), "close-period", *args])

    asyncio.run(seeded())
    assert close("--dry-run") == 0
    captured = capsys.readouterr()
    assert f"{last_month}: would estimate 1 accounts (average 1)" in captured.out
    assert "close " not in captured.err  # no terminal, no progress bar
    assert close("--period", str(last_month)) == 0
    assert f"{last_month}: estimated 1 accounts (average 1)" in capsys.readouterr().out
    assert close() == 0  # the default is the month just ended: nothing is left to do
    assert f"{last_month}: estimated 0 accounts" in capsys.readouterr().out
    assert close("--period", "2026-13") == 2
    assert "--period must look like YYYY-MM" in capsys.readouterr().err
    assert close("--period", str(this_month)) == 2
    assert f"{this_month} has not ended yet" in capsys.readouterr().err


async def test_the_scheduler_closes_the_month_on_the_first(
    storage: Storage, settings: Settings
) -> None:
    scheduler = AsyncIOScheduler(timezone=MSK)
    late_on_the_first = datetime(2026, 12, 1, 10, 0, tzinfo=MSK)
    schedule_period_close(scheduler, settings, storage, lambda: late_on_the_first)
    (job,) = scheduler.get_jobs()
    assert job.next_run_time == DECEMBER_1ST  # missed by a restart: still run, once

    await job.func()

    assert await storage.current_reading(USUAL, NOVEMBER) is not None
    mid_month = AsyncIOScheduler(timezone=MSK)
    schedule_period_close(mid_month, settings, storage, lambda: datetime(2026, 12, 15, tzinfo=MSK))
    assert mid_month.get_jobs()[0].next_run_time == datetime(2027, 1, 1, 3, 0, tzinfo=MSK)


async def test_closing_bills_from_the_accounts_money_position(
    storage: Storage, settings: Settings
) -> None:
    # October's bill for USUAL left a 1 200.00 ₽ credit (a recalculation in the resident's favour)
    credit = Bill(USUAL, Period(2026, 10), BillBasis.RECALCULATION, (), Decimal(0),
                  date(2026, 11, 10), credit=Decimal("1200.00"))  # fmt: skip
    await storage.record_submission(USUAL, _reading(10, 2000), credit)

    await close_period(storage, settings, NOVEMBER, DECEMBER_1ST)

    bill = await storage.latest_bill(USUAL)
    assert bill is not None
    # 100 kWh × 8.00 on the average; an overpayment counts only against a bill on readings
    # (overpayment_on_estimates = false), so it is held and carried whole
    assert (bill.basis, bill.total, bill.credit) == (
        BillBasis.AVERAGE, Decimal("800.00"), Decimal("1200.00"))  # fmt: skip
    assert "overpayment_held" in bill.notes
    position = await storage.money_position(USUAL, NOVEMBER.next())
    assert position.amount == Decimal("-1200.00")


async def test_closing_deducts_a_credit_when_estimates_may_use_it(
    storage: Storage, settings: Settings
) -> None:
    credit = Bill(USUAL, Period(2026, 10), BillBasis.RECALCULATION, (), Decimal(0),
                  date(2026, 11, 10), credit=Decimal("300.00"))  # fmt: skip
    await storage.record_submission(USUAL, _reading(10, 2000), credit)
    billing = settings.billing.model_copy(update={"overpayment_on_estimates": True})
    allowing = settings.model_copy(update={"billing": billing})

    await close_period(storage, allowing, NOVEMBER, DECEMBER_1ST)

    bill = await storage.latest_bill(USUAL)
    assert bill is not None
    # 800.00 − 300.00 credit = 500.00, nothing left over
    assert (bill.total, bill.credit) == (Decimal("500.00"), Decimal(0))
    assert [line.amount for line in bill.lines if line.label == "balance"] == [Decimal("-300.00")]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_closing_shows_its_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/db.sqlite3"\n')
    assert main(["--config", str(config), "db", "migrate"]) == 0
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    assert main(["--config", str(config), "close-period", "--dry-run"]) == 0

    shown = terminal.getvalue()
    assert "\rclose " in shown  # the bar, drawn and redrawn in place
    assert " accounts" in shown
