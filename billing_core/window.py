"""The monthly submission window: when readings are accepted and which period they belong to.

Mosenergosbyt accepts readings from the 15th to the 26th inclusive, Moscow time (docs/domain.md,
"The submission window"); the days and the zone come from configuration, and an account may
carry its own days.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo

from billing_core.models import Account, Period


@dataclass(frozen=True, slots=True)
class SubmissionWindow:
    """Days of the month (inclusive) on which readings are accepted, in the time zone `tz`.

    A day past the month's end is clamped to its last day (end_day 31 closes on 30 November).
    Every method taking `now` needs an aware datetime; it is converted to `tz` first.
    """

    start_day: int
    end_day: int
    tz: tzinfo

    def __post_init__(self) -> None:
        if not 1 <= self.start_day <= self.end_day <= 31:
            raise ValueError(
                f"window days must satisfy 1 <= start <= end <= 31, "
                f"got {self.start_day}..{self.end_day}"
            )

    def for_account(self, account: Account) -> SubmissionWindow:
        """This window with the account's own start/end day, where it has one."""
        start = account.window_start_day or self.start_day
        end = account.window_end_day or self.end_day
        if (start, end) == (self.start_day, self.end_day):
            return self
        return replace(self, start_day=start, end_day=end)

    def today(self, now: datetime) -> date:
        """The local date of `now` in the window's time zone."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(self.tz).date()

    def opens_on(self, period: Period) -> date:
        return date(period.year, period.month, _clamp(period, self.start_day))

    def closes_on(self, period: Period) -> date:
        return date(period.year, period.month, _clamp(period, self.end_day))

    def is_open(self, now: datetime) -> bool:
        day = self.today(now)
        period = Period.of(day)
        return self.opens_on(period) <= day <= self.closes_on(period)

    def period_for(self, now: datetime) -> Period:
        """The billing period a reading given at `now` belongs to.

        Up to the window's last day it is the current month; after it, the next month (Rules 354:
        readings that arrive late count in the next period).
        """
        day = self.today(now)
        period = Period.of(day)
        return period if day <= self.closes_on(period) else period.next()

    def days_left(self, now: datetime) -> int:
        """Days on which readings are still accepted, today included; 0 when closed."""
        if not self.is_open(now):
            return 0
        day = self.today(now)
        return (self.closes_on(Period.of(day)) - day).days + 1

    def next_opening(self, now: datetime) -> date:
        """The first day of the next window that has not opened yet (strictly after today)."""
        day = self.today(now)
        period = Period.of(day)
        opening = self.opens_on(period)
        return opening if day < opening else self.opens_on(period.next())


def _clamp(period: Period, day: int) -> int:
    return min(day, calendar.monthrange(period.year, period.month)[1])
