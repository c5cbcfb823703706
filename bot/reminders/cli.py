"""`meterbot remind opening|last-call [--dry-run]`: run a reminder campaign now.

Console residents are never reminded (the console channel has nobody to push to); with no
channel token configured the command says so in one line and sends nothing. `--dry-run` prints
whom a run would reach now, with masked account numbers, and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping
from typing import TextIO

from tqdm import tqdm

from bot.channels import ChannelSender
from bot.config import Settings
from bot.pseudonyms import tag
from bot.reminders.campaigns import (
    WindowNotOpen,
    current_period,
    open_campaign,
    send_campaign,
)
from bot.reminders.channels import channel_senders
from bot.reminders.model import CampaignSummary, Clock, ReminderKind, SkipReason, utc_now
from bot.reminders.service import ReminderService
from storage.base import CampaignStore, RecipientStatus

NO_CHANNEL = (
    "no channel token configured ([telegram] token, [viber] auth_token, [max] token): "
    "console residents are not reminded, nothing was sent"
)


async def remind_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.operator import open_operator_database

    kind = ReminderKind(args.kind)
    storage = await open_operator_database(settings)
    try:
        async with channel_senders(settings, storage) as senders:
            if args.dry_run:
                return await dry_run(settings, storage, kind, senders, sys.stdout)
            if not senders:
                print(f"meterbot: remind: {NO_CHANNEL}", file=sys.stderr)
                return 1
            return await remind(settings, storage, kind, senders, sys.stdout)
    finally:
        await storage.close()


async def remind(
    settings: Settings,
    storage: CampaignStore,
    kind: ReminderKind,
    senders: Mapping[str, ChannelSender],
    out: TextIO,
    clock: Clock = utc_now,
) -> int:
    service = ReminderService(settings, storage, senders, clock=clock)
    try:
        period = current_period(service.window, service.clock)
    except WindowNotOpen as exc:
        print(f"meterbot: remind: {exc}", file=sys.stderr)
        return 1
    campaign, created, left_out = await open_campaign(
        storage, kind, period, senders, service.clock
    )
    pending = (await storage.campaign_counts(campaign.id)).get(RecipientStatus.PENDING, 0)
    with tqdm(
        total=pending, unit="msg", desc=f"{kind.value} {period}", disable=not sys.stderr.isatty()
    ) as bar:
        summary = await send_campaign(
            campaign,
            service.sender(progress=lambda _status: bar.update()),
            created=created,
            left_out=left_out,
        )
    print_summary(summary, out)
    return 0


def print_summary(summary: CampaignSummary, out: TextIO) -> None:
    state = "written now" if summary.created else "resumed"
    run, total = summary.run, summary.total
    print(
        f"{summary.kind.value} reminder for {summary.period}, campaign {summary.campaign_id} "
        f"({state})",
        file=out,
    )
    print(
        f"  this run: sent {run.sent}, blocked {run.blocked}, failed {run.failed}, "
        f"skipped {sum(run.skipped.values())}, retried {run.retried}, 429 answers "
        f"{run.rate_limited}",
        file=out,
    )
    print(
        f"  campaign: sent {total(RecipientStatus.SENT)}, "
        f"blocked {total(RecipientStatus.BLOCKED)}, failed {total(RecipientStatus.FAILED)}, "
        f"skipped {total(RecipientStatus.SKIPPED)}, unknown {summary.unknown}, "
        f"pending {summary.pending}",
        file=out,
    )
    reasons = summary.skipped_by_reason()
    if reasons:
        print(f"  skipped by reason: {_by_count(reasons)}", file=out)
    if summary.unknown:
        print(
            f"  unknown: {summary.unknown} claimed but never confirmed (a stop mid-send, or "
            "another process still sending); they are not sent again",
            file=out,
        )


async def dry_run(
    settings: Settings,
    storage: CampaignStore,
    kind: ReminderKind,
    senders: Mapping[str, object],
    out: TextIO,
    clock: Clock = utc_now,
) -> int:
    window = settings.billing.submission_window()
    now = clock()
    period = window.period_for(now)
    print(f"dry run: {kind.value} reminder for {period}; nothing is written or sent", file=out)
    if not window.is_open(now):
        print(f"  note: {WindowNotOpen(window, period)}", file=out)
    existing = await storage.find_campaign(kind.value, period)
    if existing is not None:
        counts = await storage.campaign_counts(existing.id)
        print(
            f"  campaign {existing.id} exists ({_by_count(Counter(counts))}): a run would only "
            "send its pending rows",
            file=out,
        )
        return 0
    if not senders:
        print(f"  {NO_CHANNEL.replace('was sent', 'would be sent')}", file=out)
    everyone = await storage.campaign_candidates(period, only_missing=kind.only_missing)
    rows = [row for row in everyone if row.chat.channel in senders]
    for row in everyone:
        note = "" if row.chat.channel in senders else f"  (left out: {SkipReason.NO_CHANNEL})"
        print(f"  {masked(row.account)}  {row.chat.channel:<8}  {row.alias}{note}", file=out)
    by_channel = Counter(row.chat.channel for row in rows)
    print(f"would reach {len(rows)}: {_by_count(by_channel) or 'nobody'}", file=out)
    if len(everyone) > len(rows):
        print(f"left out: {len(everyone) - len(rows)} ({SkipReason.NO_CHANNEL})", file=out)
    return 0


def masked(account: str) -> str:
    """12345-***-** #3fa2c1: not the full account number, but two accounts of one building
    (the same first five digits) still print as two (bot/pseudonyms.py)."""
    return f"{account[:5]}-***-** {tag(account)}"


def _by_count(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.most_common() if count)
