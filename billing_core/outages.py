"""Outages of supply and when residents hear of them: pure rules, no clock (pass `now`).

An outage is planned or an emergency. Residents of its buildings are told:

- an emergency at once;
- a planned one at the notice time on the day before it starts (18:00 by default), or at
  once when it is announced later than that, and again a while before it starts (an hour by
  default) unless the last word reached them within that while;
- once more when its time changes (a later end is news too) or it is cancelled, provided
  they had heard of it before: news of an outage nobody was told about waits for its
  announcement, which carries the new times.

Nothing is said of an outage that is over. Each notice has a key (`announce-1`,
`change-2`, …: the kind and the outage's revision at the time) under which it is sent once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo


class OutageKind(enum.StrEnum):
    PLANNED = "planned"
    EMERGENCY = "emergency"


class OutageStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Notice(enum.StrEnum):
    ANNOUNCE = "announce"
    REMINDER = "reminder"
    CHANGE = "change"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class BuildingRef:
    """One affected building: by its GUID, or by the key its address reads as
    (`billing_core.buildings.building_key`), with the address as the operator wrote it."""

    house_id: str = ""
    building: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class Outage:
    """An outage as the operator describes it (times are aware)."""

    ref: str
    kind: OutageKind
    starts: datetime
    ends: datetime
    reason: str
    status: OutageStatus = OutageStatus.ACTIVE
    buildings: tuple[BuildingRef, ...] = ()

    def is_news_after(self, before: Outage) -> bool:
        """Whether residents told of `before` must hear of this version: another time, an
        extension or a cancellation (a new reason or building list alone is not news)."""
        return (self.starts, self.ends, self.status) != (before.starts, before.ends, before.status)


@dataclass(frozen=True, slots=True)
class NoticeRules:
    notice_time: time  # planned outages are announced at this time the day before
    reminder: timedelta  # and again this long before they start
    tz: tzinfo


def notice_key(notice: Notice, revision: int) -> str:
    return f"{notice.value}-{revision}"


def notice_of(key: str) -> Notice:
    return Notice(key.rsplit("-", 1)[0])


def revision_of(key: str) -> int:
    return int(key.rsplit("-", 1)[1])


def announce_at(kind: OutageKind, starts: datetime, rules: NoticeRules) -> datetime | None:
    """When a planned outage is announced; None for an emergency (at once)."""
    if kind is OutageKind.EMERGENCY:
        return None
    day_before = starts.astimezone(rules.tz).date() - timedelta(days=1)
    return datetime.combine(day_before, rules.notice_time, tzinfo=rules.tz)


def due_notice(
    kind: OutageKind,
    status: OutageStatus,
    starts: datetime,
    ends: datetime,
    revision: int,
    sent: Mapping[str, datetime],
    now: datetime,
    rules: NoticeRules,
) -> str | None:
    """The key of the notice due now, or None. `sent` maps the keys of the notices already
    written to when they were: at most one is due at a time, so a resident never gets two at
    once."""
    if now >= ends:
        return None
    told = bool(sent)
    if status is OutageStatus.CANCELLED:
        if told and not any(notice_of(key) is Notice.CANCEL for key in sent):
            return notice_key(Notice.CANCEL, revision)
        return None
    if not told:
        when = announce_at(kind, starts, rules)
        if when is None or now >= when:
            return notice_key(Notice.ANNOUNCE, revision)
        return None
    if max(revision_of(key) for key in sent) < revision:
        return notice_key(Notice.CHANGE, revision)
    remind_from = starts - rules.reminder
    if (
        kind is OutageKind.PLANNED
        and rules.reminder > timedelta(0)
        and remind_from <= now < starts
        and not any(notice_of(key) is Notice.REMINDER for key in sent)
        and max(sent.values()) < remind_from
    ):
        return notice_key(Notice.REMINDER, revision)
    return None
