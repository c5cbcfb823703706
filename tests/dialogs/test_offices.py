"""Offices residents can find: every district mapped to an office, spellings tolerated, hours in
the data and the replies, and one line for the phones everywhere."""

from __future__ import annotations

import string
from datetime import time

import pytest

from dialogs.events import Choice
from dialogs.office_search import fold, search
from dialogs.offices import OKRUGS, Opening, load_offices, parse_hours
from dialogs.texts import CATALOGUES
from tests.dialogs.conversation import Conversation

BOOK = load_offices()


def test_every_moscow_district_and_settlement_is_listed_once() -> None:
    names = [d.name for d in BOOK.districts]
    assert len(names) == len(set(names))
    per_okrug = {okrug: sum(d.okrug == okrug for d in BOOK.districts) for okrug in OKRUGS}
    # 125 districts (Зеленоград's 5 among them) and the 21 settlements of Новая Москва.
    assert per_okrug == {
        "ЦАО": 10, "САО": 16, "СВАО": 17, "ВАО": 16, "ЮВАО": 12, "ЮАО": 16, "ЮЗАО": 12,
        "ЗАО": 13, "СЗАО": 8, "ЗелАО": 5, "НАО": 11, "ТАО": 10,
    }  # fmt: skip


def test_every_district_is_served_by_a_residents_office_of_the_data() -> None:
    for district in BOOK.districts:
        office = BOOK.office(district.office)
        assert office is not None, district
        assert office.okrug, f"{district.name}: the business branch serves no district"
        assert district.basis in {"located", "named", "okrug"}
        if district.basis == "okrug":
            assert office.kind == "branch", district
            # Зеленоград has no office of its own, and one branch serves all of Новая Москва:
            # mapped beyond their okrug, as the data's header says.
            beyond = {"ЗелАО": "САО", "ТАО": "НАО"}
            assert office.okrug == beyond.get(district.okrug, district.okrug), district
        if district.basis == "named":
            stems = [word[:5] for word in fold(district.name).split() if len(word) >= 5]
            assert any(stem in fold(office.name) for stem in stems), district


def test_every_office_has_its_hours() -> None:
    for office in BOOK.offices:
        assert office.hours, office.name
        for opening in office.hours:
            assert 1 <= opening.first_day <= opening.last_day <= 7
            assert opening.opens < opening.closes


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1-5 08:00-20:00", (Opening(1, 5, time(8), time(20)),)),
        (
            "1-5 08:00-20:00; 6 09:00-16:00",
            (Opening(1, 5, time(8), time(20)), Opening(6, 6, time(9), time(16))),
        ),
        ("", ()),
    ],
)
def test_hours_are_read(text: str, hours: tuple[Opening, ...]) -> None:
    assert parse_hours(text) == hours


@pytest.mark.parametrize("text", ["пн-пт 8-20", "1-5 8:00-20:00", "8 08:00-20:00"])
def test_malformed_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="office hours"):
        parse_hours(text)


# What residents type → the office that must be in the answer (and the district named, if any).
FINDS = [
    ("Марьино", "Юго-Восточное отделение", "Марьино"),
    ("Люблино", "Юго-Восточное отделение", "Люблино"),
    ("Митино", "Северо-Западное отделение", "Митино"),
    ("Ясенево", "Юго-Западное отделение", "Ясенево"),
    ("ясенево", "Юго-Западное отделение", "Ясенево"),
    ("р-н Ясенево", "Юго-Западное отделение", "Ясенево"),
    ("район Марьино", "Юго-Восточное отделение", "Марьино"),
    ("Орехово-Борисово", "Клиентский офис «ОреховоБорисово»", "Орехово-Борисово Южное"),
    ("Орехово Борисово Сев", "Клиентский офис «ОреховоБорисово»", "Орехово-Борисово Северное"),
    ("ОреховоБорисово", "Клиентский офис «ОреховоБорисово»", "Орехово-Борисово Северное"),
    ("Бирюлёво", "Клиентский офис «Бирюлёвский»", "Бирюлёво Восточное"),
    ("Бирюлево", "Клиентский офис «Бирюлёвский»", "Бирюлёво Западное"),
    ("Бутово", "Клиентский офис «Бутово»", "Южное Бутово"),
    ("Butovo", "Клиентский офис «Бутово»", "Северное Бутово"),
    ("Yasenevo", "Юго-Западное отделение", "Ясенево"),
    ("Тёплый Стан", "Юго-Западное отделение", "Тёплый Стан"),
    ("Теплый стан", "Юго-Западное отделение", "Тёплый Стан"),
    ("Коммунарка", "Отделение «Новая Москва»", "Сосенское"),
    ("поселение Сосенское", "Отделение «Новая Москва»", "Сосенское"),
    ("Троицк", "Клиентский офис «Троицкий»", "Троицк"),
    ("Крюково", "Северное отделение", "Крюково"),
    ("Жулебино", "Юго-Восточное отделение", "Выхино-Жулебино"),
    ("Северное Тушино", "Клиентский офис «Северное Тушино»", "Северное Тушино"),
    ("Чертаново", "Клиентский офис «Донской»", "Чертаново Северное"),
    ("Чертаново", "Южное отделение", "Чертаново Южное"),
    ("Ясенего", "Юго-Западное отделение", "Ясенево"),  # one letter off: the closest name
    ("в Митине", "Северо-Западное отделение", "Митино"),  # inflected
    ("Maryino", "Юго-Восточное отделение", "Марьино"),
    ("ЮАО", "Южное отделение", None),
    ("юао", "Клиентский офис «Царицынский»", None),
    ("Южный округ", "Клиентский офис «Донской»", None),
    ("Юго-Восточный административный округ", "Юго-Восточное отделение", None),
    ("Зеленоград", "Северное отделение", None),
    ("г. Зеленоград", "Северное отделение", None),
    ("Новая Москва", "Клиентский офис «Щербинка»", None),
    ("ТиНАО", "Клиентский офис «Троицкий»", None),
    ("ул. Смольная", "Клиентский офис «Смольная»", None),
    ("Смольная 24а", "Северное отделение", None),
    ("Волгоградский проспект", "Клиентский офис «Кузьминки»", None),
    ("Severnoe Tushino", "Клиентский офис «Северное Тушино»", "Северное Тушино"),
]


@pytest.mark.parametrize(("query", "office", "district"), FINDS)
def test_residents_find_their_office(query: str, office: str, district: str | None) -> None:
    found = search(BOOK, query)
    shown = [
        *(s.office.name for s in found.served),
        *(o.name for o in found.okrug_offices),
        *(o.name for o in found.offices),
    ]
    assert office in shown
    if district is not None:
        assert district in [d.name for s in found.served for d in s.districts]


@pytest.mark.parametrize("query", ["Марс", "", "   ", "р-н", "12345", "qwertyuiop"])
def test_nothing_is_found_for_what_names_no_place(query: str) -> None:
    assert not search(BOOK, query)


@pytest.mark.parametrize("name", sorted({d.name for d in BOOK.districts}))
def test_each_district_finds_its_own_office_by_its_name(name: str) -> None:
    district = next(d for d in BOOK.districts if d.name == name)
    found = search(BOOK, name)
    assert any(district in s.districts and s.office.name == district.office for s in found.served)


async def test_a_district_answer_names_the_office_its_hours_and_the_phones(
    chat: Conversation,
) -> None:
    await chat.send("/offices Марьино")
    text = chat.text()
    assert "Марьино (ЮВАО):" in text
    assert "• Юго-Восточное отделение: Москва, Волгоградский проспект 163, корп.2; " in text
    assert "пн–пт 08:00–20:00, сб 09:00–16:00" in text
    assert "+7 (499) 550-88-99 (операторы, 08:30–20:00)" in text
    assert "+7 (499) 550-9-550 (голосовое меню, круглосуточно)" in text
    assert "тел." not in text  # the offices' number is the supplier's: given once, below


async def test_a_guess_says_it_is_one(chat: Conversation) -> None:
    await chat.send("/offices Ясенего")
    assert "ближе всего — «Ясенево»" in chat.text()
    assert "Юго-Западное отделение" in chat.text()


async def test_an_okrug_lists_its_offices_in_english(chat: Conversation) -> None:
    await chat.send("/lang en")
    await chat.send("/offices ЮАО")
    text = chat.text()
    assert "Offices — ЮАО:" in text
    assert "Mon–Fri 08:00–20:00, Sat 09:00–16:00" in text
    assert "+7 (499) 550-88-99 (operators, 08:30–20:00)" in text


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("офис в Бутово", "Клиентский офис «Бутово»"),
        ("адрес офиса в Марьино", "Юго-Восточное отделение"),
        ("отделение в Зеленограде", "Зеленоград"),
        ("office in Butovo", "Клиентский офис «Бутово»"),
    ],
)
async def test_a_place_typed_with_the_wish_for_an_office_is_searched(
    chat: Conversation, typed: str, found: str
) -> None:
    await chat.send("/start")
    await chat.press("Согласен")
    await chat.send(typed)
    assert found in chat.text()
    assert "Напишите район" not in chat.text()
    assert "Type a district" not in chat.text()


@pytest.mark.parametrize("typed", ["где ближайший офис", "офис на Луне"])
async def test_a_wish_for_an_office_naming_no_place_lists_the_branches(
    chat: Conversation, typed: str
) -> None:
    await chat.send("/start")
    await chat.press("Согласен")
    await chat.send(typed)
    assert chat.text().startswith("Напишите район, округ, название офиса или улицу")
    assert "не нашлось" not in chat.text()


async def test_the_branch_list_leaves_out_the_business_branch(chat: Conversation) -> None:
    await chat.event(Choice(chat.chat, "m:offices"))
    assert "Юго-Восточное отделение" in chat.text()
    assert "крупных потребителей" not in chat.text()


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("key", sorted(CATALOGUES["ru"]))
def test_no_text_gives_the_voice_menu_with_the_operators_hours(key: str) -> None:
    # The voice menu answers round the clock, the operators 08:30–20:00: a text that takes
    # the hours takes them with the operators' number, and the shared line says both.
    fields = _placeholders(CATALOGUES["ru"][key])
    if "hours" in fields:
        assert "phone_operators" in fields, key
