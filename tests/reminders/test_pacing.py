"""The pacer measured on a virtual clock: spacing, burst and pauses, with no wall-time waits."""

from __future__ import annotations

import asyncio

import pytest

from bot.reminders.pacing import Pacer
from tests.reminders.fakes import VirtualTimer


async def times_of(pacer: Pacer, timer: VirtualTimer, count: int) -> list[float]:
    times = []
    for _ in range(count):
        await pacer.acquire()
        times.append(timer.monotonic())
    return times


def most_in_any_window(times: list[float], width: float) -> int:
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= width - 1e-9:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_paces_evenly_at_the_rate() -> None:
    timer = VirtualTimer()
    pacer = Pacer(30, timer)
    times = await times_of(pacer, timer, 301)
    assert times[-1] - times[0] == pytest.approx(10.0)
    assert most_in_any_window(times, 1.0) == 30


async def test_burst_lets_a_few_through_at_once_then_keeps_the_rate() -> None:
    timer = VirtualTimer()
    pacer = Pacer(100, timer, burst=5)
    times = await times_of(pacer, timer, 505)
    assert times[:5] == [times[0]] * 5  # the burst
    assert times[5] > times[0]
    assert most_in_any_window(times, 1.0) <= 100 + 5
    assert times[-1] - times[0] == pytest.approx(5.0, abs=0.05)


async def test_pause_holds_everyone_then_resumes_without_a_burst() -> None:
    timer = VirtualTimer()
    pacer = Pacer(10, timer, burst=3)
    await times_of(pacer, timer, 3)
    paused_at = timer.monotonic()
    pacer.pause(5.0)
    after = await times_of(pacer, timer, 3)
    assert after[0] >= paused_at + 5.0
    assert after[1] - after[0] == pytest.approx(0.1)
    assert after[2] - after[1] == pytest.approx(0.1)


async def test_a_pause_during_a_wait_delays_the_waiter() -> None:
    timer = VirtualTimer()
    pacer = Pacer(1, timer)
    await pacer.acquire()
    start = timer.monotonic()
    waiter = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)  # the waiter now sleeps towards start + 1
    pacer.pause(30)
    await waiter
    assert timer.monotonic() >= start + 30


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0, VirtualTimer())
