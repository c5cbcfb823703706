"""Reminder campaigns: candidates, one campaign per (kind, period), claims across processes."""

from __future__ import annotations

import asyncio

from billing_core.models import AccountStatus
from dialogs.events import ChatRef
from storage.base import (
    ChatProfile,
    Recipient,
    RecipientStatus,
    Storage,
    UpsertCounts,
    open_storage,
)
from tests.storage.factories import AT, MARCH, account, bill, reading, row

ON = ChatRef("telegram", "1")
OFF = ChatRef("telegram", "2")
BLOCKED = ChatRef("viber", "3")
AUTO = ChatRef("telegram", "4")
CLOSED = ChatRef("telegram", "5")
DONE = ChatRef("viber", "6")


async def seed_chats(storage: Storage) -> None:
    await storage.upsert_accounts(
        [
            *(row(account(n)) for n in ("1000000001", "1000000002", "1000000003", "1000000006")),
            row(account("1000000004", status=AccountStatus.AUTOMATIC)),
            row(account("1000000005", status=AccountStatus.CLOSED)),
        ]
    )
    for chat, number in (
        (ON, "1000000001"), (OFF, "1000000002"), (BLOCKED, "1000000003"),
        (AUTO, "1000000004"), (CLOSED, "1000000005"), (DONE, "1000000006"),
    ):  # fmt: skip
        await storage.bind(chat, number, f"alias {number[-1]}", AT)
    await storage.save_profile(ChatProfile(OFF, reminders_on=False))
    await storage.set_blocked(BLOCKED, True)
    await storage.record_submission("1000000006", reading("10"), bill("1000000006"))


async def test_candidates_exclude_off_blocked_automatic_closed(storage: Storage) -> None:
    await seed_chats(storage)

    everyone = await storage.campaign_candidates(MARCH, only_missing=False)
    missing = await storage.campaign_candidates(MARCH, only_missing=True)

    assert [(r.chat, r.account, r.alias) for r in everyone] == [
        (ON, "1000000001", "alias 1"),
        (DONE, "1000000006", "alias 6"),
    ]
    assert [r.chat for r in missing] == [ON]
    assert all(r.id == 0 and r.campaign_id == 0 for r in everyone)


def recipients(count: int) -> list[Recipient]:
    return [
        Recipient(0, 0, ChatRef("telegram", str(i)), "1000000001", "Дом") for i in range(count)
    ]


async def test_campaign_is_created_once_per_kind_and_period(storage: Storage) -> None:
    assert await storage.upsert_accounts([]) == UpsertCounts(0, 0)
    first_id, created = await storage.create_campaign("opening", MARCH, recipients(3), AT)
    again_id, again = await storage.create_campaign("opening", MARCH, recipients(5), AT)
    other_id, other = await storage.create_campaign("last-call", MARCH, recipients(1), AT)

    assert (created, again, other) == (True, False, True)
    assert again_id == first_id != other_id
    assert (await storage.campaign_counts(first_id))[RecipientStatus.PENDING] == 3
    found = await storage.find_campaign("opening", MARCH)
    assert found is not None
    assert (found.id, found.kind, found.period, found.created_at) == (
        first_id,
        "opening",
        MARCH,
        AT,
    )
    assert await storage.get_campaign(other_id) == await storage.find_campaign("last-call", MARCH)
    assert await storage.find_campaign("opening", MARCH.next()) is None
    assert await storage.get_campaign(other_id + 100) is None


async def test_claim_finish_release_and_counts(storage: Storage) -> None:
    campaign_id, _ = await storage.create_campaign("opening", MARCH, recipients(4), AT)

    claimed = await storage.claim_recipients(campaign_id, 3)
    assert [r.chat.user_id for r in claimed] == ["0", "1", "2"]
    assert all(r.campaign_id == campaign_id for r in claimed)

    await storage.finish_recipient(claimed[0].id, RecipientStatus.SENT)
    await storage.finish_recipient(claimed[1].id, RecipientStatus.BLOCKED, "403 blocked by user")
    await storage.release_recipient(claimed[2].id)

    assert await storage.campaign_counts(campaign_id) == {
        "pending": 2, "sending": 0, "sent": 1, "blocked": 1, "failed": 0, "skipped": 0,
    }  # fmt: skip
    retried = await storage.claim_recipients(campaign_id, 10)
    assert [(r.chat.user_id, r.attempts) for r in retried] == [("2", 1), ("3", 0)]
    assert await storage.open_campaigns() == []
    assert await storage.claim_recipients(campaign_id, 10) == []


async def test_claim_by_channel(storage: Storage) -> None:
    rows = [Recipient(0, 0, ChatRef(ch, "7"), "1000000001", "") for ch in ("viber", "telegram")]
    campaign_id, _ = await storage.create_campaign("opening", MARCH, rows, AT)

    claimed = await storage.claim_recipients(campaign_id, 10, channel="telegram")

    assert [r.chat for r in claimed] == [ChatRef("telegram", "7")]
    assert await storage.open_campaigns() == [campaign_id]


async def test_two_claimers_never_get_the_same_row(url: str) -> None:
    first, second = await open_storage(url), await open_storage(url)
    try:
        campaign_id, _ = await first.create_campaign("opening", MARCH, recipients(50), AT)

        async def drain(storage: Storage) -> list[int]:
            got: list[int] = []
            while batch := await storage.claim_recipients(campaign_id, 3):
                got += [r.id for r in batch]
                await asyncio.sleep(0)
            return got

        a, b = await asyncio.gather(drain(first), drain(second))

        assert len(a) + len(b) == 50
        assert len(set(a) | set(b)) == 50
        assert (await first.campaign_counts(campaign_id))["sending"] == 50
    finally:
        await first.close()
        await second.close()


async def test_finish_many_in_one_call(storage: Storage) -> None:
    campaign_id, _ = await storage.create_campaign("opening", MARCH, recipients(3), AT)
    claimed = await storage.claim_recipients(campaign_id, 3)

    await storage.finish_recipients(
        [(claimed[0].id, RecipientStatus.SENT, ""), (claimed[1].id, RecipientStatus.FAILED, "500")]
    )

    counts = await storage.campaign_counts(campaign_id)
    assert (counts["sent"], counts["failed"], counts["sending"]) == (1, 1, 1)
