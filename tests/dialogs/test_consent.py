"""Consent that respects "no": a refusal is acknowledged with what works without consent and how
to agree later; «Что вы храните?» names the operator, the purpose, what is kept, for how long,
and how to erase it — in both languages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dialogs.answers import is_no, is_yes
from dialogs.config import DialogConfig
from dialogs.engine import DialogEngine
from dialogs.flows.consent import asks_what_is_kept
from storage.base import Storage
from tests.dialogs.conversation import Conversation, FakeClock

REFUSALS = [
    "нет", "Нет", "НЕТ!", "нет, спасибо", "Нет.", "не согласен", "Не согласна", "несогласен",
    "не хочу", "не даю согласия", "отказываюсь", "no", "No thanks", "nope", "I do not agree",
    "I don't agree", "don't want to", "decline", "не надо", "не", "don't",
]  # fmt: skip
NOT_REFUSALS = [
    "да", "согласен", "Согласна!", "yes", "I agree", "не знаю", "не понял", "что это", "привет",
    "", "   ", "нетто", "notes",
]  # fmt: skip


YESES = ["да", "Да!", "ДА.", "согласна", "Согласен!", "yes", "Yes.", "I agree"]
NOT_YESES = ["да, но", "да нет", "не знаю", "нет", "no", "", "дача", "yesterday"]


@pytest.mark.parametrize("text", YESES)
def test_a_plain_yes_is_recognised(text: str) -> None:
    assert is_yes(text)
    assert not is_no(text)


@pytest.mark.parametrize("text", NOT_YESES)
def test_other_answers_are_no_yes(text: str) -> None:
    assert not is_yes(text)


@pytest.mark.parametrize("text", REFUSALS)
def test_refusals_are_recognised(text: str) -> None:
    assert is_no(text)


@pytest.mark.parametrize("text", NOT_REFUSALS)
def test_other_answers_are_no_refusal(text: str) -> None:
    assert not is_no(text)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Что вы храните?", True),
        ("какие данные вы храните", True),
        ("персональные данные", True),
        ("what do you keep?", True),
        ("privacy", True),
        ("привет", False),
        ("да", False),
    ],
)
def test_questions_about_the_data_are_recognised(text: str, asks: bool) -> None:
    assert asks_what_is_kept(text) is asks


@pytest.mark.parametrize("text", ["нет", "не согласен", "не хочу"])
async def test_a_refusal_is_acknowledged_with_what_works_and_how_to_agree(
    chat: Conversation, storage: Storage, text: str
) -> None:
    await chat.send("/start")
    await chat.send(text)
    reply = chat.text()
    assert "без согласия я не привязываю лицевой счёт" in reply
    for works in ("/help", "/offices", "/contacts", "/faq"):
        assert works in reply
    assert "Если передумаете — нажмите «Согласен» или напишите «да»" in reply
    assert chat.labels() == ["Офисы и контакты", "Вопросы", "Согласен", "Что вы храните?"]
    profile = await storage.get_profile(chat.chat)
    assert profile is None or profile.consent_at is None
    # What it says works does work; then agreeing later.
    await chat.press("Офисы и контакты")
    assert "Отделения" in chat.text()
    await chat.send("/contacts")
    assert "550-88-99" in chat.text()
    await chat.send("/start")
    await chat.send("да")
    assert "Согласие получено" in chat.text()


async def test_a_refusal_in_english(chat: Conversation) -> None:
    await chat.send("/lang en")
    await chat.send("no")
    assert "without your consent I do not link an account" in chat.text()
    assert "press “I agree” or type “yes”" in chat.text()
    await chat.send("yes")
    assert "consent" in chat.text().lower()
    assert "10 digits" in chat.text()


async def test_anything_else_still_asks_for_consent(chat: Conversation) -> None:
    await chat.send("/start")
    await chat.send("не знаю")
    assert "Сначала нужно ваше согласие" in chat.text()


async def test_a_wish_under_the_consent_question_is_heard(
    chat: Conversation, storage: Storage
) -> None:
    await chat.send("/start")
    await chat.send("где ближайший офис")  # what works without consent is answered
    assert chat.text().startswith("Напишите район, округ, название офиса или улицу")
    await chat.send("/start")
    await chat.send("мой счёт")  # what needs consent asks for it
    assert "Сначала нужно ваше согласие" in chat.text()
    await chat.send("Нет, спасибо")  # the question's own answer first: a no, not thanks
    assert "без согласия я не привязываю лицевой счёт" in chat.text()
    profile = await storage.get_profile(chat.chat)
    assert profile is None or profile.consent_at is None


async def test_a_question_before_consent_gets_the_frequent_questions(
    chat: Conversation,
) -> None:
    await chat.send("/start")
    await chat.send("что такое ОДН?")  # the questions need no consent
    assert chat.text().startswith("На это я ответить не могу.")
    assert chat.labels()[0] == "Что такое ОДН"
    assert chat.labels()[-2:] == ["Согласен", "Что вы храните?"]
    await chat.press("Что такое ОДН")
    assert "пропорционально площади" in chat.text()
    await chat.send("/start")
    await chat.send("что такое ОДН?")
    await chat.send("да")  # the consent question still waits for its answer
    assert "Согласие получено" in chat.text()


@pytest.mark.parametrize("how", ["button", "typed"])
async def test_what_is_kept_names_operator_purpose_contents_duration_and_erasure(
    chat: Conversation, how: str
) -> None:
    await chat.send("/start")
    if how == "button":
        await chat.press("Что вы храните?")
    else:
        await chat.send("А что вы храните?")
    text = chat.text()
    assert "Оператор персональных данных — АО «Мосэнергосбыт»" in text
    assert "Цель — принимать показания" in text
    assert "Что я храню: номер лицевого счёта" in text
    assert "Как долго: данные этого чата — пока вы их не сотрёте" in text
    assert "не дольше 7 дней" in text
    assert "/forget" in text
    assert chat.labels() == ["Согласен", "Что вы храните?"]


async def test_the_operator_is_the_configured_supplier_in_english(
    storage: Storage, config: DialogConfig, clock: FakeClock
) -> None:
    contacts = replace(config.contacts, supplier="АО «Энергосбыт-Тест»")
    chat = Conversation(DialogEngine(storage, replace(config, contacts=contacts), clock))
    await chat.send("/lang en")
    await chat.press("What do you keep?")
    text = chat.text()
    assert "The operator of your personal data is АО «Энергосбыт-Тест»" in text
    assert "For how long: this chat's data until you erase it" in text
    assert "/forget" in text
