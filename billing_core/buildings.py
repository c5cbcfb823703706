"""Which building an address is in: the key outages are matched to accounts by.

An operator names the buildings of an outage by their ГАР/ФИАС GUID (`house_id`) or, without
one, by street and house as the accounts' `address` spells them. Spellings differ from one
system to another («ул. Касимовская, д. 23, корп. 2» against «Касимовская улица 23к2»), so both
sides are reduced to one key before they are compared, and two addresses match only when their
keys are equal:

- lower case, «ё» read as «е», runs of spaces and punctuation as one separator;
- the city («Москва», «г. Москва»), the country and a six-digit postcode are dropped;
- the flat and what follows it («кв. 9», «квартира 9», «офис 3», «пом. 1») are dropped;
- «ул.»/«улица» are dropped (a street is the default); other street kinds keep one spelling
  each and go after the name: «проспект Мира», «пр-т Мира» and «Мира пр-кт» are all
  «мира пр-кт»;
- the house is the number after «д.»/«дом»/«вл.», else the last bare number before the flat,
  with its letter or fraction («8А», «8 а» → «8а», «10/2»);
- «корп.»/«корпус»/«к.» and «стр.»/«строение»/«с.» are kept as «к2» and «с1», written
  apart or run together («23к2», «23 корп. 2»).

The key is the street, a comma, and the house with its корпус and строение: «касимовская, 23 к2».
So «д. 23» never matches «д. 123» (another number) nor «д. 23 корп. 2» (another building).
"""

from __future__ import annotations

import re

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

_CITY = frozenset({"г", "город", "москва", "россия", "рф"})
_FLAT = re.compile(r"(?:^|[\s,])(?:кв|квартира|оф|офис|пом|помещение|комн|комната)(?:[\s.,]|\d|$)")
_HOUSE_MARK = frozenset({"д", "дом", "вл", "владение"})
_KORPUS = frozenset({"к", "корп", "корпус"})
_STROENIE = frozenset({"с", "стр", "строение"})
_DROPPED_KINDS = frozenset({"ул", "улица"})
_STREET_KINDS = {
    "проспект": "пр-кт", "пр-кт": "пр-кт", "пр-т": "пр-кт", "просп": "пр-кт", "пр": "пр-кт",
    "переулок": "пер", "пер": "пер",
    "бульвар": "б-р", "б-р": "б-р", "бул": "б-р",
    "шоссе": "ш", "ш": "ш",
    "проезд": "проезд", "пр-д": "проезд",
    "площадь": "пл", "пл": "пл",
    "набережная": "наб", "наб": "наб",
    "тупик": "туп", "туп": "туп",
    "аллея": "аллея", "линия": "линия", "квартал": "кв-л", "кв-л": "кв-л",
    "микрорайон": "мкр", "мкр": "мкр",
}  # fmt: skip
# «23к2», «23 к.2», «23корп2», «23стр1», «д.23»: the marker set apart from its number.
_RUN_TOGETHER = re.compile(r"(\d)\s*(корпус|корп|к|строение|стр|с)\.?\s*(?=\d)")
_HOUSE_RUN = re.compile(r"(?<![0-9а-яa-z-])(д|дом|вл)\.?\s*(?=\d)")
_TOKEN = re.compile(r"\d+[а-яa-z]?/\d+[а-яa-z]?|[0-9а-яa-z]+(?:-[0-9а-яa-z]+)*")
_NUMBER = re.compile(r"^\d+[а-яa-z]?(?:/\d+[а-яa-z]?)?$")
_POSTCODE = re.compile(r"^\d{6}$")
_LETTER = re.compile(r"^[а-яa-z]$")


def normalize_house_id(text: str) -> str | None:
    """A ГАР/ФИАС GUID in lower case without braces, or None when `text` is not one."""
    value = text.strip().strip("{}").strip().lower()
    return value if _GUID.match(value) else None


def house_address(address: str) -> str:
    """The address without the flat and what follows it: what a notice to the whole building
    names («Москва, ул. Ленина, д. 23, кв. 5» → «Москва, ул. Ленина, д. 23»)."""
    flat = _FLAT.search(address.lower())
    kept = address if flat is None else address[: flat.start()]
    return kept.strip().rstrip(",;").strip()


def building_key(address: str) -> str | None:
    """The building `address` is in, as the key outages are matched by (see the module's
    rules), or None when no street and house number can be read from it."""
    text = address.lower().replace("ё", "е").replace("№", " ")
    flat = _FLAT.search(text)
    if flat is not None:
        text = text[: flat.start()]
    text = _HOUSE_RUN.sub(r"\1 ", _RUN_TOGETHER.sub(r"\1 \2 ", text))
    tokens = [t for t in _TOKEN.findall(text) if t not in _CITY and not _POSTCODE.match(t)]
    at = _house_at(tokens)
    if at is None:
        return None
    street_words: list[str] = []
    kinds: list[str] = []
    for token in tokens[:at]:
        if token in _HOUSE_MARK or token in _DROPPED_KINDS:
            continue
        kind = _STREET_KINDS.get(token)
        if kind is not None:
            kinds.append(kind)
        else:
            street_words.append(token)
    if not street_words:
        return None
    house = tokens[at]
    rest = tokens[at + 1 :]
    if rest and _LETTER.match(rest[0]) and rest[0] not in _KORPUS | _STROENIE:
        house += rest.pop(0)  # «8 а» is the house «8а»
    korpus = _part_after(rest, _KORPUS)
    stroenie = _part_after(rest, _STROENIE)
    key = f"{' '.join(street_words + kinds)}, {house}"
    if korpus:
        key += f" к{korpus}"
    if stroenie:
        key += f" с{stroenie}"
    return key


def _house_at(tokens: list[str]) -> int | None:
    """Where the house number is: after an explicit «д.»/«дом», else the last bare number that
    is not a корпус or строение."""
    for index, token in enumerate(tokens[:-1]):
        if token in _HOUSE_MARK and _NUMBER.match(tokens[index + 1]):
            return index + 1
    found = None
    for index, token in enumerate(tokens):
        if not _NUMBER.match(token) or index == 0:
            continue
        before = tokens[index - 1]
        if before in _KORPUS or before in _STROENIE:
            continue
        if (
            found is not None
            and tokens[found + 1 : index]
            and not any(t in _KORPUS or t in _STROENIE for t in tokens[found + 1 : index])
        ):
            # A number after words after a number: «8 Марта 5» — the street held the first.
            found = index
        elif found is None:
            found = index
    return found


def _part_after(tokens: list[str], marks: frozenset[str]) -> str:
    for index, token in enumerate(tokens[:-1]):
        if token in marks and _NUMBER.match(tokens[index + 1]):
            return tokens[index + 1]
    return ""
