"""The reminder service the composition root starts: scheduler, pacers, resumption, metrics.

    service = ReminderService(settings, storage, {"telegram": tg_sender, "viber": viber_sender})
    service.start()            # inside the running loop; resumes open campaigns at once
    ...
    await service.shutdown()   # graceful: unsent claimed rows go back to pending

Campaigns run under the supervisor (`bot.supervisor`): one that raises (a database gone for a
while) is started again with backoff and resumes where it stopped, as a campaign is durable.

Each channel has one pacer for the whole process, so two campaigns running at once (a resumed
one and a scheduled one) share the channel's pace instead of doubling it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.channels import ChannelSender
from bot.config import Settings
from bot.reminders.campaigns import (
    CampaignProgress,
    WindowNotOpen,
    campaign_progress,
    run_campaign,
    send_campaign,
)
from bot.reminders.model import CampaignSummary, Clock, ReminderKind, utc_now
from bot.reminders.pacing import Pacer, RealTimer, Timer
from bot.reminders.schedule import build_scheduler
from bot.reminders.sender import (
    CampaignSender,
    Progress,
    RenderReminder,
    SenderOptions,
    burst_for,
)
from bot.supervisor import Supervisor
from storage.base import CampaignStore

log = logging.getLogger(__name__)
REMINDER_KINDS = frozenset(kind.value for kind in ReminderKind)


def make_pacers(senders: Mapping[str, ChannelSender], timer: Timer) -> dict[str, Pacer]:
    return {
        name: Pacer(sender.messages_per_second, timer, burst=burst_for(sender.messages_per_second))
        for name, sender in senders.items()
    }


class ReminderService:
    """Schedules, runs and resumes reminder campaigns over the given channel senders."""

    def __init__(
        self,
        settings: Settings,
        storage: CampaignStore,
        senders: Mapping[str, ChannelSender],
        *,
        clock: Clock = utc_now,
        timer: Timer | None = None,
        render: RenderReminder | None = None,
        options: SenderOptions | None = None,
        supervisor: Supervisor | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.senders = dict(senders)
        self.window = settings.billing.submission_window()
        self.clock = clock
        self.pacers = make_pacers(self.senders, timer or RealTimer())
        self.render = render
        self.options = options
        self.scheduler: AsyncIOScheduler = build_scheduler(settings, self._fire, clock=clock)
        self.supervisor = supervisor or Supervisor()
        self._tasks: set[asyncio.Task[Any]] = set()  # this service's tasks, for shutdown

    def sender(self, progress: Progress | None = None) -> CampaignSender:
        return CampaignSender(
            self.storage,
            self.senders,
            self.pacers,
            self.window,
            clock=self.clock,
            render=self.render,
            options=self.options,
            progress=progress,
        )

    async def run_campaign(
        self, kind: ReminderKind, progress: Progress | None = None
    ) -> CampaignSummary:
        """Remind now (see campaigns.run_campaign); raises WindowNotOpen outside the window."""
        return await run_campaign(kind, self.storage, self.sender(progress))

    async def resume_open_campaigns(self) -> list[CampaignSummary]:
        """Finish every campaign that still has pending rows (after a crash or a restart)."""
        summaries = []
        for campaign_id in await self.storage.open_campaigns():
            campaign = await self.storage.get_campaign(campaign_id)
            # Other campaigns (outage notices) are sent by their own service.
            if campaign is not None and campaign.kind in REMINDER_KINDS:
                log.info("resuming %s campaign %s", campaign.kind, campaign.id)
                summary = await send_campaign(campaign, self.sender())
                _log_summary(summary)
                summaries.append(summary)
        return summaries

    async def progress(self) -> list[CampaignProgress]:
        """Rows per status of each open campaign, for /metrics."""
        return await campaign_progress(self.storage)

    def start(self) -> None:
        """Start the scheduler and resume open campaigns; call inside the running event loop."""
        if not self.senders:
            log.info("reminders: no channel token configured, nobody will be reminded")
        self.scheduler.start()
        self.spawn("campaign-resume", self._resume)

    async def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a loop callback
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _fire(self, kind: ReminderKind) -> None:
        # The campaign runs in a task of ours, so shutdown can stop it gracefully.
        self.spawn(f"campaign-{kind.value}", lambda: self._scheduled(kind))

    async def _scheduled(self, kind: ReminderKind) -> None:
        try:
            _log_summary(await self.run_campaign(kind))
        except WindowNotOpen as exc:
            log.warning("%s reminder: %s", kind.value, exc)

    async def _resume(self) -> None:
        await self.resume_open_campaigns()

    def spawn(self, name: str, work: Callable[[], Awaitable[object]]) -> None:
        """Run `work` supervised until it is done; shutdown cancels it."""
        task = self.supervisor.spawn(name, work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _log_summary(summary: CampaignSummary) -> None:
    log.info(
        "%s campaign %s for %s: sent %s, blocked %s, failed %s, skipped %s, unknown %s",
        summary.kind.value,
        summary.campaign_id,
        summary.period,
        summary.run.sent,
        summary.run.blocked,
        summary.run.failed,
        sum(summary.skipped_by_reason().values()),
        summary.unknown,
    )
