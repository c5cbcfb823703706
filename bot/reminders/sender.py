"""The paced sender: works through a campaign's rows, each channel at its own pace.

Marking order — no duplicates is the rule that wins. A row is claimed (status `sending`) BEFORE
its message goes out and finished (sent, blocked, failed, skipped) after. A process that dies
between the two leaves the row `sending`; such a row is never sent again and is reported as
"unknown", because the message may already have reached the resident. The window is small: per
channel, the rows being sent right now plus one short batch waiting for the pacer, and outcomes
not yet written (at most 64 rows or 50 ms, see outcomes.py); a crash leaves at most that many
ambiguous. A graceful stop (cancelling `run`) gives claimed rows whose send has not begun back
to pending, lets sends already under way finish for a few seconds and writes every outcome.

A restart resumes exactly where the run stopped: it claims the pending rows that are left.
Several processes may run the same campaign at once (PostgreSQL claims with SKIP LOCKED), and
none sends a row another has claimed. The pace is per process.

Per row, just before the send, the row is checked again (the resident may have turned reminders
off, blocked the bot or submitted since the campaign was written) and the text is rendered by
`dialogs.reminders.render_reminder` with the account's own window dates and days left.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from billing_core.models import AccountStatus, Period
from billing_core.window import SubmissionWindow
from bot.channels import ChannelSender, SendOutcome, SendResult
from bot.reminders.model import Clock, ReminderKind, SendTally, SkipReason
from bot.reminders.outcomes import OutcomeBuffer
from bot.reminders.pacing import Pacer
from dialogs.replies import Reply
from storage.base import Campaign, CampaignStore, ChatProfile, Recipient, RecipientStatus

log = logging.getLogger(__name__)

CHANNELS = ("telegram", "viber", "max", "console")  # every channel a chat can belong to (ChatRef)
Prepared = tuple[Recipient, Reply]  # a claimed row and the message it gets
RenderReminder = Callable[[str, str, str, str, Period, date, int], Reply]
Progress = Callable[[str], None]  # called with the row's final status each time one finishes


@dataclass(frozen=True)
class SenderOptions:
    max_attempts: int = 3  # a transient failure is retried until this many attempts in all
    backoff_seconds: float = 1.0  # channel pause after a transient failure, doubling each time
    max_backoff_seconds: float = 60.0
    drain_seconds: float = 5.0  # on a graceful stop, how long sends under way may finish
    max_in_flight: int | None = None  # per channel; default from the pace (see in_flight_for)
    batch_size: int | None = None  # rows claimed at a time; default from the pace (batch_for)


def in_flight_for(rate: float) -> int:
    """Sends on the wire at once per channel: enough to keep pace at ~200 ms a request."""
    return max(4, min(50, math.ceil(rate * 0.2)))


def batch_for(rate: float) -> int:
    """Rows claimed at a time: 50 ms worth. Two batches (one going out, one checked ahead) and
    the sends on the wire are all a crash can leave claimed but unsent."""
    return max(1, min(50, math.ceil(rate * 0.05)))


def burst_for(rate: float) -> float:
    """The pacer's burst: one message plus 10 ms worth, so that a wake-up a little late (timer
    granularity, a busy loop) is caught up instead of lost, without a real burst at a low pace."""
    return 1.0 + rate * 0.01


def default_render() -> RenderReminder:
    from dialogs.reminders import render_reminder

    return render_reminder


class CampaignSender:
    """Sends one campaign's pending rows through the configured channels."""

    def __init__(
        self,
        storage: CampaignStore,
        senders: Mapping[str, ChannelSender],
        pacers: Mapping[str, Pacer],
        window: SubmissionWindow,
        *,
        clock: Clock,
        render: RenderReminder | None = None,
        options: SenderOptions | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.storage = storage
        self.senders = senders
        self.pacers = pacers
        self.window = window
        self.clock = clock
        self.render = render or default_render()
        self.options = options or SenderOptions()
        self.progress = progress

    async def run(self, campaign: Campaign) -> SendTally:
        """Send every pending row; return what this run did. Cancel it to stop gracefully."""
        tally = SendTally()
        async with OutcomeBuffer(self.storage) as outcomes:
            await self._run_channels(campaign, tally, outcomes)
            await asyncio.shield(self._skip_unserved(campaign, tally, outcomes))
        return tally

    async def _skip_unserved(
        self, campaign: Campaign, tally: SendTally, outcomes: OutcomeBuffer
    ) -> None:
        """Rows of a channel with no sender here (its token was removed since the campaign was
        written) would keep the campaign open for ever: they are skipped."""
        reason = SkipReason.NO_CHANNEL.value
        for channel in sorted(set(CHANNELS) - set(self.senders)):
            while rows := await self.storage.claim_recipients(campaign.id, 100, channel=channel):
                for row in rows:
                    await outcomes.add(row.id, RecipientStatus.SKIPPED, reason)
                    tally.skipped[reason] += 1
                    self.report(RecipientStatus.SKIPPED)

    async def _run_channels(
        self, campaign: Campaign, tally: SendTally, outcomes: OutcomeBuffer
    ) -> None:
        runs = [
            _ChannelRun(self, campaign, name, sender, self.pacers[name], tally, outcomes)
            for name, sender in self.senders.items()
        ]
        tasks = [asyncio.create_task(run.run(), name=f"remind-{run.channel}") for run in runs]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            # A cancelled or failed run stops every channel, each one gracefully.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def prepare(self, campaign: Campaign, row: Recipient) -> Reply | SkipReason:
        """The message for this row now, or why it gets none."""
        # A chat with no profile yet has the defaults (storage chooses it on the same terms).
        profile = await self.storage.get_profile(row.chat) or ChatProfile(row.chat)
        if profile.blocked:
            return SkipReason.BLOCKED
        if not profile.reminders_on:
            return SkipReason.REMINDERS_OFF
        bindings = await self.storage.bindings(row.chat)
        binding = next((b for b in bindings if b.account == row.account), None)
        if binding is None:
            return SkipReason.ACCOUNT_GONE
        account = await self.storage.get_account(row.account)
        if account is None:
            return SkipReason.ACCOUNT_GONE
        if account.status is not AccountStatus.ACTIVE:
            return SkipReason.ACCOUNT_INACTIVE
        now = self.clock()
        window = self.window.for_account(account)
        if not window.is_open(now) or window.period_for(now) != campaign.period:
            return SkipReason.WINDOW_CLOSED
        kind = ReminderKind(campaign.kind)
        if kind.only_missing and await self.storage.current_reading(row.account, campaign.period):
            return SkipReason.ALREADY_SUBMITTED
        return self.render(
            kind.value,
            profile.locale,
            binding.alias,  # renamed since the campaign was written: the current name
            account.pretty,
            campaign.period,
            window.closes_on(campaign.period),
            window.days_left(now),
        )

    def report(self, status: str) -> None:
        if self.progress is not None:
            self.progress(status)


class _ChannelRun:
    """One channel of one campaign: claim a short batch, send each row at the pace, repeat."""

    def __init__(
        self,
        owner: CampaignSender,
        campaign: Campaign,
        channel: str,
        sender: ChannelSender,
        pacer: Pacer,
        tally: SendTally,
        outcomes: OutcomeBuffer,
    ) -> None:
        self.owner = owner
        self.outcomes = outcomes
        self.storage = owner.storage
        self.options = owner.options
        self.campaign = campaign
        self.channel = channel
        self.sender = sender
        self.pacer = pacer
        self.tally = tally
        self.width = self.options.max_in_flight or in_flight_for(pacer.rate)
        self.batch_size = self.options.batch_size or batch_for(pacer.rate)
        self.tasks: dict[asyncio.Task[None], int] = {}  # task -> row id
        self.recording: set[int] = set()  # rows whose outcome is being written: never cut off
        self.failures_in_a_row = 0

    async def run(self) -> None:
        slots = asyncio.Semaphore(self.width)
        batch: list[Prepared] = []
        ahead: asyncio.Task[list[Prepared]] | None = asyncio.create_task(self._claim())
        try:
            while ahead is not None:
                # Shielded: a stop must not cut the claim's transaction short (see _stop).
                batch, ahead = await asyncio.shield(ahead), None
                if not batch:
                    if not self.tasks:
                        return
                    # Rows given back after a transient failure come back as pending: look again
                    # once the sends under way are done.
                    await asyncio.wait(list(self.tasks))
                    ahead = asyncio.create_task(self._claim())
                    continue
                # Claim and check the next batch while this one goes out.
                ahead = asyncio.create_task(self._claim())
                while batch:
                    await slots.acquire()
                    try:
                        await self.pacer.acquire()
                    except BaseException:
                        slots.release()
                        raise
                    row, message = batch.pop(0)
                    task = asyncio.create_task(self._deliver(row, message))
                    self.tasks[task] = row.id
                    task.add_done_callback(lambda done: self._done(done, slots))
        except BaseException:
            await self._stop(batch, ahead)
            raise

    async def _claim(self) -> list[Prepared]:
        """The next short batch of rows that get a message; rows that get none are recorded."""
        while True:
            rows = await self.storage.claim_recipients(
                self.campaign.id, self.batch_size, channel=self.channel
            )
            if not rows:
                return []
            try:
                checked = await asyncio.gather(
                    *(self.owner.prepare(self.campaign, row) for row in rows)
                )
            except BaseException:
                await self._release(rows)
                raise
            sendable: list[Prepared] = []
            for row, message in zip(rows, checked, strict=True):
                if isinstance(message, SkipReason):
                    await self.outcomes.add(row.id, RecipientStatus.SKIPPED, message.value)
                    self.tally.skipped[message.value] += 1
                    self.owner.report(RecipientStatus.SKIPPED)
                else:
                    sendable.append((row, message))
            if sendable:
                return sendable

    def _done(self, task: asyncio.Task[None], slots: asyncio.Semaphore) -> None:
        self.recording.discard(self.tasks.pop(task, 0))
        slots.release()
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("reminder row left unfinished: %r", exc, exc_info=exc)

    async def _stop(
        self, batch: list[Prepared], ahead: asyncio.Task[list[Prepared]] | None
    ) -> None:
        # Claimed rows whose send has not begun go back to pending ...
        unsent = [row for row, _ in batch]
        if ahead is not None:
            await asyncio.wait([ahead])
            if not ahead.cancelled() and ahead.exception() is None:
                unsent += [row for row, _ in ahead.result()]
        await self._release(unsent)
        # ... and sends under way may finish for a while: cut off, their rows stay unknown.
        # Only a send is cut off, never the writing of its outcome.
        if self.tasks:
            _, late = await asyncio.wait(list(self.tasks), timeout=self.options.drain_seconds)
            for task in late:
                if self.tasks.get(task) not in self.recording:
                    task.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks))

    async def _release(self, rows: list[Recipient]) -> None:
        for row in rows:
            try:
                await asyncio.shield(self.storage.release_recipient(row.id))
            except Exception as exc:  # the row stays claimed: reported unknown, never re-sent
                log.warning("could not give back reminder row %s: %r", row.id, exc)

    async def _deliver(self, row: Recipient, message: Reply) -> None:
        result = await self._send(row, message)
        self.recording.add(row.id)
        await self._record(row, result)

    async def _send(self, row: Recipient, message: Reply) -> SendResult:
        while True:
            try:
                result = await self.sender.send(row.chat.user_id, [message])
            except Exception as exc:
                # Adapters turn errors into FAILED; one that raises must not stall the campaign.
                log.warning("%s send raised: %r", self.channel, exc)
                result = SendResult(SendOutcome.FAILED, detail=repr(exc))
            if result.outcome is not SendOutcome.RETRY_AFTER:
                return result
            # A 429 is not a failure: the channel waits as told and the same row goes again.
            self.tally.rate_limited += 1
            self.pacer.pause(max(result.retry_after, 1.0 / self.pacer.rate))
            await self.pacer.acquire()

    async def _record(self, row: Recipient, result: SendResult) -> None:
        status: str
        if result.outcome is SendOutcome.SENT:
            self.failures_in_a_row = 0
            status = RecipientStatus.SENT
            await self.outcomes.add(row.id, status)
            self.tally.sent += 1
        elif result.outcome is SendOutcome.BLOCKED:
            self.failures_in_a_row = 0
            status = RecipientStatus.BLOCKED
            await self.storage.set_blocked(row.chat, True)
            await self.outcomes.add(row.id, status, result.detail)
            self.tally.blocked += 1
        elif result.permanent or row.attempts + 1 >= self.options.max_attempts:
            status = RecipientStatus.FAILED
            detail = result.detail
            if not result.permanent:
                detail = f"{detail} (after {row.attempts + 1} attempts)"
            await self.outcomes.add(row.id, status, detail)
            self.tally.failed += 1
        else:
            # Transient (network, 5xx): back to pending with one more attempt; the channel backs
            # off, since such failures usually hit every row alike.
            self.failures_in_a_row += 1
            backoff = self.options.backoff_seconds * 2 ** (self.failures_in_a_row - 1)
            self.pacer.pause(min(backoff, self.options.max_backoff_seconds))
            await self.storage.release_recipient(row.id)
            self.tally.retried += 1
            return
        self.owner.report(status)
