"""Trigger dates across months and year ends, misfires within the grace, a real scheduler run."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from billing_core.window import SubmissionWindow
from bot.config import BillingSettings, RemindersSettings, Settings
from bot.reminders.model import ReminderKind
from bot.reminders.schedule import (
    MISFIRE_GRACE,
    WindowTrigger,
    build_scheduler,
    first_run_time,
    triggers,
)

MSK = ZoneInfo("Europe/Moscow")
OPENING, LAST_CALL = ReminderKind.OPENING, ReminderKind.LAST_CALL


def msk(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=MSK)


def trigger(kind: ReminderKind, start: int = 15, end: int = 26, at: str = "") -> WindowTrigger:
    default = "10:00" if kind is OPENING else "18:00"
    return WindowTrigger(
        SubmissionWindow(start, end, MSK), kind, time.fromisoformat(at or default)
    )


def fire_times(trig: WindowTrigger, now: datetime, count: int) -> list[datetime]:
    fired: list[datetime] = []
    previous = None
    for _ in range(count):
        nxt = trig.get_next_fire_time(previous, now)
        assert nxt is not None
        fired.append(nxt)
        previous = nxt
    return fired


@pytest.mark.parametrize(
    ("kind", "now", "expected"),
    [
        pytest.param(OPENING, msk(2026, 11, 1), msk(2026, 11, 15, 10), id="opening-this-month"),
        pytest.param(OPENING, msk(2026, 11, 15, 10), msk(2026, 11, 15, 10), id="opening-exact"),
        pytest.param(OPENING, msk(2026, 11, 15, 10, 1), msk(2026, 12, 15, 10), id="opening-next"),
        pytest.param(OPENING, msk(2026, 12, 20), msk(2027, 1, 15, 10), id="opening-year-end"),
        pytest.param(LAST_CALL, msk(2026, 11, 1), msk(2026, 11, 25, 18), id="last-call"),
        pytest.param(LAST_CALL, msk(2026, 12, 25, 18, 0, 1), msk(2027, 1, 25, 18), id="lc-year"),
    ],
)
def test_next_fire_time(kind: ReminderKind, now: datetime, expected: datetime) -> None:
    assert trigger(kind).get_next_fire_time(None, now) == expected


def test_fire_times_follow_month_after_month_in_the_billing_zone() -> None:
    fired = fire_times(trigger(LAST_CALL), msk(2026, 10, 30), 4)
    assert fired == [msk(2026, 11, 25, 18), msk(2026, 12, 25, 18), msk(2027, 1, 25, 18),
                     msk(2027, 2, 25, 18)]  # fmt: skip
    assert all(moment.utcoffset() == timedelta(hours=3) for moment in fired)
    # Asked in UTC, the answer is the same instant: 15:00 UTC is 18:00 in Moscow.
    utc_now = msk(2026, 10, 30).astimezone(ZoneInfo("UTC"))
    assert trigger(LAST_CALL).get_next_fire_time(None, utc_now) == msk(2026, 11, 25, 18)


def test_end_day_past_the_months_length_is_clamped_before_the_day_before() -> None:
    fired = fire_times(trigger(LAST_CALL, start=15, end=31), msk(2026, 11, 1), 4)
    assert [moment.date().isoformat() for moment in fired] == [
        "2026-11-29",  # November closes on the 30th
        "2026-12-30",
        "2027-01-30",
        "2027-02-27",  # February 2027 closes on the 28th
    ]
    leap = trigger(LAST_CALL, start=15, end=31).get_next_fire_time(None, msk(2028, 2, 1))
    assert leap == msk(2028, 2, 28, 18)  # 2028 is a leap year: closes on the 29th


def test_end_day_1_puts_the_last_call_in_the_previous_month_and_year() -> None:
    trig = trigger(LAST_CALL, start=1, end=1)
    fired = fire_times(trig, msk(2026, 11, 20), 3)
    assert fired == [msk(2026, 11, 30, 18), msk(2026, 12, 31, 18), msk(2027, 1, 31, 18)]
    assert trig.get_next_fire_time(None, msk(2027, 2, 1)) == msk(2027, 2, 28, 18)


def test_start_day_past_the_months_length_opens_on_its_last_day() -> None:
    fired = fire_times(trigger(OPENING, start=31, end=31), msk(2027, 1, 31, 11), 2)
    assert fired == [msk(2027, 2, 28, 10), msk(2027, 3, 31, 10)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(msk(2026, 11, 15, 10, 5), msk(2026, 11, 15, 10), id="restart-at-10-05"),
        pytest.param(msk(2026, 11, 15, 12, 59), msk(2026, 11, 15, 10), id="within-grace"),
        pytest.param(msk(2026, 11, 15, 13, 1), msk(2026, 12, 15, 10), id="beyond-grace"),
        pytest.param(msk(2026, 11, 15, 9, 0), msk(2026, 11, 15, 10), id="before-fire-time"),
    ],
)
def test_first_run_time_picks_up_a_run_missed_within_the_grace(
    now: datetime, expected: datetime
) -> None:
    assert timedelta(hours=3) == MISFIRE_GRACE
    assert first_run_time(trigger(OPENING), now) == expected


def test_triggers_read_times_and_days_from_settings() -> None:
    settings = Settings(
        billing=BillingSettings(
            window_start_day=3, window_end_day=9, timezone="Asia/Yekaterinburg"
        ),
        reminders=RemindersSettings(opening_time=time(9, 30), last_call_time=time(19, 15)),
    )
    found = triggers(settings)
    now = datetime(2026, 11, 1, tzinfo=ZoneInfo("Asia/Yekaterinburg"))
    assert found[OPENING].get_next_fire_time(None, now) == now.replace(day=3, hour=9, minute=30)
    assert found[LAST_CALL].get_next_fire_time(None, now) == now.replace(day=8, hour=19, minute=15)


async def test_a_scheduler_restarted_after_the_fire_time_runs_the_missed_job_once() -> None:
    now = datetime.now(MSK)
    missed = now - timedelta(minutes=5)
    if missed.date() != now.date():
        pytest.skip("too close to midnight in Moscow for a same-day misfire")
    settings = Settings(
        billing=BillingSettings(window_start_day=now.day, window_end_day=31),
        reminders=RemindersSettings(
            opening_time=missed.time().replace(microsecond=0), last_call_time=time(23, 59)
        ),
    )
    calls: list[ReminderKind] = []
    ran = asyncio.Event()

    async def job(kind: ReminderKind) -> None:
        calls.append(kind)
        ran.set()

    scheduler = build_scheduler(settings, job, clock=lambda: datetime.now(MSK))
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), timeout=5)
        await asyncio.sleep(0.2)  # a second run, were there one, would come now
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
    assert calls == [OPENING]
    opening = scheduler.get_job("reminder-opening")
    assert opening is None or opening.next_run_time > now  # next month, not again today
