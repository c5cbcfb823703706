"""Campaigns end to end on SQLite: who is chosen, what they get, 429s, failures, crash, restart."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from billing_core.models import AccountStatus, Period
from bot.channels import SendOutcome, SendResult
from bot.config import Settings
from bot.reminders.campaigns import WindowNotOpen, open_campaign, send_campaign
from bot.reminders.model import ReminderKind, SkipReason
from bot.reminders.sender import SenderOptions
from bot.reminders.service import ReminderService
from dialogs.events import ChatRef
from dialogs.replies import Reply
from storage.base import RecipientStatus, Storage
from tests.reminders.fakes import FakeChannel, VirtualTimer, add_reading, add_resident, fake_render

MSK = ZoneInfo("Europe/Moscow")
OPENING_AT = datetime(2026, 11, 15, 10, 0, tzinfo=MSK)
LAST_CALL_AT = datetime(2026, 11, 25, 18, 0, tzinfo=MSK)
NOVEMBER = Period(2026, 11)


class Rig:
    """A reminder service over fake channels on a virtual clock."""

    def __init__(
        self,
        storage: Storage,
        now: datetime,
        channels: Mapping[str, float] | None = None,
        options: SenderOptions | None = None,
    ) -> None:
        self.timer = VirtualTimer()
        self.now = now
        self.channels = {
            name: FakeChannel(name, rate, self.timer)
            for name, rate in (channels or {"telegram": 30, "viber": 20}).items()
        }
        self.service = ReminderService(
            Settings(),
            storage,
            self.channels,
            clock=lambda: self.now,
            timer=self.timer,
            render=fake_render,
            options=options,
        )

    def delivered(self) -> list[str]:
        return sorted(user for ch in self.channels.values() for user in ch.users())


async def test_opening_reaches_only_chats_that_want_it_with_the_window_dates(
    storage: Storage,
) -> None:
    await add_resident(storage, 1, at=OPENING_AT)
    await add_resident(storage, 2, channel="viber", locale="en", at=OPENING_AT)
    await add_resident(storage, 3, reminders_on=False, at=OPENING_AT)
    await add_resident(storage, 4, blocked=True, at=OPENING_AT)
    await add_resident(storage, 5, status=AccountStatus.AUTOMATIC, at=OPENING_AT)
    await add_resident(storage, 6, status=AccountStatus.CLOSED, at=OPENING_AT)
    await add_resident(storage, 7, channel="console", at=OPENING_AT)
    rig = Rig(storage, OPENING_AT)

    summary = await rig.service.run_campaign(ReminderKind.OPENING)

    assert rig.delivered() == ["u1", "u2"]
    (telegram_text,) = [text for _, text, _ in rig.channels["telegram"].delivered]
    assert telegram_text == "opening|ru|home 1|77000-000-01|2026-11|2026-11-26|12"
    (viber_text,) = [text for _, text, _ in rig.channels["viber"].delivered]
    assert viber_text == "opening|en|home 2|77000-000-02|2026-11|2026-11-26|12"
    assert summary.created
    assert summary.run.sent == 2
    assert summary.total(RecipientStatus.SENT) == 2
    assert summary.skipped_by_reason() == {SkipReason.NO_CHANNEL.value: 1}  # the console chat
    assert summary.pending == summary.unknown == 0


async def test_the_same_campaign_twice_sends_nothing_more(storage: Storage) -> None:
    for index in range(1, 4):
        await add_resident(storage, index, at=OPENING_AT)
    rig = Rig(storage, OPENING_AT)
    first = await rig.service.run_campaign(ReminderKind.OPENING)
    rig.now = OPENING_AT.replace(minute=5)  # a second trigger, a restart, an operator
    second = await rig.service.run_campaign(ReminderKind.OPENING)
    assert rig.delivered() == ["u1", "u2", "u3"]
    assert first.created
    assert not second.created
    assert second.campaign_id == first.campaign_id
    assert second.run.sent == 0
    assert second.total(RecipientStatus.SENT) == 3


async def test_last_call_goes_only_to_accounts_without_a_reading(storage: Storage) -> None:
    for index in range(1, 5):
        await add_resident(storage, index, at=OPENING_AT)
    await add_reading(storage, 1, NOVEMBER, OPENING_AT)
    await add_reading(storage, 2, Period(2026, 10), OPENING_AT)  # last month's does not count
    rig = Rig(storage, LAST_CALL_AT)

    summary = await rig.service.run_campaign(ReminderKind.LAST_CALL)

    assert rig.delivered() == ["u2", "u3", "u4"]
    texts = {text for _, text, _ in rig.channels["telegram"].delivered}
    assert "last-call|ru|home 3|77000-000-03|2026-11|2026-11-26|2" in texts  # the 25th and 26th
    assert summary.total(RecipientStatus.SENT) == 3


async def test_rows_are_checked_again_just_before_the_send(storage: Storage) -> None:
    for index in range(1, 6):
        await add_resident(storage, index, at=OPENING_AT)
    rig = Rig(storage, LAST_CALL_AT)
    campaign, created, _ = await open_campaign(
        storage, ReminderKind.LAST_CALL, NOVEMBER, rig.channels, rig.service.clock
    )
    assert created
    # Between writing the campaign and reaching each row, residents act:
    await add_reading(storage, 1, NOVEMBER, LAST_CALL_AT)
    profile = await storage.get_profile(ChatRef("telegram", "u2"))
    assert profile is not None
    await storage.save_profile(type(profile)(profile.chat, reminders_on=False))
    await storage.unbind(ChatRef("telegram", "u3"), "7700000003")
    await storage.rename_binding(ChatRef("telegram", "u4"), "7700000004", "dacha")

    summary = await send_campaign(campaign, rig.service.sender())

    assert rig.delivered() == ["u4", "u5"]
    assert "|dacha|" in rig.channels["telegram"].delivered[0][1]
    assert summary.run.skipped == {
        SkipReason.ALREADY_SUBMITTED.value: 1,
        SkipReason.REMINDERS_OFF.value: 1,
        SkipReason.ACCOUNT_GONE.value: 1,
    }
    assert summary.total(RecipientStatus.SKIPPED) == 3


async def test_outside_the_window_nothing_is_written(storage: Storage) -> None:
    await add_resident(storage, 1, at=OPENING_AT)
    rig = Rig(storage, datetime(2026, 11, 27, 10, tzinfo=MSK))
    with pytest.raises(WindowNotOpen, match="2026-12"):
        await rig.service.run_campaign(ReminderKind.OPENING)
    assert await storage.find_campaign("opening", Period(2026, 12)) is None
    assert rig.delivered() == []


async def test_a_resumed_campaign_whose_window_closed_sends_nothing(storage: Storage) -> None:
    for index in range(1, 3):
        await add_resident(storage, index, at=OPENING_AT)
    rig = Rig(storage, OPENING_AT)
    campaign, _, _ = await open_campaign(
        storage, ReminderKind.OPENING, NOVEMBER, rig.channels, rig.service.clock
    )
    rig.now = datetime(2026, 12, 2, tzinfo=MSK)  # the bot was down until December
    summaries = await rig.service.resume_open_campaigns()
    assert [s.campaign_id for s in summaries] == [campaign.id]
    assert rig.delivered() == []
    assert summaries[0].run.skipped == {SkipReason.WINDOW_CLOSED.value: 2}
    assert await storage.open_campaigns() == []


async def test_a_429_pauses_only_that_channel_and_retries_the_same_row(storage: Storage) -> None:
    for index in range(1, 31):
        await add_resident(storage, index, channel="telegram" if index <= 15 else "viber",
                           at=OPENING_AT)  # fmt: skip

    def telegram(user: str, tries: int) -> SendResult:
        if user == "u3" and tries == 1:
            return SendResult(SendOutcome.RETRY_AFTER, retry_after=5)
        return SendResult(SendOutcome.SENT)

    rig = Rig(storage, OPENING_AT, {"telegram": 10, "viber": 2})
    rig.channels["telegram"].script = telegram
    summary = await rig.service.run_campaign(ReminderKind.OPENING)

    tg = rig.channels["telegram"]
    assert sorted(tg.users()) == sorted(f"u{i}" for i in range(1, 16))  # each exactly once
    assert tg.tries["u3"] == 2
    assert summary.run.rate_limited == 1
    assert summary.run.failed == 0
    assert summary.total(RecipientStatus.SENT) == 30
    # Nothing went through Telegram for 5 s after the 429; Viber kept its pace meanwhile.
    tg_times = sorted(t for _, _, t in tg.delivered)
    gaps = [b - a for a, b in itertools.pairwise(tg_times)]
    assert max(gaps) >= 5.0
    pause_start = tg_times[gaps.index(max(gaps))]
    viber_times = [t for _, _, t in rig.channels["viber"].delivered]
    assert any(pause_start < t < pause_start + 5.0 for t in viber_times)


async def test_blocked_residents_are_marked_and_left_out_of_later_campaigns(
    storage: Storage,
) -> None:
    for index in range(1, 4):
        await add_resident(storage, index, at=OPENING_AT)
    rig = Rig(storage, OPENING_AT)
    rig.channels["telegram"].script = lambda user, _: SendResult(
        SendOutcome.BLOCKED if user == "u2" else SendOutcome.SENT, detail="bot was blocked"
    )
    summary = await rig.service.run_campaign(ReminderKind.OPENING)
    assert summary.run.blocked == 1
    assert summary.total(RecipientStatus.BLOCKED) == 1
    profile = await storage.get_profile(ChatRef("telegram", "u2"))
    assert profile is not None
    assert profile.blocked

    rig.now = LAST_CALL_AT
    rig.channels["telegram"].script = None
    await rig.service.run_campaign(ReminderKind.LAST_CALL)
    assert rig.channels["telegram"].tries["u2"] == 1  # not tried again
    assert rig.channels["telegram"].tries["u1"] == 2


async def test_transient_failures_are_retried_a_bounded_number_of_times(
    storage: Storage,
) -> None:
    for index in range(1, 5):
        await add_resident(storage, index, at=OPENING_AT)

    def flaky(user: str, tries: int) -> SendResult:
        if user == "u1" and tries <= 2:
            return SendResult(SendOutcome.FAILED, detail="HTTP 502")
        if user == "u2":
            return SendResult(SendOutcome.FAILED, detail="timeout")
        if user == "u3":
            return SendResult(SendOutcome.FAILED, permanent=True, detail="chat not found")
        return SendResult(SendOutcome.SENT)

    rig = Rig(storage, OPENING_AT, options=SenderOptions(max_attempts=3))
    rig.channels["telegram"].script = flaky
    summary = await rig.service.run_campaign(ReminderKind.OPENING)

    tg = rig.channels["telegram"]
    assert sorted(tg.users()) == ["u1", "u4"]
    assert tg.tries == {"u1": 3, "u2": 3, "u3": 1, "u4": 1}
    assert summary.run.failed == 2
    assert summary.run.retried == 4  # u1 twice, u2 twice
    assert summary.total(RecipientStatus.FAILED) == 2
    assert summary.total(RecipientStatus.SENT) == 2
    assert summary.pending == 0


async def test_a_stop_mid_campaign_then_a_restart_sends_each_remaining_row_once(
    storage: Storage,
) -> None:
    residents = 60
    for index in range(1, residents + 1):
        await add_resident(storage, index, at=OPENING_AT)
    rig = Rig(storage, OPENING_AT, {"telegram": 30})
    rig.channels["telegram"].delay = 0.002
    reached = asyncio.Event()
    sent = 0

    def progress(status: str) -> None:
        nonlocal sent
        sent += status == RecipientStatus.SENT
        if sent == 20:
            reached.set()

    from bot.reminders.campaigns import run_campaign

    task = asyncio.create_task(
        run_campaign(ReminderKind.OPENING, storage, rig.service.sender(progress))
    )
    await reached.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    campaign = await storage.find_campaign("opening", NOVEMBER)
    assert campaign is not None
    counts = await storage.campaign_counts(campaign.id)
    first_round = len(rig.channels["telegram"].delivered)
    assert 20 <= first_round < residents
    assert counts[RecipientStatus.SENT] == first_round
    assert counts[RecipientStatus.SENDING] == 0  # a graceful stop leaves nothing ambiguous
    assert counts[RecipientStatus.PENDING] == residents - first_round

    restarted = Rig(storage, OPENING_AT, {"telegram": 30})
    (summary,) = await restarted.service.resume_open_campaigns()
    second_round = restarted.channels["telegram"].users()
    everyone = rig.channels["telegram"].users() + second_round
    assert sorted(everyone) == sorted(f"u{i}" for i in range(1, residents + 1))
    assert len(second_round) == residents - first_round
    assert summary.total(RecipientStatus.SENT) == residents


async def test_a_crash_during_sends_leaves_them_unknown_and_never_sends_them_again(
    storage: Storage,
) -> None:
    residents = 40
    for index in range(1, residents + 1):
        await add_resident(storage, index, at=OPENING_AT)
    # No time to drain: what is on the wire when the process stops is cut off, as in a crash.
    rig = Rig(storage, OPENING_AT, {"telegram": 30}, SenderOptions(drain_seconds=0))
    tg = rig.channels["telegram"]
    tg.hang = {"u12", "u13"}
    task = asyncio.create_task(rig.service.run_campaign(ReminderKind.OPENING))
    await tg.all_hung.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    campaign = await storage.find_campaign("opening", NOVEMBER)
    assert campaign is not None
    ambiguous = (await storage.campaign_counts(campaign.id))[RecipientStatus.SENDING]
    assert 2 <= ambiguous <= 4  # the hung sends, at most the in-flight width for 30/s

    restarted = Rig(storage, OPENING_AT, {"telegram": 30})
    (summary,) = await restarted.service.resume_open_campaigns()
    again = restarted.channels["telegram"]
    assert not set(tg.tries) & set(again.tries)  # nothing tried before is tried again
    assert len(tg.users()) == len(set(tg.users()))
    assert len(again.users()) == len(set(again.users()))
    assert summary.unknown == ambiguous
    assert summary.total(RecipientStatus.SENT) + ambiguous == residents
    assert summary.pending == 0
    reached = set(tg.users()) | set(again.users())
    assert len(reached) >= residents - ambiguous


async def test_rows_of_a_channel_no_longer_configured_are_skipped_on_resume(
    storage: Storage,
) -> None:
    await add_resident(storage, 1, at=OPENING_AT)
    await add_resident(storage, 2, channel="viber", at=OPENING_AT)
    rig = Rig(storage, OPENING_AT)
    await open_campaign(storage, ReminderKind.OPENING, NOVEMBER, rig.channels, rig.service.clock)
    telegram_only = Rig(storage, OPENING_AT, {"telegram": 30})
    (summary,) = await telegram_only.service.resume_open_campaigns()
    assert telegram_only.delivered() == ["u1"]
    assert summary.run.skipped == {SkipReason.NO_CHANNEL.value: 1}
    assert await storage.open_campaigns() == []


async def test_service_start_resumes_open_campaigns_and_shuts_down_cleanly(
    storage: Storage,
) -> None:
    for index in range(1, 4):
        await add_resident(storage, index, at=OPENING_AT)
    rig = Rig(storage, OPENING_AT)
    await open_campaign(storage, ReminderKind.OPENING, NOVEMBER, rig.channels, rig.service.clock)
    rig.service.start()
    try:
        for _ in range(200):
            if len(rig.delivered()) == 3:
                break
            await asyncio.sleep(0.01)
    finally:
        await rig.service.shutdown()
    assert rig.delivered() == ["u1", "u2", "u3"]
    progress = await rig.service.progress()
    assert progress == []  # nothing open any more


async def test_the_real_texts_carry_dates_alias_account_and_a_submit_button(
    storage: Storage,
) -> None:
    await add_resident(storage, 1, at=OPENING_AT)
    await add_resident(storage, 2, locale="en", at=OPENING_AT)
    channel = FakeChannel("telegram", 30, VirtualTimer())
    service = ReminderService(
        Settings(), storage, {"telegram": channel}, clock=lambda: LAST_CALL_AT,
        timer=VirtualTimer(),
    )  # fmt: skip
    sent: dict[str, Reply] = {}

    async def keep(user_id: str, replies: Sequence[Reply]) -> SendResult:
        sent[user_id] = replies[0]
        return SendResult(SendOutcome.SENT)

    channel.send = keep  # type: ignore[method-assign]
    await service.run_campaign(ReminderKind.LAST_CALL)

    ru, en = sent["u1"], sent["u2"]
    assert "«home 1»" in ru.text
    assert "77000-000-01" in ru.text
    assert "26" in ru.text  # the window's last day
    assert "home 2" in en.text
    assert ru.all_buttons()[0].action_id == "submit:7700000001"
    assert en.all_buttons()[0].action_id == "submit:7700000002"


async def test_the_sender_keeps_the_channels_pace(storage: Storage) -> None:
    for index in range(1, 181):
        await add_resident(storage, index, channel="telegram" if index <= 120 else "viber",
                           at=OPENING_AT)  # fmt: skip
    # One channel at a time: the virtual clock jumps for whoever sleeps, so two channels
    # sleeping at once would disturb each other's measure (independence is tested with 429s).
    telegram = Rig(storage, OPENING_AT, {"telegram": 30})
    await telegram.service.run_campaign(ReminderKind.OPENING)
    viber = Rig(storage, LAST_CALL_AT, {"viber": 20})
    await viber.service.run_campaign(ReminderKind.LAST_CALL)
    for channel, rate, count in ((telegram.channels["telegram"], 30, 120),
                                 (viber.channels["viber"], 20, 60)):  # fmt: skip
        times = sorted(t for _, _, t in channel.delivered)
        assert len(times) == count
        span = times[-1] - times[0]
        assert span == pytest.approx((count - 1) / rate, rel=0.02)  # neither slower nor faster
        most = max(sum(1 for t in times if start <= t < start + 1.0 - 1e-9) for start in times)
        assert most <= rate + 1  # no second holds more than the pace (and one of burst)
