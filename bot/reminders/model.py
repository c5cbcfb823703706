"""The nouns of reminders: the two kinds, skip reasons, and a campaign's summary."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from billing_core.models import Period
from storage.base import RecipientStatus

Clock = Callable[[], datetime]  # an aware "now"


def utc_now() -> datetime:
    return datetime.now(UTC)


class ReminderKind(enum.StrEnum):
    OPENING = "opening"  # on the window's first day, to everyone
    LAST_CALL = "last-call"  # on the day before its last day, to those who have not submitted

    @property
    def only_missing(self) -> bool:
        return self is ReminderKind.LAST_CALL


class SkipReason(enum.StrEnum):
    """Why a row got no message; stored as the row's detail and counted in the summary."""

    NO_CHANNEL = "channel not configured"  # console residents, or a channel without a token
    REMINDERS_OFF = "reminders turned off"
    BLOCKED = "blocked or unsubscribed"
    ACCOUNT_INACTIVE = "account automatic or closed"
    ACCOUNT_GONE = "account or binding no longer exists"
    ALREADY_SUBMITTED = "reading already submitted"
    WINDOW_CLOSED = "submission window not open"
    OUTAGES_OFF = "outage notices turned off"
    OUTAGE_OVER = "outage cancelled or over"


@dataclass
class SendTally:
    """What one sender run did; several runs (processes, restarts) add up in storage."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0  # transient failures put back for another attempt
    rate_limited: int = 0  # 429 answers honoured (not failures)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def finished(self) -> int:
        return self.sent + self.blocked + self.failed + sum(self.skipped.values())


@dataclass(frozen=True)
class CampaignSummary:
    """A campaign after a run: this run's tally and the durable totals per row status.

    `unknown` are rows claimed for sending whose outcome was never recorded (a crash between the
    claim and the record): they are never sent again, since the message may have gone out.
    """

    campaign_id: int
    kind: ReminderKind
    period: Period
    created: bool
    run: SendTally
    totals: dict[str, int]
    not_written: Counter[str] = field(default_factory=Counter)  # left out at creation, by reason

    def total(self, status: str) -> int:
        return self.totals.get(status, 0)

    @property
    def pending(self) -> int:
        return self.total(RecipientStatus.PENDING)

    @property
    def unknown(self) -> int:
        return self.total(RecipientStatus.SENDING)

    def skipped_by_reason(self) -> Counter[str]:
        reasons = Counter(self.not_written)
        reasons.update(self.run.skipped)
        return reasons
