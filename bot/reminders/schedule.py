"""When reminders go out: APScheduler 3.x jobs on triggers derived from the submission window.

The opening reminder fires on the window's first day at `[reminders] opening_time`, the last
call on the day before its last day at `last_call_time`, both in the billing time zone.

Why a trigger of our own rather than CronTrigger: the window's days are clamped to the month's
length (an end day of 31 closes on 30 November, so the last call is on the 29th), and with
`window_end_day = 1` the day before lies in the previous month. Cron fields cannot say "the day
before min(31, last day)"; `SubmissionWindow` already can, so the trigger asks it.

Missed runs: the job store is in memory, so after a restart APScheduler would only look forward.
`first_run_time` therefore starts the job at the most recent fire time within the grace period;
the scheduler sees a misfire within `misfire_grace_time` and runs it once (coalesce). A restart at
10:05 still sends the 10:00 campaign, and one that already went out is not written again:
campaigns are unique per (kind, period), so a second run only resumes what is pending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from billing_core.models import Period
from billing_core.window import SubmissionWindow
from bot.config import Settings
from bot.reminders.model import Clock, ReminderKind

MISFIRE_GRACE = timedelta(hours=3)  # 18:00 + 3 h is still an acceptable hour to message people


class WindowTrigger(BaseTrigger):  # type: ignore[misc]  # apscheduler 3 ships no types
    """Fires once a month on the day `kind` takes from the window, at `at` local time."""

    def __init__(self, window: SubmissionWindow, kind: ReminderKind, at: time) -> None:
        self.window = window
        self.kind = kind
        self.at = at

    def fire_date(self, period: Period) -> date:
        """The day this reminder goes out for `period` (a last call may fall a month earlier)."""
        if self.kind is ReminderKind.OPENING:
            return self.window.opens_on(period)
        return self.window.closes_on(period) - timedelta(days=1)

    def fire_time(self, period: Period) -> datetime:
        return datetime.combine(self.fire_date(period), self.at, tzinfo=self.window.tz)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        after = previous_fire_time or now
        # A fire time may lie in the month before its period (window_end_day = 1): start there.
        period = Period.of(after.astimezone(self.window.tz)).prev()
        for _ in range(24):
            candidate = self.fire_time(period)
            if candidate > after or (previous_fire_time is None and candidate == now):
                return candidate
            period = period.next()
        return None

    def __str__(self) -> str:
        return f"window[{self.kind.value} at {self.at.isoformat('minutes')}]"

    def __repr__(self) -> str:
        return f"<WindowTrigger {self.kind.value} at {self.at.isoformat('minutes')}>"


def triggers(settings: Settings) -> dict[ReminderKind, WindowTrigger]:
    window = settings.billing.submission_window()
    return {
        ReminderKind.OPENING: WindowTrigger(
            window, ReminderKind.OPENING, settings.reminders.opening_time
        ),
        ReminderKind.LAST_CALL: WindowTrigger(
            window, ReminderKind.LAST_CALL, settings.reminders.last_call_time
        ),
    }


def first_run_time(
    trigger: BaseTrigger, now: datetime, grace: timedelta = MISFIRE_GRACE
) -> datetime | None:
    """The job's first run: a fire time missed less than `grace` ago, else the next one."""
    fire_time: datetime | None = trigger.get_next_fire_time(None, now - grace)
    return fire_time


def build_scheduler(
    settings: Settings,
    job: Callable[[ReminderKind], Awaitable[None]],
    *,
    clock: Clock,
    tz: tzinfo | None = None,
) -> AsyncIOScheduler:
    """A scheduler (not started) with one job per reminder kind calling `job(kind)`."""
    zone = tz or settings.billing.tz
    scheduler = AsyncIOScheduler(timezone=zone)
    now = clock()
    for kind, trigger in triggers(settings).items():
        scheduler.add_job(
            job,
            trigger,
            args=(kind,),
            id=f"reminder-{kind.value}",
            name=f"{kind.value} reminder",
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
            coalesce=True,
            max_instances=1,
            next_run_time=first_run_time(trigger, now),
        )
    return scheduler
