"""Welcome, consent (152-ФЗ), language, help, and what needs consent first."""

from __future__ import annotations

from dialogs.engine import DialogEngine
from dialogs.events import ChatRef, Start
from storage.base import Storage
from tests.dialogs.conversation import Conversation


async def test_welcome_asks_for_consent_once(chat: Conversation, storage: Storage) -> None:
    await chat.send("/start")
    assert "Здравствуйте" in chat.text()
    assert chat.labels() == ["Согласен", "Что вы храните?"]
    await chat.press("Что вы храните?")
    assert "/forget" in chat.text()
    await chat.press("Согласен")
    assert "Согласие получено" in chat.text()
    assert "10 цифр" in chat.text()
    assert chat.last_reply().request_contact == "Поделиться номером"
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert profile.consent_at is not None
    await chat.send("/start")
    assert "согласие" not in chat.text().lower()


async def test_consent_may_be_typed_as_a_plain_yes(chat: Conversation, storage: Storage) -> None:
    await chat.send("/start")
    await chat.send("не знаю")
    assert "нажмите «Согласен» или напишите «да»" in chat.text()
    assert chat.labels() == ["Согласен", "Что вы храните?"]
    before = await storage.get_profile(chat.chat)
    assert before is None or before.consent_at is None

    await chat.send("Да!")

    assert "Согласие получено" in chat.text()
    assert "10 цифр" in chat.text()
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert profile.consent_at is not None


async def test_a_yes_in_english_too(chat: Conversation, storage: Storage) -> None:
    await chat.send("/lang en")
    await chat.send("sure")
    assert "tap “I agree” or type “yes”" in chat.text()
    await chat.send("Yes.")
    assert "Consent received" in chat.text()


async def test_everything_personal_waits_for_consent(chat: Conversation, storage: Storage) -> None:
    for command in ("/bill", "/submit 45000", "/bind 12345-678-90 0012345", "/accounts"):
        await chat.send(command)
        assert "согласие" in chat.text().lower(), command
        assert "Согласен" in chat.labels()
    await chat.share_contact("+79990000001")
    assert "согласие" in chat.text().lower()
    assert await storage.bindings(chat.chat) == []


async def test_offices_and_help_need_no_consent(chat: Conversation) -> None:
    await chat.send("/help")
    assert "/submit" in chat.text()
    assert "с 15 по 26" in chat.text()
    await chat.send("/offices Бутово")
    assert "Изюмская 46" in chat.text()
    assert "+7 (499) 550-9-550" in chat.text()  # the supplier's line, as the contacts write it
    assert "550-95-50" not in chat.text()


async def test_offices_are_found_by_names_spelt_in_latin_letters(chat: Conversation) -> None:
    await chat.send("/lang en")
    await chat.send("/help")
    assert "/offices Butovo" in chat.text()
    await chat.send("/offices Butovo")
    assert "Изюмская 46" in chat.text()
    await chat.send("/offices smolnaya")
    assert "Смольная 24а" in chat.text()
    await chat.send("/offices Severnoe Tushino")
    assert "Свободы 71" in chat.text()
    await chat.send("/offices Bootovo")
    assert "No office matches" in chat.text()


async def test_language_switch_and_hint(chat: Conversation, engine: DialogEngine) -> None:
    await chat.send("/lang en")
    assert "English" in chat.text()
    assert chat.labels() == ["I agree", "What do you keep?"]
    await chat.send("/lang de")
    assert "/lang ru" in chat.text()
    english = await engine.handle(Start(ChatRef("test", "newcomer"), language_hint="en"))
    assert english[0].text.startswith("Hello!")


async def test_a_language_named_in_words_is_chosen_in_any_state(
    chat: Conversation, storage: Storage
) -> None:
    await chat.send("/start")
    await chat.send("English please")  # under the consent question, before any consent
    assert chat.text().startswith("I will write in English.\nHello!")
    assert chat.labels() == ["I agree", "What do you keep?"]
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert profile.locale == "en"  # the choice is kept…
    assert profile.consent_at is None  # …and nothing was consented to
    await chat.send("yes")
    await chat.send("по-русски")  # where the account is asked: asked again, in Russian
    assert chat.text().startswith("Буду писать по-русски.\nВведите номер лицевого счёта")
    await chat.send("12345-678-90")
    await chat.send("in English")  # where the meter's serial is asked: the same
    assert chat.text() == (
        "I will write in English.\nNow the meter number, as printed on the meter or on the bill."
    )
    await chat.send("0012345")
    assert "is now linked to this chat" in chat.text()
    await chat.send("не по-английски")  # a language negated is no wish for it
    assert "Буду писать" not in chat.text()
    await chat.send("язык")  # no language named: the choice
    assert chat.labels() == ["Русский", "English"]


async def test_unknown_command_gets_help(chat: Conversation) -> None:
    await chat.send("/frobnicate now")
    assert "Такой команды нет: /frobnicate" in chat.text()
    assert "/submit" in chat.text()
