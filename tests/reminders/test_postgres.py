"""Two bot processes sharing one campaign on PostgreSQL: every row is sent once, by one of them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.reminders.model import ReminderKind
from bot.reminders.service import ReminderService
from storage.base import RecipientStatus, open_storage
from tests.pg import fresh_database
from tests.reminders.fakes import FakeChannel, VirtualTimer, add_resident, fake_render

pytestmark = pytest.mark.postgres

OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
RESIDENTS = 150


async def test_two_senders_share_one_campaign_without_duplicates() -> None:
    async with fresh_database() as url:
        first_db = await open_storage(url)
        second_db = await open_storage(url)
        try:
            for index in range(1, RESIDENTS + 1):
                await add_resident(
                    first_db, index, channel="telegram" if index % 3 else "viber", at=OPENING_AT
                )
            wire: list[tuple[str, str, float]] = []  # every message either process put out
            services, channels = [], []
            for db in (first_db, second_db):
                timer = VirtualTimer()
                mine = {
                    "telegram": FakeChannel("telegram", 30, timer, delay=0.001, delivered=wire),
                    "viber": FakeChannel("viber", 20, timer, delay=0.001, delivered=wire),
                }
                channels.append(mine)
                services.append(
                    ReminderService(
                        Settings(),
                        db,
                        mine,
                        clock=lambda: OPENING_AT,
                        timer=timer,
                        render=fake_render,
                    )
                )
            summaries = await asyncio.gather(
                *(service.run_campaign(ReminderKind.OPENING) for service in services)
            )
        finally:
            await first_db.close()
            await second_db.close()

    users = [user for user, _, _ in wire]
    assert len(users) == len(set(users))  # no duplicates
    assert len(users) == RESIDENTS  # nobody lost
    sent_by = [summary.run.sent for summary in summaries]
    assert sum(sent_by) == RESIDENTS
    assert all(count > 0 for count in sent_by)  # both really worked the campaign
    assert sum(summary.created for summary in summaries) == 1  # one campaign, written once
    assert summaries[0].campaign_id == summaries[1].campaign_id
    final = max(summaries, key=lambda s: s.total(RecipientStatus.SENT))
    assert final.total(RecipientStatus.SENT) == RESIDENTS
