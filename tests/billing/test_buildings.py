"""Building keys: spellings of one building match, neighbours never do."""

from __future__ import annotations

import pytest

from billing_core.buildings import building_key, normalize_house_id

SAME_BUILDING = {
    "full abbreviations": "Москва, ул. Касимовская, д. 23, корп. 2, кв. 9",
    "words in full": "г. Москва, улица Касимовская, дом 23, корпус 2, квартира 9",
    "street kind after": "Касимовская улица 23к2",
    "run together with dots": "Касимовская ул.,д.23,к.2,кв.1",
    "case and spaces": "  КАСИМОВСКАЯ    23   К 2 ",
    "postcode and country": "115230, Россия, Москва, Касимовская, д 23 корп 2",
}


@pytest.mark.parametrize("address", SAME_BUILDING.values(), ids=SAME_BUILDING.keys())
def test_spellings_of_one_building_have_one_key(address: str) -> None:
    assert building_key(address) == "касимовская, 23 к2"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("ул. Ленина, д. 23", "ул. Ленина, д. 123", id="23 is not 123"),
        pytest.param("ул. Ленина, д. 23", "ул. Ленина, д. 23, корп. 2", id="not its корпус"),
        pytest.param("ул. Ленина, д. 23", "ул. Ленина, д. 23, стр. 1", id="not its строение"),
        pytest.param("ул. Ленина, д. 23", "ул. Ленина, д. 2", id="23 is not 2"),
        pytest.param("ул. Ленина, д. 23", "ул. Ленина, д. 23А", id="not its letter"),
        pytest.param("ул. Ленина, д. 23", "пр-т Ленина, д. 23", id="another street kind"),
        pytest.param("ул. Ленина, д. 23", "ул. Ленинская, д. 23", id="another street"),
        pytest.param(
            "ул. Ленина, д. 23, корп. 2", "ул. Ленина, д. 23, корп. 12", id="корпус 2 is not 12"
        ),
    ],
)
def test_neighbours_never_match(one: str, other: str) -> None:
    key, other_key = building_key(f"Москва, {one}"), building_key(f"Москва, {other}")
    assert key is not None
    assert other_key is not None
    assert key != other_key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        pytest.param("ул. Ёлочная, д. 3", "елочная, 3", id="ё is е"),
        pytest.param("Москва, Утренняя 8А, кв. 1", "утренняя, 8а", id="house letter"),
        pytest.param("Утренняя д. 8 а", "утренняя, 8а", id="house letter apart"),
        pytest.param("проспект Мира, д. 10/2", "мира пр-кт, 10/2", id="prospekt, fraction"),
        pytest.param("Мира пр-т 10/2", "мира пр-кт, 10/2", id="pr-t after the name"),
        pytest.param("ул. 8 Марта, д. 5", "8 марта, 5", id="a number in the street"),
        pytest.param("8 Марта 5 кв 1", "8 марта, 5", id="a number in the street, no д."),
        pytest.param("Варшавское шоссе, дом 1, строение 2", "варшавское ш, 1 с2", id="шоссе"),
        pytest.param(
            "1-я Тверская-Ямская ул., 10стр1", "1-я тверская-ямская, 10 с1", id="ordinal"
        ),
        pytest.param("Ленина, 5с1, офис 3", "ленина, 5 с1", id="office dropped"),
    ],
)
def test_keys(address: str, key: str) -> None:
    assert building_key(address) == key


@pytest.mark.parametrize("address", ["", "Москва", "ул. Ленина", "кв. 5", "д. 5"])
def test_no_street_or_no_house_is_no_key(address: str) -> None:
    assert building_key(address) is None


def test_house_ids() -> None:
    guid = "0c5b2444-70a0-4932-980c-b4dc0d3f02b5"
    assert normalize_house_id(guid.upper()) == guid
    assert normalize_house_id("{" + guid + "} ") == guid
    assert normalize_house_id("0c5b2444-70a0-4932-980c") is None
    assert normalize_house_id("ул. Ленина 5") is None
