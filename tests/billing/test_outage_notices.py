"""When residents hear of an outage: the rules of billing_core.outages.due_notice."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from billing_core.outages import NoticeRules, OutageKind, OutageStatus, due_notice

MSK = ZoneInfo("Europe/Moscow")
RULES = NoticeRules(time(18, 0), timedelta(minutes=60), MSK)
STARTS = datetime(2026, 12, 10, 10, 0, tzinfo=MSK)
ENDS = datetime(2026, 12, 10, 16, 0, tzinfo=MSK)


def due(
    now: datetime,
    sent: dict[str, datetime] | None = None,
    *,
    kind: OutageKind = OutageKind.PLANNED,
    status: OutageStatus = OutageStatus.ACTIVE,
    revision: int = 1,
) -> str | None:
    return due_notice(kind, status, STARTS, ENDS, revision, sent or {}, now, RULES)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MSK)


def test_planned_is_announced_at_18_the_day_before() -> None:
    assert due(at(9, 17, 59)) is None
    assert due(at(9, 18, 0)) == "announce-1"
    assert due(at(8, 18, 0)) is None  # two days before: not yet


def test_planned_announced_late_goes_at_once() -> None:
    assert due(at(9, 23, 0)) == "announce-1"
    assert due(at(10, 9, 30)) == "announce-1"  # only the announcement, never two at once


def test_reminder_an_hour_before_unless_just_told() -> None:
    announced = {"announce-1": at(9, 18, 0)}
    assert due(at(10, 8, 59), announced) is None
    assert due(at(10, 9, 0), announced) == "reminder-1"
    assert due(at(10, 9, 0), {**announced, "reminder-1": at(10, 9, 0)}) is None
    assert due(at(10, 9, 30), {"announce-1": at(10, 9, 10)}) is None  # told 20 minutes ago
    assert due(at(10, 10, 30), announced) is None  # started: no reminder any more


def test_emergency_at_once_and_no_reminder() -> None:
    assert due(at(1, 3, 0), kind=OutageKind.EMERGENCY) == "announce-1"
    told = {"announce-1": at(1, 3, 0)}
    assert due(at(10, 9, 30), told, kind=OutageKind.EMERGENCY) is None


def test_a_change_is_news_only_for_those_told() -> None:
    assert due(at(9, 12, 0), revision=2) is None  # nobody told yet: the announcement will say
    assert due(at(9, 18, 0), revision=2) == "announce-2"
    told = {"announce-1": at(9, 18, 0)}
    assert due(at(9, 20, 0), told, revision=2) == "change-2"
    assert due(at(9, 20, 5), {**told, "change-2": at(9, 20, 0)}, revision=2) is None


def test_a_cancellation_once_and_only_for_those_told() -> None:
    cancelled = OutageStatus.CANCELLED
    assert due(at(9, 19, 0), status=cancelled, revision=2) is None
    told = {"announce-1": at(9, 18, 0)}
    assert due(at(9, 19, 0), told, status=cancelled, revision=2) == "cancel-2"
    assert due(at(9, 19, 1), {**told, "cancel-2": at(9, 19, 0)}, status=cancelled) is None


def test_nothing_once_it_is_over() -> None:
    assert due(at(10, 16, 0), kind=OutageKind.EMERGENCY) is None
    assert due(at(10, 16, 0), {"announce-1": at(9, 18)}, status=OutageStatus.CANCELLED) is None
