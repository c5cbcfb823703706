"""Webhook mode: the subscription MAX posts to, the secret checked before anything is read."""

from __future__ import annotations

import json

import aiohttp

from dialogs.events import ChatRef
from storage.base import Storage
from tests.max import updates
from tests.max.conftest import SECRET, MaxBot

RESIDENT = 7101


async def test_the_subscription_is_created_with_the_secret_and_the_types_used(
    webhook_bot: MaxBot,
) -> None:
    [subscription] = webhook_bot.emulator.subscriptions
    assert subscription.url.endswith("/max/webhook")
    assert subscription.secret == SECRET
    assert set(subscription.update_types or ()) == {
        "message_created",
        "message_callback",
        "message_edited",
        "bot_started",
        "bot_stopped",
    }


async def test_a_whole_submission_through_the_webhook(
    webhook_bot: MaxBot, storage: Storage
) -> None:
    resident = webhook_bot.resident(RESIDENT)
    await resident.start()
    await resident.press("Согласен")
    await resident.say("/bind 1234567890 0012345")
    await resident.say("/submit 46700")
    assert "1\u00a0840,00\u00a0₽" in resident.last().text
    await resident.press("Всё верно, передать")
    assert "Показания приняты" in resident.last().text
    assert set(webhook_bot.emulator.webhook_statuses) == {200}
    assert "GET /updates" not in webhook_bot.emulator.paths()


async def post(bot: MaxBot, body: bytes, headers: dict[str, str]) -> int:
    assert bot.server is not None
    url = bot.server.make_url(bot.settings.max.webhook_path)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        await r.read()
        return r.status


async def test_a_forged_update_is_refused_and_changes_nothing(
    webhook_bot: MaxBot, storage: Storage
) -> None:
    forged = json.dumps(updates.bot_started(RESIDENT)).encode()
    for headers in ({}, {"X-Max-Bot-Api-Secret": "guess"}, {"X-Max-Bot-Api-Secret": SECRET + "x"}):
        status = await post(webhook_bot, forged, {"Content-Type": "application/json", **headers})
        assert status == 401
    # Not valid UTF-8 either: compared as bytes, refused the same.
    status = await post(webhook_bot, forged, {"X-Max-Bot-Api-Secret": "caf\u00e9"})
    assert status == 401
    await webhook_bot.channel.wait_idle()
    assert webhook_bot.emulator.sent == []
    assert await storage.get_profile(ChatRef("max", str(RESIDENT))) is None


async def test_a_body_that_is_not_json_is_a_bad_request(webhook_bot: MaxBot) -> None:
    status = await post(webhook_bot, b"{not json", {"X-Max-Bot-Api-Secret": SECRET})
    assert status == 400


async def test_a_webhook_update_delivered_twice_is_answered_once(webhook_bot: MaxBot) -> None:
    resident = webhook_bot.resident(RESIDENT)
    await resident.start()
    start = resident.last_update
    assert start is not None
    before = len(webhook_bot.emulator.sent)
    assert await resident.send_update(start) == []
    assert len(webhook_bot.emulator.sent) == before


async def test_back_to_polling_removes_the_subscription(
    webhook_bot: MaxBot, storage: Storage
) -> None:
    assert webhook_bot.emulator.subscriptions
    async with MaxBot(webhook_bot.emulator, storage) as polling:
        assert polling.emulator.subscriptions == []
        resident = polling.resident(RESIDENT + 1)
        [welcome] = await resident.start()
        assert "согласие" in welcome.text
