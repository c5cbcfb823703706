"""Reminder campaigns: scheduled, durable, paced, never sent twice (README.md, "Reminders").

Entry points: `ReminderService` (the scheduler, `run_campaign`, resumption, `progress` for
/metrics) and `bot.reminders.cli.remind_command` (`meterbot remind`).
"""

from bot.reminders.campaigns import CampaignProgress, WindowNotOpen, campaign_progress
from bot.reminders.model import CampaignSummary, ReminderKind, SkipReason
from bot.reminders.service import ReminderService

__all__ = [
    "CampaignProgress",
    "CampaignSummary",
    "ReminderKind",
    "ReminderService",
    "SkipReason",
    "WindowNotOpen",
    "campaign_progress",
]
