"""Residents' conversations through MAX end to end, by long polling: every update goes through
the emulator's `GET /updates`, every answer is read back from what the emulator received."""

from __future__ import annotations

from billing_core.models import Period
from dialogs.events import ChatRef
from storage.base import Storage
from tests.max import updates
from tests.max.conftest import MaxBot
from tests.max.resident import MaxResident

ACCOUNT, SERIAL = "1234567890", "0012345"  # demo: single-rate, last reading 46 470
RESIDENT = 7001


async def consented(bot: MaxBot, user_id: int = RESIDENT) -> MaxResident:
    resident = bot.resident(user_id)
    [welcome] = await resident.start()
    assert "согласие" in welcome.text
    assert welcome.labels() == ["Согласен", "Что вы храните?"]
    await resident.press("Согласен")
    assert "Согласие получено" in resident.last().text
    return resident


async def test_start_consent_bind_submit_confirm_with_the_bill_to_the_kopeck(
    bot: MaxBot, storage: Storage
) -> None:
    resident = await consented(bot)
    # The consent's thanks replaced the pressed message in place, through POST /answers.
    assert resident.last().via_answer
    ask = resident.last()
    assert "номер лицевого счёта" in ask.text
    # The phone request is a request_contact button of the inline keyboard, first.
    assert ask.buttons[0][0]["type"] == "request_contact"

    await resident.say("12345 678 90")
    assert "номер счётчика" in resident.last().text
    await resident.say(SERIAL)
    assert "привязан" in resident.last().text

    await resident.press("Передать показания")
    assert "Прошлое показание: 46\u00a0470" in resident.last().text
    await resident.say("46700")
    preview = resident.last().text
    assert "Проверьте показания" in preview
    assert "230\u00a0кВт·ч × 8,00\u00a0₽ = 1\u00a0840,00\u00a0₽" in preview
    await resident.press("Всё верно, передать")
    receipt = resident.last().text
    assert "Показания приняты" in receipt
    assert "1\u00a0840,00\u00a0₽" in receipt

    reading = await storage.current_reading(ACCOUNT, Period(2026, 11))
    assert reading is not None
    assert [str(value) for value in reading.values.values()] == ["46700"]
    assert reading.channel == "max"
    # Every message went to the resident's user id, as HTML, and within MAX's limits.
    for call in bot.emulator.calls:
        if call.path == "/messages":
            assert call.params == {"user_id": str(RESIDENT), "disable_link_preview": "true"}
            assert call.body["format"] == "html"
    for message in bot.emulator.sent:
        assert all(len(row) <= 7 for row in message.buttons)


async def test_user_strings_are_escaped_as_html(bot: MaxBot) -> None:
    resident = await consented(bot)
    await resident.say(f"/bind {ACCOUNT} {SERIAL}")
    await resident.press_payload(f"acc:ren:{ACCOUNT}")
    await resident.say("<b>дача</b> & co")
    texts = " ".join(resident.texts())
    assert "&lt;b&gt;дача&lt;/b&gt; &amp; co" in texts
    assert "<b>дача" not in texts


async def test_binding_by_the_residents_own_contact(bot: MaxBot, storage: Storage) -> None:
    resident = await consented(bot)
    await resident.share_contact("+79990000001", owner=RESIDENT)  # on file for the account
    assert "12345-678-90" in resident.last().text
    bound = await storage.bindings(ChatRef("max", str(RESIDENT)))
    assert [binding.account for binding in bound] == [ACCOUNT]


async def test_a_strangers_contact_binds_nothing(bot: MaxBot, storage: Storage) -> None:
    resident = await consented(bot)
    # Someone else's MAX contact card, and a card with no MAX account behind it.
    await resident.share_contact("+79990000001", owner=RESIDENT + 1)
    refusal = resident.last().text
    await resident.share_contact("+79990000001", owner=None)
    assert "12345-678-90" not in refusal + resident.last().text
    assert await storage.bindings(ChatRef("max", str(RESIDENT))) == []


async def test_history_chart_is_uploaded_as_an_image(bot: MaxBot) -> None:
    resident = await consented(bot)
    await resident.say(f"/bind {ACCOUNT} {SERIAL}")
    answer = await resident.say("/history")
    pictures = [message for message in answer if message.images]
    assert len(pictures) == 1
    png = bot.emulator.uploads[pictures[0].images[0]]
    assert png.startswith(b"\x89PNG")
    assert bot.emulator.paths().count("POST /uploads") == 1


async def test_a_redelivered_message_is_handled_once_also_after_a_restart(
    bot: MaxBot, storage: Storage
) -> None:
    resident = await consented(bot)
    await resident.say(f"/bind {ACCOUNT} {SERIAL}")
    await resident.say("/submit 46700")
    await resident.press("Всё верно, передать")
    confirmation = resident.last_update
    assert confirmation is not None
    sent_before = len(bot.emulator.sent)

    assert await resident.send_update(confirmation) == []
    # The process stops; a new one on the same database gets the update again from MAX.
    assert bot.runtime is not None
    await bot.runtime.stop()
    async with MaxBot(bot.emulator, storage) as restarted:
        again = restarted.resident(RESIDENT)
        assert await again.send_update(confirmation) == []
    assert len(bot.emulator.sent) == sent_before
    assert [a["callback_id"] for a in bot.emulator.answers].count(
        confirmation["callback"]["callback_id"]
    ) == 1
    history = await storage.reading_history(ACCOUNT, Period(2026, 11))
    assert len(history) == 1


async def test_a_stopped_bot_marks_the_chat_blocked_and_a_new_start_clears_it(
    bot: MaxBot, storage: Storage
) -> None:
    resident = await consented(bot)
    chat = ChatRef("max", str(RESIDENT))
    await resident.send_update(updates.bot_stopped(RESIDENT))
    profile = await storage.get_profile(chat)
    assert profile is not None
    assert profile.blocked
    await resident.start()
    profile = await storage.get_profile(chat)
    assert profile is not None
    assert not profile.blocked
    # Consent was given before: the start goes on from there, not to the consent again.
    assert "Привязать лицевой счёт" in resident.labels()
