"""The office for what a resident types: a district («Марьино», «р-н Бирюлёво», «Орехово-Борисово»
for the stored «ОреховоБорисово»), an okrug («ЮАО», «Зеленоград», «Новая Москва»), an office's
name or a street («ул. Смольная»), in Cyrillic or Latin letters.

Case, «ё», hyphens, quotes and the words people add around a name («район», «р-н», «ул.»,
«поселение», «Москва») do not matter. When nothing matches as typed, the closest name by
spelling is tried («Ясенего» → «Ясенево») and the answer says it was a guess.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from dialogs.offices import OKRUGS, District, Office, OfficeBook

# Words around a place's name that say what kind of place it is, or where.
FILLERS = frozenset(
    {
        "г", "гор", "город", "москва", "мск", "район", "р", "н", "рн", "р-н", "ул", "улица",
        "пос", "поселение", "поселок", "п", "мкр", "микрорайон", "округ", "ао", "адм",
        "административный", "д", "дом", "в", "на", "у", "около", "возле", "рядом", "офис",
        "district", "okrug", "moscow", "street", "st", "settlement", "in", "near", "office",
    }
)  # fmt: skip

# What residents call an okrug, besides its abbreviation.
OKRUG_NAMES = {
    "Зеленоград": ("ЗелАО",),
    "Новая Москва": ("НАО", "ТАО"),
    "ТиНАО": ("НАО", "ТАО"),
    "Новомосковский": ("НАО",),
}

# Cyrillic to Latin as English-speaking residents spell Moscow's names (Butovo, Smolnaya,
# Tushino, Khimki): the data is in Russian, an English query is matched against this.
_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
        "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    }
)  # fmt: skip

LIMIT = 8  # offices in one answer


def fold(text: str) -> str:
    """Lower case, «ё» as «е», anything but letters and digits as one space."""
    return re.sub(r"[\W_]+", " ", text.casefold().replace("ё", "е")).strip()


def _words(text: str) -> list[str]:
    return [word for word in fold(text).split() if word not in FILLERS]


def _spellings(name: str) -> tuple[list[str], list[str]]:
    """The name's words as written and in Latin letters."""
    words = fold(name).split()
    return words, [word.translate(_LATIN) for word in words]


def _names(words: list[str], name: str) -> bool:
    """Every typed word starts a word of `name`, or the typed words run together start it
    («орехово борисово» and «ОреховоБорисово» alike)."""
    typed = "".join(words)
    for spelt in _spellings(name):
        if all(any(part.startswith(word) for part in spelt) for word in words):
            return True
        if len(typed) >= 4 and "".join(spelt).startswith(typed):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Served:
    """Districts the query named, and the office that serves them."""

    districts: tuple[District, ...]
    office: Office


@dataclass(frozen=True, slots=True)
class Found:
    served: tuple[Served, ...] = ()
    okrugs: tuple[str, ...] = ()  # okrugs the query named
    okrug_offices: tuple[Office, ...] = ()
    offices: tuple[Office, ...] = ()  # found by their name or address, none of the above
    guess: str = ""  # the name found by its spelling when nothing matched as typed

    def __bool__(self) -> bool:
        return bool(self.served or self.okrug_offices or self.offices)


def search(book: OfficeBook, query: str) -> Found:
    words = _words(query)
    if not words:
        return Found()
    found = _search(book, words, fold(query).split())
    if found:
        return found
    guess = _closest(book, "".join(words))
    if not guess:
        return found
    return _search(book, _words(guess), fold(guess).split(), guess=guess)


def _search(book: OfficeBook, words: list[str], typed: list[str], guess: str = "") -> Found:
    okrugs = _okrugs(words, typed)
    districts = [] if okrugs else [d for d in book.districts if _district_named(d, words)]
    served: dict[str, list[District]] = {}
    for district in districts:
        served.setdefault(district.office, []).append(district)
    groups = tuple(
        Served(tuple(named), office)
        for name, named in served.items()
        if (office := book.office(name)) is not None
    )
    shown = {group.office.name for group in groups}
    okrug_offices: list[Office] = []
    for okrug in okrugs:
        okrug_offices += [o for o in book.of_okrug(okrug) if o.name not in shown]
        shown |= {o.name for o in okrug_offices}
    offices = (
        []
        if okrugs
        else [
            office
            for office in book.offices
            if office.name not in shown and _names(words, f"{office.name} {office.address}")
        ]
    )
    room = max(LIMIT - len(groups), 0)
    return Found(
        groups[:LIMIT],
        okrugs,
        tuple(okrug_offices[:room]),
        tuple(offices[: max(room - len(okrug_offices), 0)]),
        guess,
    )


def _district_named(district: District, words: list[str]) -> bool:
    return any(_names(words, name) for name in (district.name, *district.also))


def _okrugs(words: list[str], typed: list[str]) -> tuple[str, ...]:
    """The okrugs a query names: by abbreviation («ЮАО», «ТиНАО»), by what residents call them
    («Зеленоград», «Новая Москва»), or by the full name with «округ» or «АО» («Южный округ»)."""
    named = [abbr for abbr in OKRUGS if fold(abbr) in typed]
    together = "".join(typed)
    for name, okrugs in OKRUG_NAMES.items():
        folded = fold(name)
        if folded in words or folded.replace(" ", "") == together:
            named += [okrug for okrug in okrugs if okrug not in named]
    if not named and ({"округ", "ао"} & set(typed)):
        joined = "".join(words)
        named = [abbr for abbr, full in OKRUGS.items() if fold(full).replace(" ", "") == joined]
    return tuple(named)


def _closest(book: OfficeBook, typed: str) -> str:
    """The district, place or office name closest in spelling to `typed`, or ''."""
    names: dict[str, str] = {}
    for district in book.districts:
        for name in (district.name, *district.also):
            for spelt in _spellings(name):
                names.setdefault("".join(spelt), name)
    for name in OKRUG_NAMES:
        names.setdefault(fold(name).replace(" ", ""), name)
    for office in book.offices:
        short = office.name.partition("«")[2].rstrip("»")
        for spelt in _spellings(short) if short else ():
            names.setdefault("".join(spelt), short)
    close = difflib.get_close_matches(typed, list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else ""
