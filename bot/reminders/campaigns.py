"""Campaigns: choose the recipients, write the campaign once per (kind, period), send it.

CampaignStore chooses the chats (reminders on, not blocked, active accounts; for the last call only
accounts with no reading for the period). Rows are written only for channels that have a sender
here: console residents are never reminded, and without any channel token nothing is written.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from billing_core.models import Period
from billing_core.window import SubmissionWindow
from bot.reminders.model import CampaignSummary, Clock, ReminderKind, SkipReason
from bot.reminders.sender import CampaignSender
from storage.base import Campaign, CampaignStore, Recipient

log = logging.getLogger(__name__)


class WindowNotOpen(Exception):
    """A reminder was asked for while no submission window is open: nothing is sent."""

    def __init__(self, window: SubmissionWindow, period: Period) -> None:
        self.period = period
        opens, closes = window.opens_on(period), window.closes_on(period)
        super().__init__(
            f"the submission window for {period} is not open yet "
            f"({opens.isoformat()} – {closes.isoformat()}): no reminder is sent"
        )


@dataclass(frozen=True)
class CampaignProgress:
    """One campaign's rows by status, for /metrics."""

    campaign_id: int
    kind: str
    period: Period
    counts: dict[str, int]


def current_period(window: SubmissionWindow, clock: Clock) -> Period:
    """The period a reminder sent now is about; WindowNotOpen outside the window."""
    now = clock()
    period = window.period_for(now)
    if not window.is_open(now):
        raise WindowNotOpen(window, period)
    return period


async def choose_recipients(
    storage: CampaignStore, kind: ReminderKind, period: Period, channels: Mapping[str, object]
) -> tuple[list[Recipient], Counter[str]]:
    """Rows to write (channels with a sender only) and the count left out, by reason."""
    candidates = await storage.campaign_candidates(period, only_missing=kind.only_missing)
    chosen = [row for row in candidates if row.chat.channel in channels]
    left_out: Counter[str] = Counter()
    if len(chosen) < len(candidates):
        left_out[SkipReason.NO_CHANNEL.value] = len(candidates) - len(chosen)
    return chosen, left_out


async def open_campaign(
    storage: CampaignStore,
    kind: ReminderKind,
    period: Period,
    channels: Mapping[str, object],
    clock: Clock,
) -> tuple[Campaign, bool, Counter[str]]:
    """The campaign of (kind, period): written now with its rows, or the one written before."""
    existing = await storage.find_campaign(kind.value, period)
    left_out: Counter[str] = Counter()
    if existing is None:
        rows, left_out = await choose_recipients(storage, kind, period, channels)
        campaign_id, created = await storage.create_campaign(kind.value, period, rows, clock())
        if created:
            log.info(
                "%s campaign %s for %s created: %d recipients, %d left out",
                kind.value,
                campaign_id,
                period,
                len(rows),
                sum(left_out.values()),
            )
    else:
        campaign_id, created = existing.id, False
    campaign = await storage.get_campaign(campaign_id)
    if campaign is None:  # written a moment ago: only a concurrent delete could cause this
        raise LookupError(f"campaign {campaign_id} vanished")
    return campaign, created, left_out if created else Counter()


async def send_campaign(
    campaign: Campaign,
    sender: CampaignSender,
    *,
    created: bool = False,
    left_out: Counter[str] | None = None,
) -> CampaignSummary:
    """Send what is pending of a campaign (new or resumed) and summarise it."""
    tally = await sender.run(campaign)
    totals = await sender.storage.campaign_counts(campaign.id)
    return CampaignSummary(
        campaign_id=campaign.id,
        kind=ReminderKind(campaign.kind),
        period=campaign.period,
        created=created,
        run=tally,
        totals=totals,
        not_written=left_out or Counter(),
    )


async def run_campaign(
    kind: ReminderKind, storage: CampaignStore, sender: CampaignSender
) -> CampaignSummary:
    """Remind now: write the campaign for the current period (once) and send it.

    Raises WindowNotOpen outside the submission window. Calling it again for the same period
    resumes the campaign written before: nobody gets the reminder twice.
    """
    period = current_period(sender.window, sender.clock)
    campaign, created, left_out = await open_campaign(
        storage, kind, period, sender.senders, sender.clock
    )
    return await send_campaign(campaign, sender, created=created, left_out=left_out)


async def campaign_progress(storage: CampaignStore) -> list[CampaignProgress]:
    """Counts per status of every open campaign (one with a pending row), for /metrics."""
    progress = []
    for campaign_id in await storage.open_campaigns():
        campaign = await storage.get_campaign(campaign_id)
        if campaign is None:
            continue
        counts = await storage.campaign_counts(campaign_id)
        progress.append(CampaignProgress(campaign_id, campaign.kind, campaign.period, counts))
    return progress
