"""The webhook route end to end: signed callbacks in, emulator-recorded messages out."""

from __future__ import annotations

import asyncio
import json

from viberbot.api.api import Api
from viberbot.api.bot_configuration import BotConfiguration

from bot.viber.render import ACTION_PREFIX, SHARE_PHONE_TRACKING
from dialogs.events import ChatRef, Choice, Command, ContactShared, Inbound, Start, Text
from dialogs.replies import Reply
from tests.viber import callbacks
from tests.viber.conftest import LONG_NAME, TOKEN, Harness

ALICE = "01234567890A="
ALICE_CHAT = ChatRef("viber", ALICE)


def nothing_changed(harness: Harness) -> bool:
    return (
        not harness.engine.events
        and not harness.storage.blocked_calls
        and not harness.storage.claimed
        and not harness.emulator.calls
    )


def test_our_signature_is_the_one_the_sdk_expects() -> None:
    body = json.dumps(callbacks.text(ALICE, "hello")).encode()
    sdk = Api(BotConfiguration(TOKEN, "meterbot", ""))
    assert sdk.verify_signature(body, callbacks.sign(body, TOKEN))
    assert not sdk.verify_signature(body, callbacks.sign(body, TOKEN + "x"))


async def test_missing_signature_is_refused_and_changes_nothing(harness: Harness) -> None:
    body = json.dumps(callbacks.text(ALICE, "45230")).encode()
    response = await harness.client.post(harness.settings.viber.webhook_path, data=body)
    assert response.status == 403
    assert nothing_changed(harness)


async def test_forged_signatures_are_refused(harness: Harness) -> None:
    body = json.dumps(callbacks.text(ALICE, "45230")).encode()
    other_body = json.dumps(callbacks.text(ALICE, "1")).encode()
    for forged in (
        callbacks.sign(body, "another-token"),
        callbacks.sign(other_body, TOKEN),  # a real signature of a different body
        "0" * 64,
        "не подпись",
    ):
        response = await harness.post(body, signature=forged)
        assert response.status == 403
    assert nothing_changed(harness)


async def test_malformed_json_with_a_valid_signature_is_400(harness: Harness) -> None:
    for body in (
        b"{not json",
        b"[1, 2]",
        b'{"no_event": 1}',
        b"\xff\xfe",
        json.dumps({"event": "message", "timestamp": 1, "message_token": 1}).encode(),
    ):
        response = await harness.post(body)
        assert response.status == 400, body
    assert nothing_changed(harness)


async def test_webhook_check_is_acknowledged(harness: Harness) -> None:
    response = await harness.post(callbacks.webhook())
    assert response.status == 200
    assert harness.runtime.webhook.events["webhook"] == 1
    assert nothing_changed(harness)


async def test_conversation_started_answers_with_the_welcome_in_the_body(
    harness: Harness,
) -> None:
    token = callbacks.next_token()
    response = await harness.post(
        callbacks.conversation_started(ALICE, language="en-GB", token=token)
    )
    assert response.status == 200
    welcome = await response.json()
    assert welcome["type"] == "text"
    assert welcome["text"] == "got Start"
    assert welcome["sender"] == {"name": LONG_NAME[:28]}
    assert welcome["keyboard"]["Type"] == "keyboard"
    assert [b["ActionBody"] for b in welcome["keyboard"]["Buttons"]] == [
        "act:submit",
        "act:bill",
        "act:offices",
    ]
    assert "receiver" not in welcome
    assert harness.engine.events == [Start(ALICE_CHAT, str(token), "en")]
    assert harness.emulator.calls == []  # not subscribed yet: nothing through send_message


async def test_redelivered_conversation_started_gets_an_empty_answer(harness: Harness) -> None:
    body = callbacks.conversation_started(ALICE)
    first = await harness.post(body)
    again = await harness.post(body)
    assert (await first.json())["text"] == "got Start"
    assert again.status == 200
    assert await again.read() == b""
    assert len(harness.engine.events) == 1


async def test_unsubscribed_marks_blocked_and_sends_nothing(harness: Harness) -> None:
    response = await harness.post(callbacks.unsubscribed(ALICE))
    assert response.status == 200
    assert harness.storage.blocked_calls == [(ALICE_CHAT, True)]
    assert harness.engine.events == []
    assert harness.emulator.calls == []


async def test_subscribed_for_an_unknown_chat_creates_nothing(harness: Harness) -> None:
    response = await harness.post(callbacks.subscribed(ALICE))
    assert response.status == 200
    assert harness.storage.profiles == {}
    assert harness.emulator.calls == []


async def test_subscribed_clears_the_mark(harness: Harness) -> None:
    await harness.post(callbacks.unsubscribed(ALICE))
    await harness.post(callbacks.subscribed(ALICE))
    assert harness.storage.blocked_calls == [(ALICE_CHAT, True), (ALICE_CHAT, False)]
    assert harness.storage.profiles[ALICE_CHAT].blocked is False
    assert harness.emulator.calls == []


async def test_text_goes_to_the_dialog_and_the_reply_to_viber(harness: Harness) -> None:
    token = callbacks.next_token()
    response = await harness.post(callbacks.text(ALICE, "45230", token=token))
    assert response.status == 200
    assert harness.engine.events == [Text(ALICE_CHAT, "45230", str(token))]
    [sent] = harness.emulator.sent
    assert sent["receiver"] == ALICE
    assert sent["text"] == "got Text"
    assert sent["sender"]["name"] == LONG_NAME[:28]
    assert len(sent["keyboard"]["Buttons"]) == 3
    assert harness.emulator.calls[0].headers["X-Viber-Auth-Token"] == TOKEN


async def test_a_keyboard_press_is_a_choice(harness: Harness) -> None:
    await harness.post(callbacks.text(ALICE, ACTION_PREFIX + "submit"))
    assert [type(e) for e in harness.engine.events] == [Choice]
    assert harness.engine.events[0].action_id == "submit"  # type: ignore[union-attr]


async def test_slash_commands_are_commands(harness: Harness) -> None:
    await harness.post(callbacks.text(ALICE, "/bind 12345-678-90 0012345"))
    await harness.post(callbacks.text(ALICE, "/start"))
    command, start = harness.engine.events
    assert isinstance(command, Command)
    assert (command.name, command.args) == ("bind", ("12345-678-90", "0012345"))
    assert isinstance(start, Start)


async def test_a_viber_contact_is_only_a_hint_whatever_its_tracking_data(
    harness: Harness,
) -> None:
    # Viber returns the share-phone keyboard's tracking data with whatever comes next, a
    # contact card of someone else included: it proves nothing.
    await harness.post(
        callbacks.contact(ALICE, "+79991234567", tracking_data=SHARE_PHONE_TRACKING)
    )
    await harness.post(callbacks.contact(ALICE, "+79990000000"))  # a card sent some other way
    answering, other = harness.engine.events
    assert isinstance(answering, ContactShared)
    assert isinstance(other, ContactShared)
    assert (answering.phone, answering.is_own, answering.hint) == ("+79991234567", False, True)
    assert (other.phone, other.is_own, other.hint) == ("+79990000000", False, True)


async def test_a_redelivered_message_is_handled_once(harness: Harness) -> None:
    body = callbacks.text(ALICE, "45230")
    for _ in range(3):
        response = await harness.post(body)
        assert response.status == 200
    assert len(harness.engine.events) == 1
    assert len(harness.emulator.sent) == 1


async def test_a_sticker_reaches_the_dialog_once_as_empty_text(harness: Harness) -> None:
    token = callbacks.next_token()
    await harness.post(callbacks.sticker(ALICE, token))
    await harness.post(callbacks.sticker(ALICE, token))  # redelivered
    assert harness.engine.events == [Text(ALICE_CHAT, "", str(token))]
    assert len(harness.emulator.sent) == 1


async def test_a_picture_reaches_the_dialog_as_its_caption(harness: Harness) -> None:
    token = callbacks.next_token()
    body = callbacks.message(ALICE, {"type": "picture", "text": "46700", "media": "x"}, token)
    await harness.post(body)
    assert harness.engine.events == [Text(ALICE_CHAT, "46700", str(token))]


async def test_unknown_events_and_message_types_never_fail(harness: Harness) -> None:
    unknown_event = {"event": "client_status", "timestamp": 1, "user_id": ALICE}
    new_type = callbacks.message(ALICE, {"type": "hologram", "payload": [1, 2]})
    for body in (unknown_event, new_type):
        response = await harness.post(body)
        assert response.status == 200
    assert [type(event) for event in harness.engine.events] == [Text]
    assert len(harness.emulator.sent) == 1


async def test_delivery_reports_are_recorded(harness: Harness) -> None:
    for event in ("delivered", "seen", "failed"):
        response = await harness.post(callbacks.delivery(event, ALICE, callbacks.next_token()))
        assert response.status == 200
    events = harness.runtime.webhook.events
    assert (events["delivered"], events["seen"], events["failed"]) == (1, 1, 1)
    assert nothing_changed(harness)


def finished_texts(harness: Harness) -> list[str]:
    return [event.text for event in harness.engine.finished if isinstance(event, Text)]


async def test_one_residents_messages_are_handled_in_order(harness: Harness) -> None:
    harness.engine.hold_first = release = asyncio.Event()  # the first message is slow
    await harness.post(callbacks.text(ALICE, "45230"), wait=False)
    await harness.post(callbacks.text(ALICE, "21100"), wait=False)
    await asyncio.sleep(0.1)
    assert harness.engine.finished == []  # both acknowledged; the second waits its turn
    release.set()
    await harness.runtime.webhook.wait_idle()
    assert finished_texts(harness) == ["45230", "21100"]
    assert len(harness.emulator.sent) == 2


async def test_different_residents_do_not_wait_for_each_other(harness: Harness) -> None:
    harness.engine.hold_first = release = asyncio.Event()
    quick_done = asyncio.Event()

    def script(event: Inbound) -> list[Reply]:
        if isinstance(event, Text) and event.text == "quick":
            quick_done.set()
        return [Reply(f"got {type(event).__name__}")]

    harness.engine.script = script
    await harness.post(callbacks.text(ALICE, "slow"), wait=False)
    await harness.post(callbacks.text("BOB=", "quick"), wait=False)
    async with asyncio.timeout(2):
        await quick_done.wait()  # while ALICE's message is still held
    assert finished_texts(harness) == ["quick"]
    release.set()
    await harness.runtime.webhook.wait_idle()
    assert finished_texts(harness) == ["quick", "slow"]


async def test_shutdown_waits_for_running_callbacks(harness: Harness) -> None:
    harness.engine.delay = 0.1
    await harness.post(callbacks.text(ALICE, "45230"), wait=False)
    assert harness.emulator.sent == []
    await harness.runtime.close()
    assert len(harness.emulator.sent) == 1


async def test_a_resident_who_left_is_marked_blocked_on_status_6(harness: Harness) -> None:
    from tests.viber.emulator import Answer

    harness.emulator.answer_next(Answer(status=6, status_message="receiverNotSubscribed"))
    await harness.post(callbacks.text(ALICE, "hello"))
    assert harness.emulator.sent == []
    assert harness.storage.blocked_calls == [(ALICE_CHAT, True)]


async def test_engine_reply_with_nothing_sends_nothing(harness: Harness) -> None:
    harness.engine.script = lambda event: []
    await harness.post(callbacks.text(ALICE, "hello"))
    assert harness.emulator.calls == []


async def test_picture_is_served_for_viber_to_fetch(harness: Harness) -> None:
    from dialogs.replies import Picture

    png = b"\x89PNG\r\n\x1a\nchart"
    harness.engine.script = lambda event: [Reply("История", picture=Picture(png, "Расход, кВт·ч"))]
    await harness.post(callbacks.text(ALICE, "/history"))
    text, picture = harness.emulator.sent
    assert text["text"] == "История"
    assert picture["type"] == "picture"
    assert picture["text"] == "Расход, кВт·ч"
    base = harness.settings.viber.webhook_url
    assert picture["media"].startswith(base + "/viber/media/")
    assert picture["media"].endswith(".png")
    assert harness.emulator.media[picture["media"]] == png
    unknown = await harness.client.get("/viber/media/not-a-token.png")
    assert unknown.status == 404


async def test_a_failing_dialog_never_turns_into_a_500(harness: Harness) -> None:
    def broken(event: object) -> list[Reply]:
        raise RuntimeError("database went away")

    harness.engine.script = broken
    opened = await harness.post(callbacks.conversation_started(ALICE))
    written = await harness.post(callbacks.text(ALICE, "45230"))
    assert (opened.status, written.status) == (200, 200)
    assert harness.emulator.calls == []
    # The next resident is served as usual.
    harness.engine.script = lambda event: [Reply("ok")]
    await harness.post(callbacks.text("BOB=", "hello"))
    assert [m["text"] for m in harness.emulator.sent] == ["ok"]
