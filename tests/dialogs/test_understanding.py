"""Typed like a person: wishes in words at the menu, readings as written on the meter or in a
note, cancelling in words, states that end when the resident moves on, and the monthly cap."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing_core.models import Period, Register
from storage.base import Storage
from tests.dialogs.conftest import SINGLE, THREE_ZONE, TWO_ZONE, Bound
from tests.dialogs.conversation import Conversation

NOVEMBER = Period(2026, 11)
MENU_LABELS = "Передать показания"


# -- wishes at the menu ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["46800", "46 800", "46800 кВт", "т1 46800"])
async def test_a_bare_reading_at_the_menu_starts_a_submission_with_it(
    bound: Bound, typed: str
) -> None:
    chat = await bound(SINGLE)
    await chat.send(typed)
    assert "Проверьте показания за ноябрь 2026" in chat.text()
    assert "46\u00a0800 → 330\u00a0кВт·ч" in chat.text()
    assert "Всё верно, передать" in chat.labels()


@pytest.mark.parametrize(
    ("typed", "heard"),
    [
        ("хочу передать показания", "Прошлое показание: 46\u00a0470"),
        ("Показания", "Прошлое показание: 46\u00a0470"),
        ("сколько платить", "Итого к оплате"),
        ("мой счёт", "Итого к оплате"),
        ("когда оплатить", "оплатить его нужно до 10-го числа"),
        ("история", "Показания по счёту «квартира»"),
        ("где офис", "Напишите район, округ, название офиса или улицу"),
        ("помощь", "/submit 45230 21100"),
        ("меню", "Что нужно сделать?"),
        ("привет", "Здравствуйте! Чем помочь?"),
        ("спасибо", "Пожалуйста!"),
        ("сколько я должен", "Итого к оплате"),
        ("до свидания", "Всего доброго! Если что-то понадобится — пишите."),
        ("всего доброго", "Всего доброго!"),
    ],
)
async def test_a_wish_in_words_is_granted_as_its_button(
    bound: Bound, typed: str, heard: str
) -> None:
    chat = await bound(SINGLE)
    await chat.send("46720")
    await chat.press("Всё верно, передать")
    await chat.send(typed)
    assert heard in chat.text()
    assert "Не совсем понял" not in chat.text()


async def test_the_same_in_english(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/lang en")
    for typed, heard in [
        ("submit readings", "Last reading: 46,470"),
        ("cancel", "All right, nothing is submitted."),
        ("thanks", "You are welcome!"),
        ("hello", "Hello!"),
        ("how much do I owe", "Total due"),
        ("bye", "Goodbye! Write whenever you need me."),
    ]:
        await chat.send(typed)
        assert heard in chat.text() + " ".join(chat.labels()), (typed, chat.text())


async def test_a_question_nobody_answers_gets_the_closest_questions_and_the_phone(
    bound: Bound,
) -> None:
    chat = await bound(SINGLE)
    await chat.send("что такое общедомовые нужды в подъезде?")
    text = chat.text()
    assert "+7 (499) 550-9-550" in text
    assert chat.labels()[0] == "Что такое ОДН"  # the closest first
    assert "Главное меню" in chat.labels()
    await chat.press("Что такое ОДН")
    assert "освещение подъездов" in chat.text()


async def test_an_unknown_word_still_offers_a_way_on(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("абырвалг")
    assert "550-9-550" in chat.text()
    assert {"Вопросы", "Офисы и контакты", "Главное меню"} <= set(chat.labels())


# -- readings as written --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Т1 46800 Т2 21700",
        "т2=21700 т1=46800",
        "день: 46 800, ночь: 21 700",
        "T1 46800 кВт·ч T2 21700 кВт·ч",
    ],
)
async def test_labelled_zones_fill_the_registers_in_any_order(bound: Bound, typed: str) -> None:
    chat = await bound(TWO_ZONE)
    await chat.press(MENU_LABELS)
    await chat.send(typed)
    assert "Т1 день  46\u00a0800" in chat.text()
    assert "Т2 ночь  21\u00a0700" in chat.text()


async def test_one_labelled_zone_asks_for_the_others(bound: Bound) -> None:
    chat = await bound(THREE_ZONE)
    await chat.press(MENU_LABELS)
    await chat.send("ночь 21800")
    assert chat.text().startswith("Т1 (пик")
    await chat.send("пик 46600")
    assert chat.text().startswith("Т3 (полупик")


@pytest.mark.parametrize(
    ("typed", "zone", "zones", "example"),
    [
        ("т3 100", "т3", "Т1, Т2", "Т1 46470 Т2 21675"),
        # the example in the resident's own words for the zones
        ("пик 46800", "пик", "день, ночь", "день 46470 ночь 21675"),
        ("peak 46800", "peak", "day, night", "day 46470 night 21675"),
    ],
)
async def test_a_zone_the_meter_lacks_is_explained_with_an_example_of_its_own(
    bound: Bound, typed: str, zone: str, zones: str, example: str
) -> None:
    chat = await bound(TWO_ZONE)
    await chat.press(MENU_LABELS)
    await chat.send(typed)
    assert f"Не понял зону «{zone}»: у вашего счётчика зоны {zones}" in chat.text()
    assert f"Например: {example}" in chat.text()
    assert chat.text().endswith("Введите число или наберите по цифрам.")


async def test_words_instead_of_digits_get_an_example_too(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.press(MENU_LABELS)
    await chat.send("46 тысяч 720")
    assert "Например: 46470" in chat.text()


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("не хочу передавать показания", "Хорошо. Что-нибудь ещё?"),
        ("не надо показания", "Хорошо. Что-нибудь ещё?"),
        ("I don't want to submit", "All right. Anything else?"),
    ],
)
async def test_a_wish_negated_starts_nothing(bound: Bound, typed: str, answer: str) -> None:
    chat = await bound(TWO_ZONE)
    if answer.isascii():
        await chat.send("/lang en")
    await chat.send(typed)
    assert chat.text() == answer
    assert len(chat.labels()) == 8  # the menu
    await chat.send("46700")  # the menu still, not a zone's prompt: a submission opens afresh
    assert "Приём показаний открыт" in chat.text() or "Readings are accepted" in chat.text()


@pytest.mark.parametrize(("typed", "lang"), [("что такое ОДН", "ru"), ("what is ODN?", "en")])
async def test_a_question_at_the_office_search_gets_the_frequent_questions(
    bound: Bound, typed: str, lang: str
) -> None:
    chat = await bound(SINGLE)
    await chat.send(f"/lang {lang}")
    await chat.send("/offices")
    await chat.send(typed)
    assert chat.labels()[0] in ("Что такое ОДН", "Common-house needs (ОДН)")
    assert "офисов по запросу" not in chat.text()
    assert "No office" not in chat.text()
    await chat.send("Марьино")  # the search has ended: the menu hears it, not the search
    assert "Марьино" not in chat.text()


async def test_a_question_naming_no_topic_is_still_searched(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/offices")
    await chat.send("где Шмарьино?")
    assert "Не нашёл офисов по запросу «где Шмарьино?»" in chat.text()


# -- cancelling and leaving -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["отмена", "Назад", "стоп", "cancel", "/cancel", "не надо"])
async def test_cancel_in_words_leaves_a_submission_storing_nothing(
    bound: Bound, storage: Storage, typed: str
) -> None:
    chat = await bound(SINGLE)
    await chat.press(MENU_LABELS)
    await chat.send(typed)
    assert "Хорошо, ничего не передаю." in chat.text()
    await chat.send("/submit 46720")
    await chat.send(typed)  # under the preview too
    assert "Хорошо, ничего не передаю." in chat.text()
    assert await storage.current_reading("1234567890", NOVEMBER) is None
    await chat.send("/cancel")
    assert "Отменять нечего" in chat.text()


async def test_a_command_ends_the_office_search(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/offices")
    await chat.send("/bill")
    await chat.send("спасибо")
    assert "Пожалуйста!" in chat.text()
    await chat.send("/offices")
    await chat.press("Главное меню")
    await chat.send("/offices")
    await chat.send("/history")
    await chat.send("46800")
    assert "Проверьте показания" in chat.text()  # a reading, not an office


async def test_cancel_in_words_leaves_the_office_search(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/offices")
    await chat.send("назад")
    assert "Хорошо, отменил." in chat.text()
    await chat.send("Бутово")
    assert "Не нашёл офисов" not in chat.text()


async def test_the_search_still_searches(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/offices")
    await chat.send("Смольная")
    assert "Северное отделение" in chat.text()


async def test_a_language_change_goes_on_with_the_submission(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.press(MENU_LABELS)
    await chat.send("/lang en")
    assert "Last reading" in chat.text()
    await chat.send("46720")
    assert "Please check the readings" in chat.text()


async def test_a_button_of_another_flow_leaves_a_submission(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.press(MENU_LABELS)
    await chat.send("/bill")
    await chat.send("дача")
    assert "Нажмите кнопку" not in chat.text()
    assert "Введите показание цифрами" not in chat.text()


# -- the monthly cap ----------------------------------------------------------------------------


async def test_above_the_cap_is_refused_with_the_phone_and_asked_again(
    bound: Bound, storage: Storage
) -> None:
    chat = await bound(SINGLE)
    await chat.press(MENU_LABELS)
    await chat.send("146470")
    text = chat.text()
    assert "100\u00a0000\u00a0кВт·ч в месяц" in text
    assert "+7 (499) 550-9-550" in text
    assert "Да, верно" not in chat.labels()
    assert text.endswith("Введите число или наберите по цифрам.")
    await chat.send("46720")
    await chat.press("Всё верно, передать")
    stored = await storage.current_reading("1234567890", NOVEMBER)
    assert stored is not None
    assert stored.values == {Register.T1: Decimal(46720)}


async def test_above_the_cap_by_submit_is_refused_too(bound: Bound, storage: Storage) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("/submit 146470 21700")
    assert "Т1 день: 100\u00a0000\u00a0кВт·ч в месяц" in chat.text()
    assert chat.text().endswith("Введите число или наберите по цифрам.")
    assert await storage.current_reading("2345678901", NOVEMBER) is None


async def test_a_wish_to_submit_under_the_preview_does_not_start_again(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.send("/submit 46720")
    await chat.send("передать показания")
    assert "Нажмите кнопку под сообщением" in chat.text()
    assert "46\u00a0720 → 250\u00a0кВт·ч" in chat.text()  # the same preview, values kept


async def test_a_wish_with_labelled_readings_is_a_whole_submission(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("хочу передать показания: день 46800, ночь 21700")
    assert "Т1 день  46\u00a0800" in chat.text()
    assert "Т2 ночь  21\u00a0700" in chat.text()
    assert "Всё верно, передать" in chat.labels()


async def test_a_goodbye_before_consent_is_said_back_with_its_buttons(
    chat: Conversation,
) -> None:
    await chat.send("/start")
    await chat.send("до свидания")
    assert chat.text() == "Всего доброго! Если что-то понадобится — пишите."
    assert chat.labels() == ["Согласен", "Что вы храните?"]
