"""The supervisor: whatever a task raises, it is logged, counted and started again with backoff."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.observability import Metrics
from bot.supervisor import Backoff, Supervisor

NO_JITTER = Backoff(first=1.0, cap=8.0, factor=2.0, jitter=0.0)


class Sleeps:
    """Records the backoff delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


class Oddity(BaseException):
    """Not even an Exception: aiogram's ClientDecodeError is at least that, some are not."""


async def test_any_exception_restarts_the_task_with_capped_exponential_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics, sleeps = Metrics(), Sleeps()
    supervisor = Supervisor(metrics, backoff=NO_JITTER, sleep=sleeps)
    errors: list[BaseException] = [
        ValueError("bad JSON"), Oddity("odd"), OSError("reset"), KeyError("k"), RuntimeError("x"),
        TimeoutError(), LookupError("gone"),
    ]  # fmt: skip
    runs = 0

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if errors:
            raise errors.pop(0)

    with caplog.at_level(logging.ERROR, logger="bot.supervisor"):
        await supervisor.spawn("telegram-polling", flaky, channel="telegram")

    assert runs == 8  # seven failures, then it ran to the end
    assert sleeps.delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    restarts = metrics.registry.get_sample_value(
        "meterbot_task_restarts_total", {"task": "telegram-polling"}
    )
    assert restarts == 7
    first = caplog.records[0]
    assert "task telegram-polling stopped (ValueError: bad JSON); restart 1 in 1.0 s" in (
        first.getMessage()
    )
    assert first.channel == "telegram"  # type: ignore[attr-defined]
    assert first.exc_info is not None  # the traceback is logged now, not at shutdown


async def test_a_forever_task_that_returns_is_restarted_too() -> None:
    sleeps = Sleeps()
    supervisor = Supervisor(backoff=NO_JITTER, sleep=sleeps)
    runs = 0
    done = asyncio.Event()

    async def loop_that_gives_up() -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            done.set()
            await asyncio.Event().wait()

    task = supervisor.spawn("housekeeping", loop_that_gives_up, forever=True)
    await asyncio.wait_for(done.wait(), 2)
    assert supervisor.restarts == {"housekeeping": 2}
    assert supervisor.running == ["housekeeping"]
    await supervisor.stop()
    assert task.cancelled()
    assert supervisor.running == []


async def test_a_long_healthy_run_starts_the_backoff_over(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps = Sleeps()
    backoff = Backoff(first=1.0, cap=60.0, jitter=0.0, healthy_after=10.0)
    supervisor = Supervisor(backoff=backoff, sleep=sleeps)
    now = [0.0]
    monkeypatch.setattr("bot.supervisor.time.monotonic", lambda: now[0])
    durations = [0.0, 0.0, 0.0, 30.0, 0.0]

    async def work() -> None:
        if durations:
            now[0] += durations.pop(0)
            raise RuntimeError("down")

    await supervisor.spawn("campaign-opening", work)
    assert sleeps.delays == [1.0, 2.0, 4.0, 1.0, 2.0]


async def test_cancelling_stops_only_the_named_tasks() -> None:
    supervisor = Supervisor()
    a = supervisor.spawn("a", asyncio.Event().wait, forever=True)
    b = supervisor.spawn("b", asyncio.Event().wait, forever=True)
    await asyncio.sleep(0)
    await supervisor.stop({"a"})
    assert a.cancelled()
    assert not b.done()
    await supervisor.stop()
    assert b.cancelled()


def test_jitter_stays_within_its_spread() -> None:
    backoff = Backoff(first=2.0, cap=10.0, jitter=0.1)
    delays = [backoff.delay(n) for n in range(1, 50)]
    assert all(1.8 <= d <= 11.0 for d in delays)
    assert max(delays) >= 9.0
