"""What the MAX channel does when things go wrong: faults of the API, floods, edits, groups,
a failing handler, a shutdown with work in flight, and what /healthz and /metrics show."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from bot.http import build_http_app
from bot.max.channel import MaxChannel
from bot.max.client import MaxApi, build_bot
from dialogs.channel import Acknowledge, Deliver
from dialogs.events import ChatRef, Event
from dialogs.replies import Reply
from storage.base import Storage
from tests.max import updates
from tests.max.conftest import MaxBot, max_settings
from tests.max.emulator import MaxEmulator

RESIDENT = 7201


async def test_429_and_5xx_on_a_reply_are_retried_and_the_reply_arrives(bot: MaxBot) -> None:
    resident = bot.resident(RESIDENT)
    bot.emulator.fail("/messages", 429, 500, 503)
    [welcome] = await resident.start()
    assert "согласие" in welcome.text
    assert bot.emulator.paths().count("POST /messages") == 4


async def test_a_failing_long_poll_is_retried_and_nothing_is_lost(bot: MaxBot) -> None:
    resident = bot.resident(RESIDENT)
    bot.emulator.fail("/updates", 503, 503, 503, 503, 429, 429, 429, 429)
    [welcome] = await resident.start()
    assert "согласие" in welcome.text
    assert bot.runtime is not None
    assert bot.runtime.status() == "polling"  # recovered


async def test_a_flood_is_cut_with_one_notice_and_the_others_are_served(bot: MaxBot) -> None:
    flooder = bot.resident(RESIDENT)
    await flooder.start()
    before = len(flooder.messages())
    for _ in range(30):  # one batch of GET /updates: far beyond the bucket's 20
        await bot.emulator.deliver(updates.message_created(RESIDENT, flooder.mid(), "привет"))
    await bot.settle()
    answers = flooder.texts()[before:]
    assert 1 <= sum("Слишком много сообщений" in text for text in answers) <= 1
    assert len(answers) <= 21
    neighbour = bot.resident(RESIDENT + 1)
    [welcome] = await neighbour.start()
    assert "согласие" in welcome.text


async def test_an_edited_message_is_answered_once_with_what_to_do(bot: MaxBot) -> None:
    resident = bot.resident(RESIDENT)
    await resident.start()
    edit = updates.message_edited(RESIDENT, "mid.x", "46700")
    [notice] = await resident.send_update(edit)
    assert "Исправленные сообщения я не перечитываю" in notice.text
    assert await resident.send_update(edit) == []


async def test_a_group_gets_one_polite_refusal_and_nothing_is_stored(
    bot: MaxBot, storage: Storage
) -> None:
    group = -70_801_090
    update = updates.message_created(RESIDENT, "mid.g1", "/start", group=group)
    await bot.emulator.deliver(update)
    await bot.settle()
    await bot.emulator.deliver(update)  # delivered again
    await bot.settle()
    refusals = [m for m in bot.emulator.sent if m.chat_id == group]
    assert len(refusals) == 1
    assert "только в личной переписке" in refusals[0].text
    press = updates.callback(RESIDENT, "cb.g.1", "m:bill", group=group)
    await bot.emulator.deliver(press)
    await bot.settle()
    assert bot.emulator.answers[-1]["notification"].startswith("Я работаю только в личной")
    assert await storage.get_profile(ChatRef("max", str(RESIDENT))) is None


class BrokenDialog:
    """A dialog that fails on every event (a bug, a lost database)."""

    def __init__(self, hold: asyncio.Event | None = None) -> None:
        self.hold = hold
        self.delivered: list[Event] = []

    async def handle(
        self,
        event: Event,
        deliver: Deliver | None = None,
        *,
        acknowledge: Acknowledge | None = None,
    ) -> list[Reply]:
        if self.hold is not None and deliver is not None:
            await self.hold.wait()
            await deliver([Reply("готово")])
            self.delivered.append(event)
            return [Reply("готово")]
        raise RuntimeError("the dialog broke")

    async def claim(self, channel: str, update_id: str) -> bool:
        return True

    async def locale(self, chat: ChatRef) -> str | None:
        return "en"


def channel_on(emulator: MaxEmulator, dialog: BrokenDialog) -> MaxChannel:
    api = MaxApi(build_bot(max_settings(emulator.api_base).max, backoff=0.01))
    return MaxChannel(api, dialog)


async def test_a_handler_error_becomes_the_polite_apology(emulator: MaxEmulator) -> None:
    channel = channel_on(emulator, BrokenDialog())
    try:
        await channel.feed(updates.message_created(RESIDENT, "mid.1", "hello"))
    finally:
        await channel.api.close()
    [apology] = emulator.to(RESIDENT)
    assert apology.text.startswith("Something went wrong")


async def test_shutdown_lets_the_work_in_flight_finish(emulator: MaxEmulator) -> None:
    hold = asyncio.Event()
    dialog = BrokenDialog(hold)
    channel = channel_on(emulator, dialog)
    channel.dispatch(updates.message_created(RESIDENT, "mid.1", "hello"))
    draining = asyncio.create_task(channel.drain(grace=5))
    await asyncio.sleep(0.05)
    assert not draining.done()
    hold.set()
    assert await draining
    await channel.api.close()
    assert [m.text for m in emulator.to(RESIDENT)] == ["готово"]


async def test_healthz_and_metrics_show_the_channel(bot: MaxBot, storage: Storage) -> None:
    await bot.resident(RESIDENT).start()
    # One long poll fails for good (every attempt maxapi makes), then polling goes on.
    bot.emulator.fail("/updates", 503, 503, 503, 503)
    await bot.resident(RESIDENT + 1).start()
    assert bot.runtime is not None
    runtime = bot.runtime
    for _ in range(300):  # "polling (retrying)" until a long poll has succeeded again
        if runtime.status() == "polling":
            break
        await asyncio.sleep(0.01)
    app = build_http_app(bot.settings, storage, bot.metrics, lambda: {"max": runtime.status()})
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        health = await (await client.get("/healthz")).json()
        metrics = await (await client.get("/metrics")).text()
    assert health["channels"] == {"max": "polling"}
    assert 'meterbot_updates_handled_total{channel="max"} 2.0' in metrics  # counted once each
    assert 'meterbot_messages_sent_total{channel="max"} 2.0' in metrics
    assert 'meterbot_channel_errors_total{channel="max"} 1.0' in metrics
    assert 'meterbot_handler_seconds_count{channel="max"}' in metrics


async def test_a_resident_max_refuses_with_403_is_marked_blocked(
    bot: MaxBot, storage: Storage
) -> None:
    resident = bot.resident(RESIDENT)
    await resident.start()
    bot.emulator.stopped.add(RESIDENT)
    assert await resident.say("/help") == []
    profile = await storage.get_profile(ChatRef("max", str(RESIDENT)))
    assert profile is not None
    assert profile.blocked
