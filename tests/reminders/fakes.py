"""Fakes at the reminder seams: a virtual clock, a scripted channel, a seeded database."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

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
from bot.channels import SendOutcome, SendResult
from dialogs.events import ChatRef
from dialogs.replies import Button, Reply
from storage.base import ChatProfile, ImportRow, Storage


class VirtualTimer:
    """Monotonic time that moves only when someone sleeps: the pace is measured, not waited.

    Sleepers wake in the order of their deadlines, and time jumps to the next deadline only
    after every task that can run has had its turn, as it would on a real clock with no
    waiting in between; so one channel's long pause lets the others go on meanwhile.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = itertools.count()
        self._mover: asyncio.Task[None] | None = None

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._count), wake))
        if self._mover is None or self._mover.done():
            self._mover = asyncio.create_task(self._move())
        await wake

    async def _move(self) -> None:
        while self._sleepers:
            for _ in range(RUNNABLE_TURNS):
                await asyncio.sleep(0)
            deadline, _, wake = heapq.heappop(self._sleepers)
            self.now = max(self.now, deadline)
            if not wake.done():  # a cancelled sleeper is skipped
                wake.set_result(None)


# Loop passes given to the tasks that can run before the clock moves on: enough for a sender
# to get from one wait to the next (storage calls that finish without a hand-over included).
RUNNABLE_TURNS = 10


Script = Callable[[str, int], SendResult]  # (user id, how many times this user was tried) → result


@dataclass
class FakeChannel:
    """A ChannelSender that records every delivery with the virtual time it happened at."""

    channel: str
    messages_per_second: float
    timer: VirtualTimer | None = None
    script: Script | None = None
    delay: float = 0.0  # real seconds each send takes (lets a test stop mid-flight)
    hang: set[str] = field(default_factory=set)  # sends to these never return (on the wire)
    all_hung: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: list[tuple[str, str, float]] = field(default_factory=list)  # (user, text, t)
    tries: dict[str, int] = field(default_factory=dict)
    calls: int = 0

    async def send(self, user_id: str, replies: Sequence[Reply]) -> SendResult:
        self.calls += 1
        self.tries[user_id] = self.tries.get(user_id, 0) + 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if user_id in self.hang:
            if self.hang <= self.tries.keys():
                self.all_hung.set()
            await asyncio.Event().wait()
        result = SendResult(SendOutcome.SENT)
        if self.script is not None:
            result = self.script(user_id, self.tries[user_id])
        if result.outcome is SendOutcome.SENT:
            moment = self.timer.monotonic() if self.timer else 0.0
            self.delivered.append((user_id, replies[0].text, moment))
        return result

    def users(self) -> list[str]:
        return [user for user, _, _ in self.delivered]


def fake_render(
    kind: str,
    locale: str,
    alias: str,
    account_pretty: str,
    period: Period,
    closes_on: date,
    days_left: int,
) -> Reply:
    """Every argument in the text, so tests can see what the sender passed."""
    text = f"{kind}|{locale}|{alias}|{account_pretty}|{period}|{closes_on.isoformat()}|{days_left}"
    return Reply(text, ((Button("Submit", "submit"),),))


def number(index: int) -> str:
    return f"{7700000000 + index:010d}"


def account(index: int, status: AccountStatus = AccountStatus.ACTIVE, **fields: object) -> Account:
    meter = Meter(serial=f"S{index:06d}", kind=MeterKind.SINGLE)
    return Account(number=number(index), meter=meter, status=status, **fields)  # type: ignore[arg-type]


async def add_resident(
    storage: Storage,
    index: int,
    *,
    channel: str = "telegram",
    status: AccountStatus = AccountStatus.ACTIVE,
    reminders_on: bool = True,
    blocked: bool = False,
    locale: str = "ru",
    user: str | None = None,
    at: datetime,
) -> ChatRef:
    """One account, one chat bound to it (alias "home <index>"), and the chat's profile."""
    await storage.upsert_accounts([ImportRow(account=account(index, status))])
    chat = ChatRef(channel, user or f"u{index}")
    await storage.save_profile(
        ChatProfile(chat, locale=locale, consent_at=at, reminders_on=reminders_on, blocked=blocked)
    )
    await storage.bind(chat, number(index), f"home {index}", at)
    return chat


async def add_reading(storage: Storage, index: int, period: Period, at: datetime) -> None:
    reading = MeterReading(
        period, {Register.T1: Decimal(100 + index)}, ReadingSource.RESIDENT, at, "telegram"
    )
    bill = Bill(number(index), period, BillBasis.ACTUAL, (), Decimal("0.00"), date(2030, 1, 10))
    await storage.record_submission(number(index), reading, bill)
