from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from billing_core import Period, SubmissionWindow

from .factories import account

MSK = ZoneInfo("Europe/Moscow")
WINDOW = SubmissionWindow(15, 26, MSK)


def msk(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=MSK)


@pytest.mark.parametrize(
    ("now", "is_open", "period", "days_left", "next_opening"),
    [
        pytest.param(msk(2026, 11, 14, 23, 59), False, Period(2026, 11), 0, date(2026, 11, 15),
                     id="day-before-opening"),
        pytest.param(msk(2026, 11, 15, 0, 0), True, Period(2026, 11), 12, date(2026, 12, 15),
                     id="opening-midnight"),
        pytest.param(msk(2026, 11, 24), True, Period(2026, 11), 3, date(2026, 12, 15),
                     id="conversations-example-3-days-left"),
        pytest.param(msk(2026, 11, 26, 23, 59), True, Period(2026, 11), 1, date(2026, 12, 15),
                     id="last-day-counts-itself"),
        pytest.param(msk(2026, 11, 27, 0, 0), False, Period(2026, 12), 0, date(2026, 12, 15),
                     id="after-close-belongs-to-next-month"),
        pytest.param(msk(2026, 12, 31, 18), False, Period(2027, 1), 0, date(2027, 1, 15),
                     id="year-end"),
        pytest.param(msk(2027, 1, 1), False, Period(2027, 1), 0, date(2027, 1, 15),
                     id="new-year-day"),
        # 21:30 UTC on the 26th is already the 27th in Moscow (UTC+3): closed.
        pytest.param(datetime(2026, 11, 26, 21, 30, tzinfo=UTC), False, Period(2026, 12), 0,
                     date(2026, 12, 15), id="utc-input-converted-to-moscow"),
        pytest.param(datetime(2026, 11, 14, 21, 0, tzinfo=UTC), True, Period(2026, 11), 12,
                     date(2026, 12, 15), id="utc-evening-is-moscow-opening"),
    ],
)  # fmt: skip
def test_default_window(
    now: datetime, is_open: bool, period: Period, days_left: int, next_opening: date
) -> None:
    assert WINDOW.is_open(now) is is_open
    assert WINDOW.period_for(now) == period
    assert WINDOW.days_left(now) == days_left
    assert WINDOW.next_opening(now) == next_opening


@pytest.mark.parametrize(
    ("start", "end", "period", "opens", "closes"),
    [
        pytest.param(25, 31, Period(2026, 2), date(2026, 2, 25), date(2026, 2, 28), id="feb"),
        pytest.param(25, 31, Period(2028, 2), date(2028, 2, 25), date(2028, 2, 29), id="leap-feb"),
        pytest.param(25, 31, Period(2026, 4), date(2026, 4, 25), date(2026, 4, 30), id="april"),
        pytest.param(30, 31, Period(2026, 2), date(2026, 2, 28), date(2026, 2, 28),
                     id="both-clamped"),
        pytest.param(15, 26, Period(2026, 12), date(2026, 12, 15), date(2026, 12, 26), id="dec"),
    ],
)  # fmt: skip
def test_days_clamped_to_month_length(
    start: int, end: int, period: Period, opens: date, closes: date
) -> None:
    window = SubmissionWindow(start, end, MSK)
    assert window.opens_on(period) == opens
    assert window.closes_on(period) == closes


def test_short_month_window_open_on_last_day_and_closed_on_first_of_next() -> None:
    window = SubmissionWindow(25, 31, MSK)
    assert window.is_open(msk(2026, 2, 28))
    assert window.days_left(msk(2026, 2, 28)) == 1
    assert not window.is_open(msk(2026, 3, 1))
    assert window.period_for(msk(2026, 3, 1)) == Period(2026, 3)
    assert window.next_opening(msk(2026, 3, 1)) == date(2026, 3, 25)


def test_window_ending_on_31st_rolls_over_the_year() -> None:
    window = SubmissionWindow(20, 31, MSK)
    assert window.period_for(msk(2026, 12, 31, 23, 59)) == Period(2026, 12)
    assert window.next_opening(msk(2026, 12, 31)) == date(2027, 1, 20)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(None, None, (15, 26), id="no-override"),
        pytest.param(1, 10, (1, 10), id="both-days"),
        pytest.param(None, 25, (15, 25), id="end-only"),
    ],
)
def test_per_account_override(
    start: int | None, end: int | None, expected: tuple[int, int]
) -> None:
    acc = replace(account(), window_start_day=start, window_end_day=end)
    window = WINDOW.for_account(acc)
    assert (window.start_day, window.end_day) == expected
    assert window.tz is MSK


@pytest.mark.parametrize(
    ("start", "end"),
    [pytest.param(0, 10, id="zero"), pytest.param(20, 10, id="reversed"),
     pytest.param(1, 32, id="past-31")],
)  # fmt: skip
def test_invalid_days_refused(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="window days"):
        SubmissionWindow(start, end, MSK)


def test_naive_now_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        WINDOW.is_open(datetime(2026, 11, 20, 12))


def test_days_left_counts_down_across_the_window() -> None:
    start = msk(2026, 11, 15)
    left = [WINDOW.days_left(start + timedelta(days=n)) for n in range(13)]
    assert left == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
