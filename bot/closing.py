"""Closing a period: an estimated reading and bill for each account that sent no reading.

Rules 354 p.59 and p.60 (docs/domain.md): a month without readings is billed on the account's
average consumption, for at most `estimate_max_periods` months in a row, then on the normative.
Once every window of a month has closed (the month is over: an account's own window can end as
late as the 31st), each active account without a reading for it gets an ESTIMATED reading
(the last reading plus the estimated use) and its bill, stored together as a submission is. So
the resident's *Мой счёт* and *История* show the estimate, as the reminders and the FAQ promise,
`export-readings` carries it with source `estimated`, and the next actual reading is billed as a
recalculation against it (p.61).

An account that cannot be estimated is left as it is and counted by reason: no earlier reading to
add the estimate to, neither an average nor a configured normative, or no tariff in force.
Closing is safe to repeat: an account estimated (or submitted for) already is not listed again,
and an estimate never replaces a reading (`Storage.record_estimates`).

`meterbot close-period` does it by hand; `meterbot run` schedules it for the 1st of each month.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from tqdm import tqdm

from billing_core.bills import compute_bill, estimated_reading
from billing_core.errors import CannotEstimate, MissingBaseReading, TariffNotFound
from billing_core.models import Bill, MeterReading, Period
from bot.config import Settings
from bot.reminders.schedule import first_run_time
from bot.supervisor import Supervisor
from storage.base import ClosingStore, StorageError

log = logging.getLogger(__name__)

PAGE = 500  # accounts estimated, then stored in one transaction
CLOSE_AT = {"day": 1, "hour": 3, "minute": 0}  # local time: the night after the month ends
CLOSE_GRACE = timedelta(days=1)  # a restart on the 1st still closes the month

CLOSE_TASK = "close-period"

NO_BASE = "no earlier reading to add the estimate to"
NO_ESTIMATE = "neither an average nor a normative"
NO_TARIFF = "no tariff in force"


class PeriodStillOpen(ValueError):
    """The month has not ended: residents may still submit for it."""


@dataclass
class PeriodClosed:
    period: Period
    estimated: Counter[str] = field(default_factory=Counter)  # by basis: average, normative
    skipped: Counter[str] = field(default_factory=Counter)  # by reason

    def summary(self, *, dry_run: bool = False) -> str:
        total = sum(self.estimated.values())
        bases = ", ".join(f"{basis} {n:,}" for basis, n in sorted(self.estimated.items()))
        verb = "would estimate" if dry_run else "estimated"
        line = f"{self.period}: {verb} {total:,} accounts" + (f" ({bases})" if bases else "")
        if self.skipped:
            reasons = ", ".join(f"{n:,} {why}" for why, n in self.skipped.most_common())
            line += f"; left as they are: {reasons}"
        return line


def last_closed_period(settings: Settings, now: datetime) -> Period:
    """The month before the current one in the billing time zone."""
    return Period.of(now.astimezone(settings.billing.tz)).prev()


async def close_period(
    storage: ClosingStore,
    settings: Settings,
    period: Period,
    now: datetime,
    *,
    dry_run: bool = False,
    page: int = PAGE,
    progress: Callable[[int], None] | None = None,
) -> PeriodClosed:
    """Estimate and store every account `period` still lacks a reading for (`dry_run`: only
    count them). Raises PeriodStillOpen for the current month or a later one."""
    if period > last_closed_period(settings, now):
        raise PeriodStillOpen(f"{period} has not ended yet: residents may still submit for it")
    tariffs, rules = settings.tariff_book(), settings.billing.billing_rules()
    closed = PeriodClosed(period)
    after = ""
    while numbers := await storage.accounts_to_estimate(period, after=after, limit=page):
        after = numbers[-1]
        estimates: list[tuple[str, MeterReading, Bill]] = []
        for number in numbers:
            # In `meterbot run` residents are served meanwhile: a SQLite read on the loop's
            # thread does not yield, so yield once per account (a page would hold the loop
            # for about 70 ms).
            await asyncio.sleep(0)
            subject = await storage.load_subject(number)
            if subject.account is None:  # removed meanwhile
                continue
            history = list(subject.history)
            # the same money position a resident's submission is billed from (a credit carried)
            position = await storage.money_position(number, period)
            try:
                reading = estimated_reading(subject.account, period, history, rules, now)
                bill = compute_bill(
                    subject.account, period, history, tariffs, rules, balance=position.amount
                )
            except MissingBaseReading:
                closed.skipped[NO_BASE] += 1
                continue
            except CannotEstimate:
                closed.skipped[NO_ESTIMATE] += 1
                continue
            except TariffNotFound:
                closed.skipped[NO_TARIFF] += 1
                continue
            estimates.append((number, reading, bill))
        if not dry_run and estimates:
            # A reading that came in meanwhile keeps its account out.
            stored = set(await storage.record_estimates(estimates))
            estimates = [estimate for estimate in estimates if estimate[0] in stored]
        closed.estimated.update(bill.basis.value for _, _, bill in estimates)
        if progress is not None:
            progress(len(numbers))
    return closed


def schedule_period_close(
    scheduler: AsyncIOScheduler,
    settings: Settings,
    storage: ClosingStore,
    clock: Callable[[], datetime],
    supervisor: Supervisor | None = None,
) -> None:
    """Close the month that has just ended on the 1st at 03:00 local time (or on a restart
    later that day). With a supervisor the closing runs as its task: a failure (the database
    gone for a while) is retried with backoff until the month is closed."""
    trigger = CronTrigger(**CLOSE_AT, timezone=settings.billing.tz)

    async def close() -> None:
        now = clock()
        period = last_closed_period(settings, now)
        closed = await close_period(storage, settings, period, now)
        log.info("closed %s", closed.summary())

    async def job() -> None:
        if supervisor is not None:
            if CLOSE_TASK not in supervisor.running:
                supervisor.spawn(CLOSE_TASK, close)
            return
        try:
            await close()
        except StorageError as exc:
            log.error("closing failed; run `meterbot close-period` to retry: %s", exc)

    scheduler.add_job(
        job,
        trigger,
        id="close-period",
        name="close the month's period",
        misfire_grace_time=int(CLOSE_GRACE.total_seconds()),
        coalesce=True,
        max_instances=1,
        next_run_time=first_run_time(trigger, clock(), CLOSE_GRACE),
    )


async def close_period_command(settings: Settings, args: argparse.Namespace) -> int:
    """`meterbot close-period [--period YYYY-MM] [--dry-run]`; the month just ended by default."""
    now = datetime.now(UTC)
    try:
        period = Period.parse(args.period) if args.period else last_closed_period(settings, now)
    except ValueError:
        print(f"meterbot: close-period: --period must look like YYYY-MM (got {args.period!r})",
              file=sys.stderr)  # fmt: skip
        return 2
    from bot.operator import open_operator_database

    storage = await open_operator_database(settings)
    try:
        with tqdm(
            unit=" accounts", desc=f"close {period}", disable=not sys.stderr.isatty()
        ) as bar:
            closed = await close_period(
                storage, settings, period, now, dry_run=args.dry_run, progress=bar.update
            )
    except PeriodStillOpen as exc:
        print(f"meterbot: close-period: {exc}", file=sys.stderr)
        return 2
    finally:
        await storage.close()
    print(closed.summary(dry_run=args.dry_run))
    return 0
