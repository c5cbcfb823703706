"""Bill, history with its chart, reminders, offices, contacts, FAQ, /forget."""

from __future__ import annotations

from dialogs.events import Choice
from storage.base import Storage
from tests.dialogs.conftest import SINGLE, TWO_ZONE, Bound
from tests.dialogs.conversation import Conversation


async def test_last_bill_with_lines_and_basis(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("/bill")
    text = chat.text()
    assert "Счёт за октябрь 2026 по показаниям (23456-789-01)" in text
    assert "Т1 день: 280\u00a0кВт·ч × 8,74\u00a0₽ = 2\u00a0447,20\u00a0₽" in text
    assert "Итого к оплате:" in text
    assert "до 10 ноября" in text


async def test_history_with_chart(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.press("Главное меню")
    await chat.press("История")
    text = chat.text()
    assert "октябрь 2026: 46\u00a0470 — 280\u00a0кВт·ч" in text
    assert "апрель 2026: 45\u00a0000" in text
    picture = chat.last_reply().picture
    assert picture is not None
    assert picture.png.startswith(b"\x89PNG")
    assert picture.caption == "Расход по месяцам, кВт·ч"


async def test_reminders_on_off(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.press("Главное меню")
    await chat.press("Напоминания")
    assert "включены" in chat.text()
    await chat.press("Не напоминать")
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert not profile.reminders_on
    await chat.send("/remind on")
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert profile.reminders_on
    await chat.send("/remind maybe")
    assert "/remind on или /remind off" in chat.text()
    await chat.send("/reminders off")  # as the button reads: the command meant
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert not profile.reminders_on


async def test_offices_search_by_district_and_street(chat: Conversation) -> None:
    await chat.send("/offices")
    assert "Напишите район" in chat.text()
    await chat.send("тушино")
    assert "Клиентский офис «Северное Тушино»: Москва, Свободы 71, корп.3" in chat.text()
    await chat.send("Волгоградский")
    assert "Кузьминки" in chat.text()
    await chat.send("Марс")
    assert "Не нашёл офисов по запросу «Марс»" in chat.text()


async def test_contacts_and_faq(bound: Bound) -> None:
    chat = await bound(SINGLE)
    await chat.event(Choice(chat.chat, "m:contacts"))
    assert "+7 (499) 550-88-99 (операторы, 08:30–20:00)" in chat.text()
    assert "550-9-550 (голосовое меню, круглосуточно)" in chat.text()
    await chat.event(Choice(chat.chat, "m:faq"))
    assert len(chat.labels()) == 6
    await chat.press("Если не передать показания")
    assert "не дольше 3 месяцев" in chat.text()
    assert "пересчитают" in chat.text()
    await chat.press("Пени за просрочку")
    assert "ставки 9,5 %" in chat.text()
    await chat.press("Что такое ОДН")
    assert "пропорционально площади" in chat.text()
    await chat.press("Когда платить")
    assert "до 10-го числа" in chat.text()


async def test_forget_after_confirmation(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    await chat.send("/forget")
    assert "стереть" in chat.text()
    await chat.press("Нет, оставить")
    assert await storage.bindings(chat.chat)
    await chat.send("/forget")
    await chat.send("нет")
    assert "ничего не стираю" in chat.text()
    await chat.send("/forget")
    await chat.send("может быть")  # anything else asks again: erasing takes the button
    assert chat.labels() == ["Да, стереть", "Нет, оставить"]
    await chat.send("да")  # a typed yes is told so
    assert chat.text().startswith("Стираю только по кнопке «Да, стереть»")
    assert chat.labels() == ["Да, стереть", "Нет, оставить"]
    await chat.send("нет, спасибо")  # a no, not thanks
    assert "ничего не стираю" in chat.text()
    await chat.send("/forget")
    await chat.send("мой счёт")  # a wish leaves the question
    assert "Итого к оплате" in chat.text()
    await chat.send("/lang en")
    await chat.send("/forget")
    await chat.send("Yes")
    assert chat.text().startswith("I erase only when you press “Yes, erase”")
    await chat.send("/lang ru")
    assert await storage.bindings(chat.chat)
    await chat.send("/forget")
    await chat.press("Да, стереть")
    assert "данные этого чата стёрты" in chat.text()
    assert await storage.bindings(chat.chat) == []
    assert await storage.get_profile(chat.chat) is None
    await chat.send("/start")
    assert "Согласен" in chat.labels()


async def test_a_language_change_keeps_the_submission_in_progress(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.press("Передать показания")
    await chat.send("46700")
    await chat.send("/lang en")
    assert "English" in chat.text()
    assert "T2 (night, 23:00–07:00)" in chat.text()  # the value it was waiting for
    await chat.send("21775")
    assert "Total due: 2,387.20\u00a0₽" in chat.text()
    await chat.send("/lang ru")
    assert "Итого к оплате: 2\u00a0387,20\u00a0₽" in chat.text()  # the preview, in Russian
    assert chat.labels() == ["Всё верно, передать", "Исправить", "Отмена"]


async def test_english_conversation(bound: Bound) -> None:
    chat = await bound(TWO_ZONE)
    await chat.send("/lang en")
    await chat.press("Submit readings")
    assert "T1 (day, 07:00–23:00). Last reading: 46,470" in chat.text()
    await chat.send("46700")
    await chat.send("21775")
    assert "T1 day  46,700 → 230\u00a0kWh × 8.74\u00a0₽ = 2,010.20\u00a0₽" in chat.text()
    assert "Total due: 2,387.20\u00a0₽ by December 10" in chat.text()
    # "Correct" beside "All correct" read as a second yes
    assert chat.labels() == ["All correct, submit", "Change", "Cancel"]
    await chat.press("All correct, submit")
    assert "Readings accepted on November 20 at 14:05" in chat.text()
