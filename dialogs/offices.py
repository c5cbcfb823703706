"""The supplier's branches and client offices with their hours, and the district each serves.

Shipped as package data (`dialogs/data/offices.csv`, `dialogs/data/districts.csv`) because an
installed bot cannot read the repository's shared folder. How an office is found for what a
resident types is `dialogs.office_search`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import time
from importlib import resources

# Moscow's administrative okrugs: the abbreviation residents use, and the adjective of the full
# name («Юго-Восточный административный округ»).
OKRUGS = {
    "ЦАО": "Центральный",
    "САО": "Северный",
    "СВАО": "Северо-Восточный",
    "ВАО": "Восточный",
    "ЮВАО": "Юго-Восточный",
    "ЮАО": "Южный",
    "ЮЗАО": "Юго-Западный",
    "ЗАО": "Западный",
    "СЗАО": "Северо-Западный",
    "ЗелАО": "Зеленоградский",
    "НАО": "Новомосковский",
    "ТАО": "Троицкий",
}


@dataclass(frozen=True, slots=True)
class Opening:
    """Open from `opens` to `closes` on the days `first_day`…`last_day` (1 = Monday)."""

    first_day: int
    last_day: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Office:
    kind: str  # "branch" | "office"
    name: str
    address: str
    phone: str
    hours: tuple[Opening, ...] = ()
    okrug: str = ""  # empty: it serves businesses, not a district's residents


@dataclass(frozen=True, slots=True)
class District:
    name: str
    okrug: str
    office: str  # the name of the office that serves it
    basis: str  # "located" | "named" | "okrug" (dialogs/data/districts.csv says what each means)
    also: tuple[str, ...] = ()  # other names residents use for the place


@dataclass(frozen=True, slots=True)
class OfficeBook:
    offices: tuple[Office, ...] = ()
    districts: tuple[District, ...] = ()

    def office(self, name: str) -> Office | None:
        return next((office for office in self.offices if office.name == name), None)

    def branches(self) -> list[Office]:
        return [office for office in self.offices if office.kind == "branch"]

    def of_okrug(self, okrug: str) -> list[Office]:
        """The offices in the okrug, branches first; where it has none of its own (Зеленоград),
        the offices its districts are mapped to."""
        own = [office for office in self.offices if office.okrug == okrug]
        if not own:
            names = dict.fromkeys(d.office for d in self.districts if d.okrug == okrug)
            own = [office for name in names if (office := self.office(name)) is not None]
        return sorted(own, key=lambda office: office.kind != "branch")


def _rows(name: str) -> list[dict[str, str]]:
    raw = resources.files("dialogs").joinpath(f"data/{name}").read_text(encoding="utf-8")
    lines = [line for line in raw.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def load_offices() -> OfficeBook:
    offices = tuple(
        Office(
            row["kind"],
            row["name"],
            row["address"],
            pretty_phone(row["phone"]),
            parse_hours(row["hours"]),
            row["okrug"],
        )
        for row in _rows("offices.csv")
    )
    districts = tuple(
        District(
            row["district"],
            row["okrug"],
            row["office"],
            row["basis"],
            tuple(name for name in row["also"].split(";") if name),
        )
        for row in _rows("districts.csv")
    )
    return OfficeBook(offices, districts)


_OPENING = re.compile(r"^([1-7])(?:-([1-7]))? (\d\d:\d\d)-(\d\d:\d\d)$")


def parse_hours(text: str) -> tuple[Opening, ...]:
    """'1-5 08:00-20:00; 6 09:00-16:00' → two openings; a malformed part raises ValueError."""
    openings = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = _OPENING.match(part)
        if match is None:
            raise ValueError(f"office hours {part!r}: expected e.g. '1-5 08:00-20:00'")
        first, last, opens, closes = match.groups()
        opening = Opening(
            int(first), int(last or first), time.fromisoformat(opens), time.fromisoformat(closes)
        )
        openings.append(opening)
    return tuple(openings)


def pretty_phone(raw: str) -> str:
    """'8(499)5509550' → '+7 (499) 550-95-50'; other shapes are returned as they are."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] in "78":
        d = digits[1:]
        return f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
    return raw
