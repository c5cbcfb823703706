"""Outage notices end to end below the messengers: written when due, sent once through every
channel's sender, in the chat's language, resumed after a restart, a cancellation told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from billing_core.buildings import building_key
from billing_core.models import Account, Meter, MeterKind
from billing_core.outages import BuildingRef, Outage, OutageKind
from bot.config import Settings
from bot.outages.notices import OutageNotices, OutageNoticeSender
from bot.reminders.model import SendTally
from bot.reminders.pacing import Pacer, RealTimer
from bot.supervisor import Backoff, Supervisor
from dialogs.events import ChatRef
from storage.base import (
    ChatProfile,
    ImportRow,
    RecipientStatus,
    Storage,
    StorageError,
    open_storage,
)
from tests.reminders.fakes import FakeChannel

MSK = ZoneInfo("Europe/Moscow")
AT = datetime(2026, 12, 1, 12, 0, tzinfo=MSK)
HOUSE = "Москва, ул. Ленина, д. 23"
GUID = "0c5b2444-70a0-4932-980c-b4dc0d3f02b5"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/outages.sqlite3"


@pytest.fixture
async def storage(db_url: str) -> AsyncIterator[Storage]:
    opened = await open_storage(db_url)
    try:
        yield opened
    finally:
        await opened.close()


def channels() -> dict[str, FakeChannel]:
    # "max" stands for any channel with a campaign sender: nothing here knows one from another.
    return {"telegram": FakeChannel("telegram", 1000.0), "max": FakeChannel("max", 1000.0)}


def service(
    storage: Storage, senders: dict[str, FakeChannel], clock: Clock, **settings: object
) -> OutageNotices:
    pacers = {
        name: Pacer(s.messages_per_second, RealTimer(), burst=5) for name, s in senders.items()
    }
    return OutageNotices(Settings(**settings), storage, senders, pacers, clock=clock)  # type: ignore[arg-type]


async def resident(
    storage: Storage,
    number: str,
    chat: ChatRef,
    address: str = f"{HOUSE}, кв. 1",
    *,
    locale: str = "ru",
    house_id: str | None = None,
) -> None:
    account = Account(number=number, meter=Meter(f"S{number}", MeterKind.SINGLE), address=address)
    await storage.upsert_accounts([ImportRow(account=account)])
    if house_id:
        await storage.set_house_ids([(number, house_id)])
    await storage.save_profile(ChatProfile(chat, locale=locale, consent_at=AT))
    await storage.bind(chat, number, "квартира", AT)


def outage(kind: OutageKind, starts: datetime, hours: int = 4, **fields: object) -> Outage:
    key = building_key(HOUSE)
    assert key is not None
    values: dict[str, object] = {
        "ref": "A-1", "kind": kind, "starts": starts, "ends": starts + timedelta(hours=hours),
        "reason": "Авария на подстанции", "buildings": (BuildingRef(building=key, address=HOUSE),),
    }  # fmt: skip
    values.update(fields)
    return Outage(**values)  # type: ignore[arg-type]


async def run_once(notices: OutageNotices) -> list[str]:
    written = await notices.tick()
    await notices.drain()
    return [w.key for w in written]


async def test_an_emergency_reaches_every_channel_at_once_in_each_language(
    storage: Storage,
) -> None:
    senders, clock = channels(), Clock(AT)
    await resident(storage, "1000000001", ChatRef("telegram", "ru"))
    await resident(storage, "1000000002", ChatRef("max", "en"), f"{HOUSE}, кв. 2", locale="en")
    await resident(storage, "1000000003", ChatRef("telegram", "far"), "Москва, ул. Ленина, д. 123")
    await resident(storage, "1000000004", ChatRef("telegram", "guid"), "Москва, Тверская 1",
                   house_id=GUID)  # fmt: skip
    await storage.save_outages(
        [outage(OutageKind.EMERGENCY, AT, buildings=(
            BuildingRef(building=building_key(HOUSE) or "", address=HOUSE),
            BuildingRef(house_id=GUID),
        ))],
        AT,
    )  # fmt: skip

    assert await run_once(service(storage, senders, clock)) == ["announce-1"]

    assert sorted(senders["telegram"].users()) == ["guid", "ru"]
    [(_, russian, _)] = [d for d in senders["telegram"].delivered if d[0] == "ru"]
    [(_, english, _)] = senders["max"].delivered
    assert russian == (
        "Аварийное отключение электроэнергии: 1 декабря с 12:00 до 16:00. Время окончания "
        "ориентировочное.\nАдрес: Москва, ул. Ленина, д. 23.\nПричина: Авария на подстанции."
    )
    assert english.startswith("Emergency power outage: December 1, 12:00 to 16:00.")
    assert "Address: Москва, ул. Ленина, д. 23." in english


async def test_planned_the_day_before_at_18_then_an_hour_before(storage: Storage) -> None:
    senders, clock = channels(), Clock(AT)
    await resident(storage, "1000000001", ChatRef("telegram", "1"))
    starts = datetime(2026, 12, 10, 10, 0, tzinfo=MSK)
    await storage.save_outages([outage(OutageKind.PLANNED, starts)], AT)
    notices = service(storage, senders, clock)

    assert await run_once(notices) == []
    clock.now = datetime(2026, 12, 9, 17, 59, tzinfo=MSK)
    assert await run_once(notices) == []
    clock.now = datetime(2026, 12, 9, 18, 0, tzinfo=MSK)
    assert await run_once(notices) == ["announce-1"]
    assert await run_once(notices) == []
    clock.now = datetime(2026, 12, 10, 9, 0, tzinfo=MSK)
    assert await run_once(notices) == ["reminder-1"]
    clock.now = datetime(2026, 12, 10, 9, 30, tzinfo=MSK)
    assert await run_once(notices) == []

    texts = [text for _, text, _ in senders["telegram"].delivered]
    assert [t.split(":")[0] for t in texts] == ["Плановое отключение электроэнергии", "Напоминаем"]


async def test_a_configured_hour_and_lead(storage: Storage) -> None:
    senders, clock = channels(), Clock(datetime(2026, 12, 9, 12, 0, tzinfo=MSK))
    await resident(storage, "1000000001", ChatRef("telegram", "1"))
    starts = datetime(2026, 12, 10, 10, 0, tzinfo=MSK)
    await storage.save_outages([outage(OutageKind.PLANNED, starts)], AT)
    notices = service(
        storage, senders, clock,
        outages={"planned_notice_time": "12:00", "planned_reminder_minutes": 15},
    )  # fmt: skip

    assert await run_once(notices) == ["announce-1"]
    clock.now = datetime(2026, 12, 10, 9, 44, tzinfo=MSK)
    assert await run_once(notices) == []
    clock.now = datetime(2026, 12, 10, 9, 45, tzinfo=MSK)
    assert await run_once(notices) == ["reminder-1"]


async def test_blocked_and_opted_out_chats_get_nothing(storage: Storage) -> None:
    senders, clock = channels(), Clock(AT)
    for user in ("told", "blocked", "quiet"):
        await resident(storage, f"100000000{len(user)}", ChatRef("telegram", user))
    await storage.set_blocked(ChatRef("telegram", "blocked"), True)
    await storage.set_outage_notices(ChatRef("telegram", "quiet"), False)
    await storage.save_outages([outage(OutageKind.EMERGENCY, AT)], AT)

    await run_once(service(storage, senders, clock))

    assert senders["telegram"].users() == ["told"]


async def test_notices_are_sent_once_across_a_restart(db_url: str, storage: Storage) -> None:
    clock = Clock(AT)
    for index in range(30):
        await resident(storage, f"{1000000000 + index}", ChatRef("telegram", f"u{index}"))
    await storage.save_outages([outage(OutageKind.EMERGENCY, AT)], AT)
    # Paced slowly enough that a stall of the loop under load cannot let all 30 out at once.
    first = {"telegram": FakeChannel("telegram", 20.0, delay=0.01)}
    before = service(storage, first, clock)
    await before.write_due()
    await before.send_open()
    for _ in range(1000):  # until a third has gone out
        if len(first["telegram"].delivered) >= 10:
            break
        await asyncio.sleep(0.005)
    await before.shutdown()  # a stop mid-campaign: claimed rows not yet sent go back

    restarted = await open_storage(db_url)
    try:
        second = {"telegram": FakeChannel("telegram", 1000.0)}
        assert await run_once(service(restarted, second, clock)) == []  # nothing new written
        told = first["telegram"].users() + second["telegram"].users()
        assert len(told) == len(set(told)) == 30
        assert second["telegram"].users()  # the rest was sent after the restart
        assert await run_once(service(restarted, second, clock)) == []
        assert len(second["telegram"].users()) == 30 - len(first["telegram"].users())
    finally:
        await restarted.close()


async def test_a_change_and_a_cancellation_are_told_once_to_those_told(storage: Storage) -> None:
    senders, clock = channels(), Clock(AT)
    await resident(storage, "1000000001", ChatRef("telegram", "early"))
    await storage.save_outages([outage(OutageKind.EMERGENCY, AT)], AT)
    notices = service(storage, senders, clock)
    assert await run_once(notices) == ["announce-1"]

    await storage.save_outages([outage(OutageKind.EMERGENCY, AT, hours=6)], AT)
    clock.now = AT + timedelta(minutes=30)
    assert await run_once(notices) == ["change-2"]
    await resident(storage, "1000000002", ChatRef("telegram", "late"), f"{HOUSE}, кв. 5")
    await storage.cancel_outage("A-1", AT)
    clock.now = AT + timedelta(minutes=31)
    assert await run_once(notices) == ["cancel-3"]
    assert await run_once(notices) == []

    texts = [text for user, text, _ in senders["telegram"].delivered if user == "early"]
    assert texts[1].startswith("Изменилось время отключения электроэнергии. Теперь: 1 декабря "
                               "с 12:00 до 18:00.")  # fmt: skip
    assert texts[2].startswith("Отключение электроэнергии 1 декабря с 12:00 до 18:00 отменено")
    assert senders["telegram"].users() == ["early", "early", "early"]  # "late" was never told
    [listed] = await storage.list_outages()
    assert listed.told == 1


async def test_rows_of_channels_without_a_sender_are_not_written(storage: Storage) -> None:
    senders, clock = {"telegram": FakeChannel("telegram", 1000.0)}, Clock(AT)
    await resident(storage, "1000000001", ChatRef("telegram", "1"))
    await resident(storage, "1000000002", ChatRef("console", "c"), f"{HOUSE}, кв. 2")
    await storage.save_outages([outage(OutageKind.EMERGENCY, AT)], AT)

    written = await service(storage, senders, clock).tick()

    assert [w.rows for w in written] == [1]
    counts = await storage.campaign_counts(written[0].campaign_id)
    assert sum(counts.values()) == 1
    assert (
        counts[RecipientStatus.PENDING]
        + counts[RecipientStatus.SENDING]
        + counts[RecipientStatus.SENT]
        == 1
    )


async def test_the_service_started_tells_of_an_outage_imported_while_it_runs(
    storage: Storage,
) -> None:
    senders, clock = channels(), Clock(AT)
    await resident(storage, "1000000001", ChatRef("telegram", "1"))
    notices = service(storage, senders, clock)
    notices.poll_seconds = 0.05  # a minute's look, shortened
    notices.start()
    try:
        await asyncio.sleep(0.2)
        assert senders["telegram"].delivered == []
        await storage.save_outages([outage(OutageKind.EMERGENCY, AT)], AT)
        for _ in range(100):
            if senders["telegram"].delivered:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # and only once
    finally:
        await notices.shutdown()
    assert senders["telegram"].users() == ["1"]


async def test_a_send_that_fails_is_started_again_by_the_supervisor_and_counted(
    storage: Storage,
) -> None:
    senders, clock = channels(), Clock(AT)
    await resident(storage, "1000000001", ChatRef("telegram", "1"))
    await resident(storage, "1000000002", ChatRef("max", "2"), f"{HOUSE}, кв. 2")
    await storage.save_outages([outage(OutageKind.EMERGENCY, AT)], AT)
    notices = service(storage, senders, clock)
    notices.poll_seconds = 3600.0  # no second look within the test: only a restart can send
    real_sender = notices.sender
    failures = [StorageError("database is locked")]

    def sender() -> OutageNoticeSender:
        made = real_sender()
        if failures:
            error = failures.pop()

            async def broken(campaign: object) -> SendTally:
                raise error

            made.run = broken  # type: ignore[method-assign]
        return made

    notices.sender = sender  # type: ignore[method-assign]
    supervisor = Supervisor(backoff=Backoff(first=0.05, cap=0.05, jitter=0.0))
    notices.start(supervisor)
    try:
        async with asyncio.timeout(20):
            while len(senders["telegram"].delivered) + len(senders["max"].delivered) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    finally:
        await notices.shutdown()
    [name] = supervisor.restarts
    assert name.startswith("outage-")
    assert supervisor.restarts[name] == 1
    assert senders["telegram"].users() == ["1"]
    assert senders["max"].users() == ["2"]
