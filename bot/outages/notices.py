"""Outage notices: due notices written as campaigns, sent by the reminder campaigns' machinery.

Every `POLL_SECONDS` the service looks at the outages not yet over and writes the notice due
of each (billing_core.outages.due_notice) as a campaign of kind `outage:<id>:<key>`: one row
a chat bound to an account in one of its buildings (a cancellation: a chat told of it before),
for channels with a sender here. A notice is written once (campaigns are unique per kind), so
an outage imported from the command line while `meterbot run` serves reaches its residents at
the next look, within a minute, and a restart neither repeats nor loses one.

Each open outage campaign is then sent by `OutageNoticeSender`, the reminders' paced sender
with its own per-row check: claimed before the send, never sent twice, resumed after a
restart, each channel at its configured pace (shared with reminders running at the same time).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from billing_core.models import AccountStatus
from billing_core.outages import Notice, NoticeRules, OutageStatus, due_notice, notice_of
from bot.channels import ChannelSender
from bot.config import Settings
from bot.reminders.model import Clock, SkipReason, utc_now
from bot.reminders.pacing import Pacer
from bot.reminders.sender import CampaignSender, SenderOptions
from bot.supervisor import Supervisor
from dialogs.outages import OutageView, render_notice
from dialogs.replies import Reply
from storage.base import Campaign, CampaignStore, ChatProfile, Recipient
from storage.outages import OutageStore, StoredOutage, parse_campaign_kind

log = logging.getLogger(__name__)


class NoticeStore(CampaignStore, OutageStore, Protocol):
    """What the notices need: the outages, and the campaigns they are sent as."""


POLL_SECONDS = 20.0  # an emergency reaches its residents within a minute
OUTAGE_FRESH_SECONDS = 5.0  # how long a sender trusts the outage it read (a cancel may come)


def notice_rules(settings: Settings) -> NoticeRules:
    outages = settings.outages
    return NoticeRules(
        outages.planned_notice_time,
        timedelta(minutes=outages.planned_reminder_minutes),
        settings.billing.tz,
    )


@dataclass(frozen=True)
class WrittenNotice:
    outage: str  # the operator's id
    key: str
    campaign_id: int
    rows: int  # chats to tell, in the channels served here


class OutageNoticeSender(CampaignSender):
    """The paced campaign sender with the outage notice's per-row check and text."""

    def __init__(
        self,
        storage: NoticeStore,
        senders: Mapping[str, ChannelSender],
        pacers: Mapping[str, Pacer],
        settings: Settings,
        *,
        clock: Clock,
        options: SenderOptions | None = None,
    ) -> None:
        super().__init__(
            storage,
            senders,
            pacers,
            settings.billing.submission_window(),
            clock=clock,
            options=options,
        )
        self.store: OutageStore = storage
        self.tz = settings.billing.tz
        self._read: dict[int, tuple[float, StoredOutage | None]] = {}

    async def prepare(self, campaign: Campaign, row: Recipient) -> Reply | SkipReason:
        parsed = parse_campaign_kind(campaign.kind)
        if parsed is None:  # not an outage campaign: never given to this sender
            return SkipReason.NO_CHANNEL
        outage_id, key = parsed
        profile = await self.storage.get_profile(row.chat) or ChatProfile(row.chat)
        if profile.blocked:
            return SkipReason.BLOCKED
        if not await self.store.outage_notices_on(row.chat):
            return SkipReason.OUTAGES_OFF
        binding = next(
            (b for b in await self.storage.bindings(row.chat) if b.account == row.account), None
        )
        account = await self.storage.get_account(row.account)
        if binding is None or account is None:
            return SkipReason.ACCOUNT_GONE
        if account.status is AccountStatus.CLOSED:
            return SkipReason.ACCOUNT_INACTIVE
        outage = await self._outage(outage_id)
        notice = notice_of(key)
        if outage is None:
            return SkipReason.OUTAGE_OVER
        if notice is not Notice.CANCEL and (
            outage.status is OutageStatus.CANCELLED or outage.ends <= self.clock()
        ):
            return SkipReason.OUTAGE_OVER
        view = OutageView(outage.kind, outage.starts, outage.ends, outage.reason)
        return render_notice(
            notice, profile.locale, view, binding.alias, account.pretty, account.address, self.tz
        )

    async def _outage(self, outage_id: int) -> StoredOutage | None:
        now = time.monotonic()
        read = self._read.get(outage_id)
        if read is None or now - read[0] > OUTAGE_FRESH_SECONDS:
            read = (now, await self.store.outage_by_id(outage_id))
            self._read[outage_id] = read
        return read[1]


class OutageNotices:
    """Writes due outage notices and sends them; `start()` in the running loop, then
    `shutdown()`. Shares the channels' pacers with the reminders of the same process."""

    def __init__(
        self,
        settings: Settings,
        storage: NoticeStore,
        senders: Mapping[str, ChannelSender],
        pacers: Mapping[str, Pacer],
        *,
        clock: Clock = utc_now,
        options: SenderOptions | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.store: OutageStore = storage
        self.senders = dict(senders)
        self.pacers = pacers
        self.rules = notice_rules(settings)
        self.clock = clock
        self.options = options
        self.poll_seconds = poll_seconds
        self.sending: dict[int, asyncio.Task[None]] = {}  # campaign id -> its send
        self._loop: asyncio.Task[None] | None = None
        self._supervisor: Supervisor | None = None

    def sender(self) -> OutageNoticeSender:
        return OutageNoticeSender(
            self.storage, self.senders, self.pacers, self.settings, clock=self.clock,
            options=self.options,
        )  # fmt: skip

    async def write_due(self) -> list[WrittenNotice]:
        """Write every notice due now as a campaign (not yet sent)."""
        written: list[WrittenNotice] = []
        now = self.clock()
        refreshed = False
        for outage in await self.store.outages_to_watch(now):
            sent = await self.store.outage_notices(outage.id)
            key = due_notice(
                outage.kind, outage.status, outage.starts, outage.ends, outage.revision, sent,
                now, self.rules,
            )  # fmt: skip
            if key is None:
                continue
            if not refreshed:  # addresses changed since: their building keys are read again
                await self.store.refresh_buildings()
                refreshed = True
            written.append(await self._write(outage, key))
        return written

    async def _write(self, outage: StoredOutage, key: str) -> WrittenNotice:
        # Rows only for channels with a sender here, as reminders: a console chat has nobody
        # to push to. A cancellation goes to the chats told of the outage before.
        campaign_id, rows = await self.store.write_notice(
            outage.id, key, sorted(self.senders), self.clock(),
            told_only=notice_of(key) is Notice.CANCEL,
        )  # fmt: skip
        log.info("outage %s: %s notice written for %s chats", outage.ref, key, rows)
        return WrittenNotice(outage.ref, key, campaign_id, rows)

    async def send_open(self) -> list[int]:
        """Start sending every open outage campaign not being sent yet; their ids."""
        started = []
        for campaign_id in await self.storage.open_campaigns():
            if campaign_id in self.sending:
                continue
            campaign = await self.storage.get_campaign(campaign_id)
            if campaign is None or parse_campaign_kind(campaign.kind) is None:
                continue
            task = self._spawn(f"outage-{campaign_id}", functools.partial(self._send, campaign))
            self.sending[campaign_id] = task
            task.add_done_callback(functools.partial(self._sent, campaign_id))
            started.append(campaign_id)
        return started

    async def tick(self) -> list[WrittenNotice]:
        """One look: write what is due, start sending what is open."""
        written = await self.write_due()
        await self.send_open()
        return written

    async def drain(self) -> None:
        """Wait for every send under way (tests, and the command line)."""
        while self.sending:
            await asyncio.gather(*self.sending.values(), return_exceptions=True)
            await asyncio.sleep(0)

    def start(self, supervisor: Supervisor | None = None) -> None:
        """Look every `poll_seconds` until shutdown; under `supervisor` when given, the loop and
        each campaign's send (started again whatever they raise, and counted)."""
        self._supervisor = supervisor
        self._loop = self._spawn("outage-notices", self._run, forever=True)

    def _spawn(
        self, name: str, work: Callable[[], Coroutine[Any, Any, None]], *, forever: bool = False
    ) -> asyncio.Task[None]:
        if self._supervisor is None:
            return asyncio.create_task(work(), name=name)
        return self._supervisor.spawn(name, work, forever=forever)

    async def _send(self, campaign: Campaign) -> None:
        tally = await self.sender().run(campaign)
        log.info(
            "outage campaign %s: sent %s, blocked %s, failed %s, skipped %s",
            campaign.id, tally.sent, tally.blocked, tally.failed, sum(tally.skipped.values()),
        )  # fmt: skip

    async def shutdown(self) -> None:
        tasks: list[asyncio.Task[Any]] = list(self.sending.values())
        if self._loop is not None:
            tasks.append(self._loop)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception as exc:  # a busy database must not end the notices for good
                log.warning("outage notices: %r", exc)
            await asyncio.sleep(self.poll_seconds)

    def _sent(self, campaign_id: int, task: asyncio.Task[None]) -> None:
        # Under the supervisor a send that raised has been started again already; without one
        # (tests, the command line) it is logged, and the next look starts it again.
        self.sending.pop(campaign_id, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("outage campaign %s stopped: %r", campaign_id, exc, exc_info=exc)
