"""The scheduler on PostgreSQL: any process may run it, exactly one does, another takes over
within seconds when the leader's connection goes, and a job missed meanwhile runs once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.config import Settings
from bot.leadership import lead
from bot.reminders.service import ReminderService
from storage.base import RecipientStatus, Storage, open_storage
from storage.leader import AlwaysLeader, PostgresLeaderLock
from tests.pg import ADMIN_DSN, fresh_database
from tests.reminders.fakes import FakeChannel, VirtualTimer, add_resident, fake_render

MSK = ZoneInfo("Europe/Moscow")
OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=MSK)
EVERY = 0.1


async def kill_backends(url: str, *, application: str | None = None) -> int:
    """pg_terminate_backend on the database's sessions (those of one application_name)."""
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        query = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()"
        )
        args: list[object] = [name]
        if application is not None:
            query += " AND application_name = $2"
            args.append(application)
        return int(await admin.fetchval(query, *args))
    finally:
        await admin.close()


async def terminate(pid: int) -> bool:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        return bool(await admin.fetchval("SELECT pg_terminate_backend($1)", pid))
    finally:
        await admin.close()


class Candidate:
    """One process's part in the election: what `lead` calls, recorded."""

    def __init__(self, name: str, lock: PostgresLeaderLock, log: list[str]) -> None:
        self.name, self.lock, self.log = name, lock, log
        self.leading = False
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(lead(self.lock, self._elected, self._deposed, every=EVERY))

    async def _elected(self) -> None:
        self.leading = True
        self.log.append(f"{self.name} elected")

    async def _deposed(self) -> None:
        self.leading = False
        self.log.append(f"{self.name} deposed")

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def until(predicate: Callable[[], bool], seconds: float = 10.0) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < seconds, "not in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.mark.postgres
async def test_exactly_one_leads_and_another_takes_over_when_its_connection_is_killed() -> None:
    async with fresh_database() as url:
        log: list[str] = []
        first = Candidate("first", PostgresLeaderLock(url, "scheduler"), log)
        second = Candidate("second", PostgresLeaderLock(url, "scheduler"), log)
        first.start()
        await until(lambda: first.leading)
        second.start()
        await asyncio.sleep(5 * EVERY)
        assert not second.leading  # the lock is taken: it stands by
        # The leader's session dies, as when its process is killed or its connection cut.
        assert await terminate(first.lock.server_pid())
        took = await until(lambda: second.leading)
        await until(lambda: not first.leading)
        assert log[:3] in (
            ["first elected", "first deposed", "second elected"],
            ["first elected", "second elected", "first deposed"],
        )
        # The first stands by now: it asks again and again and does not lead.
        await asyncio.sleep(5 * EVERY)
        assert not first.leading
        await second.stop()
        took_back = await until(lambda: first.leading)
        await first.stop()
    print(f"\nleader's connection killed: another process led {took:.2f} s later")
    assert took < 3.0
    assert took_back < 3.0


class LostOnce:
    """A lock granted, lost at each check; asked for a second time, the test has seen enough."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    async def try_acquire(self) -> bool:
        self.calls.append("try")
        if self.calls.count("try") == 2:
            raise asyncio.CancelledError
        return True

    async def held(self) -> bool:
        self.calls.append("held")
        return False

    async def release(self) -> None:
        self.calls.append("release")


async def test_a_deposed_leader_leaves_the_next_turn_to_those_standing_by() -> None:
    calls: list[str] = []

    async def sleep(seconds: float) -> None:
        calls.append(f"sleep {seconds:g}")

    async def noted(what: str) -> None:
        calls.append(what)

    with pytest.raises(asyncio.CancelledError):
        await lead(
            LostOnce(calls),
            lambda: noted("elected"),
            lambda: noted("deposed"),
            every=1.5,
            sleep=sleep,
        )
    # Lost at the first check: deposed, then twice `every` before asking again, while one
    # standing by asks within `every`.
    assert calls == ["try", "elected", "held", "deposed", "release", "sleep 3", "try"]


async def test_sqlite_always_leads() -> None:
    lock = AlwaysLeader()
    assert await lock.try_acquire()
    assert await lock.held()


def opening_missed(by: timedelta) -> Settings:
    """Settings whose opening reminder fired `by` ago today (Moscow time), as if nobody led."""
    now = datetime.now(MSK)
    by = min(by, timedelta(hours=now.hour, minutes=now.minute) - timedelta(minutes=1))
    fired = now - by
    billing = {"window_start_day": now.day, "window_end_day": max(now.day, 28)}
    reminders = {"opening_time": fired.time().replace(second=0, microsecond=0)}
    return Settings(billing=billing, reminders=reminders)  # type: ignore[arg-type]


def service_for(
    storage: Storage, settings: Settings, wire: list[tuple[str, str, float]]
) -> ReminderService:
    timer = VirtualTimer()
    channel = FakeChannel("telegram", 30, timer, delivered=wire)
    return ReminderService(
        settings, storage, {"telegram": channel}, timer=timer, render=fake_render
    )


@pytest.mark.postgres
async def test_a_reminder_missed_while_nobody_led_is_sent_once_by_the_next_leader() -> None:
    settings = opening_missed(timedelta(minutes=90))
    async with fresh_database() as url:
        storage = await open_storage(url)
        try:
            for index in range(1, 6):
                await add_resident(storage, index, at=datetime.now(MSK) - timedelta(days=1))
            wire: list[tuple[str, str, float]] = []
            # Nobody led when the reminder was due; the next leader catches it up once.
            await run_leader(service_for(storage, settings, wire), lambda: len(wire) == 5)
            # That leader dies; the one after it finds the campaign done and sends nothing more.
            await run_leader(service_for(storage, settings, wire), lambda: True, settle=0.5)
            [campaign_id] = [c for c in await all_campaigns(storage)]
            counts = await storage.campaign_counts(campaign_id)
        finally:
            await storage.close()
    users = [user for user, _, _ in wire]
    assert len(users) == len(set(users)) == 5
    assert counts.get(RecipientStatus.SENT) == 5


async def all_campaigns(storage: Storage) -> list[int]:
    from billing_core.models import Period

    campaign = await storage.find_campaign("opening", Period.of(datetime.now(MSK)))
    return [] if campaign is None else [campaign.id]


async def run_leader(
    service: ReminderService, done: Callable[[], bool], *, settle: float = 0.0
) -> None:
    async def elected() -> None:
        service.start()

    async def deposed() -> None:
        await service.shutdown()

    leading = asyncio.create_task(lead(AlwaysLeader(), elected, deposed, every=EVERY))
    try:
        await until(done)
        await asyncio.sleep(settle)
    finally:
        leading.cancel()
        await asyncio.gather(leading, return_exceptions=True)
