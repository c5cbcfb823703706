"""Outages in storage, on both engines: saved by ref, news raises the revision, buildings matched
by GUID or by address key, recipients one per chat, opt-outs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billing_core.buildings import building_key
from billing_core.models import AccountStatus
from billing_core.outages import BuildingRef, Outage, OutageKind, OutageStatus
from dialogs.events import ChatRef
from storage.base import ChatProfile, Storage
from storage.outages import SaveAction, campaign_kind
from tests.storage.factories import AT, MARCH, account, row

GUID = "0c5b2444-70a0-4932-980c-b4dc0d3f02b5"
STARTS = datetime(2026, 3, 21, 7, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=4)


def outage(ref: str = "A-1", *buildings: BuildingRef, **changes: object) -> Outage:
    fields: dict[str, object] = {
        "ref": ref, "kind": OutageKind.PLANNED, "starts": STARTS, "ends": ENDS,
        "reason": "Ремонт кабеля", "buildings": buildings or (by_address("ул. Ленина, д. 23"),),
    }  # fmt: skip
    fields.update(changes)
    return Outage(**fields)  # type: ignore[arg-type]


def by_address(address: str) -> BuildingRef:
    key = building_key(address)
    assert key is not None
    return BuildingRef(building=key, address=address)


async def seed_building(storage: Storage) -> None:
    """Five accounts: three at Ленина 23 (one closed), one at 123, one at 23 корп. 2."""
    await storage.upsert_accounts(
        [
            row(account("1000000001", address="Москва, ул. Ленина, д. 23, кв. 1")),
            row(account("1000000002", "0000002", address="москва, Ленина улица 23 кв 7")),
            row(account("1000000003", "0000003", address="Москва, ул. Ленина, д. 123, кв. 1")),
            row(account("1000000004", "0000004",
                        address="Москва, ул. Ленина, д. 23, корп. 2, кв. 5")),
            row(account("1000000005", "0000005", address="Москва, ул. Ленина, д. 23, кв. 9",
                        status=AccountStatus.CLOSED)),
        ]
    )  # fmt: skip
    assert await storage.refresh_buildings() == 5


async def test_an_outage_is_added_then_updated_by_its_ref(storage: Storage) -> None:
    [added] = await storage.save_outages([outage()], AT)
    assert (added.action, added.news) == (SaveAction.ADDED, False)
    [same] = await storage.save_outages([outage(reason="Другая причина")], AT)
    assert (same.action, same.news) == (SaveAction.UPDATED, False)
    [longer] = await storage.save_outages([outage(ends=ENDS + timedelta(hours=2))], AT)
    assert (longer.action, longer.news) == (SaveAction.UPDATED, True)

    stored = await storage.get_outage("A-1")
    assert stored is not None
    assert (stored.revision, stored.ends, stored.reason) == (
        2,
        ENDS + timedelta(hours=2),
        "Ремонт кабеля",
    )
    assert stored.buildings == 1


async def test_cancelling_raises_the_revision_once(storage: Storage) -> None:
    await storage.save_outages([outage()], AT)
    first = await storage.cancel_outage("A-1", AT)
    again = await storage.cancel_outage("A-1", AT)
    assert first is not None
    assert again is not None
    assert (first.status, first.revision) == (OutageStatus.CANCELLED, 2)
    assert again.revision == 2
    assert await storage.cancel_outage("NOPE", AT) is None
    [via_file] = await storage.save_outages([outage("B", status=OutageStatus.CANCELLED)], AT)
    assert via_file.action == SaveAction.ADDED


async def test_recipients_by_address_never_the_neighbours(storage: Storage) -> None:
    await seed_building(storage)
    for number in ("1000000001", "1000000002", "1000000003", "1000000004", "1000000005"):
        await storage.bind(ChatRef("telegram", number), number, "дом", AT)
    await storage.save_outages([outage()], AT)
    [stored] = await storage.list_outages()

    chats = {r.chat.user_id for r in await storage.outage_recipients(stored.id)}

    assert chats == {"1000000001", "1000000002"}  # not 123, not корп. 2, not the closed one


async def test_recipients_by_guid_one_row_a_chat(storage: Storage) -> None:
    await seed_building(storage)
    assert (
        await storage.set_house_ids([("1000000003", GUID), ("1000000004", GUID), ("9", GUID)]) == 2
    )
    both = ChatRef("viber", "both")
    await storage.bind(both, "1000000004", "дача", AT)
    await storage.bind(both, "1000000003", "квартира", AT)
    await storage.save_outages([outage(buildings=(BuildingRef(house_id=GUID),))], AT)
    [stored] = await storage.list_outages()

    [only] = await storage.outage_recipients(stored.id)

    assert (only.chat, only.account, only.alias) == (both, "1000000003", "квартира")


async def test_blocked_and_opted_out_chats_are_left_out(storage: Storage) -> None:
    await seed_building(storage)
    blocked, quiet, told = ChatRef("telegram", "b"), ChatRef("telegram", "q"), ChatRef("max", "t")
    for chat in (blocked, quiet, told):
        await storage.bind(chat, "1000000001", "", AT)
        await storage.save_profile(ChatProfile(chat))
    await storage.set_blocked(blocked, True)
    await storage.set_outage_notices(quiet, False)
    await storage.save_outages([outage()], AT)
    [stored] = await storage.list_outages()

    assert [r.chat for r in await storage.outage_recipients(stored.id)] == [told]
    assert not await storage.outage_notices_on(quiet)
    await storage.set_outage_notices(quiet, True)
    assert await storage.outage_notices_on(quiet)


async def test_forgetting_a_chat_forgets_its_opt_out(storage: Storage) -> None:
    chat = ChatRef("telegram", "1")
    await storage.save_profile(ChatProfile(chat))
    await storage.set_outage_notices(chat, False)
    await storage.forget_chat(chat, "h:forgotten")
    assert await storage.outage_notices_on(chat)


async def test_a_changed_address_is_read_again(storage: Storage) -> None:
    await seed_building(storage)
    assert await storage.refresh_buildings() == 0
    await storage.upsert_accounts(
        [row(account("1000000003", "0000003", address="Москва, ул. Ленина, д. 23, кв. 3"))]
    )
    assert await storage.refresh_buildings() == 1
    await storage.bind(ChatRef("telegram", "moved"), "1000000003", "", AT)
    await storage.save_outages([outage()], AT)
    [stored] = await storage.list_outages()
    assert ChatRef("telegram", "moved") in {
        r.chat for r in await storage.outage_recipients(stored.id)
    }


async def test_chat_outages_and_active_list(storage: Storage) -> None:
    await seed_building(storage)
    chat = ChatRef("telegram", "1")
    await storage.bind(chat, "1000000001", "квартира", AT)
    await storage.bind(chat, "1000000003", "мама", AT)
    await storage.save_outages(
        [
            outage("now"),
            outage("over", starts=STARTS - timedelta(days=2), ends=STARTS - timedelta(days=1)),
            outage("off", status=OutageStatus.CANCELLED),
            outage("elsewhere", by_address("ул. Тверская, д. 1")),
        ],
        AT,
    )

    found = await storage.chat_outages(chat, STARTS)
    active = await storage.list_outages(active_at=STARTS)

    assert [(f.outage.ref, f.account, f.alias) for f in found] == [
        ("now", "1000000001", "квартира")
    ]
    assert {o.ref for o in active} == {"now", "elsewhere"}
    assert len(await storage.list_outages()) == 4


async def test_notices_are_the_outage_campaigns(storage: Storage) -> None:
    await storage.save_outages([outage(), outage("A-11")], AT)
    first, other = await storage.list_outages()
    await storage.create_campaign(campaign_kind(first.id, "announce-1"), MARCH, [], AT)
    await storage.create_campaign(campaign_kind(other.id, "announce-1"), MARCH, [], AT)
    await storage.create_campaign("opening", MARCH, [], AT)

    assert await storage.outage_notices(first.id) == {"announce-1": AT}


async def test_house_id_is_imported_and_kept_when_a_file_has_none(storage: Storage) -> None:
    await storage.upsert_accounts([row(account("1000000001", house_id=GUID))])
    await storage.upsert_accounts([row(account("1000000001"), keep=frozenset({"house_id"}))])
    stored = await storage.get_account("1000000001")
    assert stored is not None
    assert stored.house_id == GUID
    other = GUID.replace("0c5b", "1d6c")
    await storage.upsert_accounts([row(account("1000000001", house_id=other))])
    again = await storage.get_account("1000000001")
    assert again is not None
    assert again.house_id == other


async def test_a_notice_is_written_by_set_once_and_a_cancellation_to_those_told(
    storage: Storage,
) -> None:
    await seed_building(storage)
    both, tg, console = ChatRef("max", "both"), ChatRef("telegram", "1"), ChatRef("console", "c")
    await storage.bind(both, "1000000002", "дача", AT)
    await storage.bind(both, "1000000001", "квартира", AT)
    await storage.bind(tg, "1000000001", "", AT)
    await storage.bind(console, "1000000001", "", AT)
    await storage.save_outages([outage()], AT)
    [stored] = await storage.list_outages()

    campaign_id, rows = await storage.write_notice(
        stored.id, "announce-1", ["max", "telegram"], AT
    )
    again = await storage.write_notice(stored.id, "announce-1", ["max", "telegram"], AT)

    assert rows == 2
    assert again == (campaign_id, 0)
    claimed = await storage.claim_recipients(campaign_id, 10)
    assert [(r.chat, r.account, r.alias) for r in claimed] == [
        (both, "1000000001", "квартира"),
        (tg, "1000000001", ""),
    ]
    await storage.finish_recipients([(claimed[0].id, "sent", "")])
    await storage.finish_recipients([(claimed[1].id, "blocked", "")])

    cancel_id, told = await storage.write_notice(
        stored.id, "cancel-2", ["max", "telegram"], AT, told_only=True
    )

    assert told == 1
    [only] = await storage.claim_recipients(cancel_id, 10)
    assert only.chat == both
    assert set(await storage.outage_notices(stored.id)) == {"announce-1", "cancel-2"}
    [listed] = await storage.list_outages()
    assert listed.told == 1
