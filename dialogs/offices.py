"""The supplier's branches and client offices, searchable by district or street.

Shipped as package data (`dialogs/data/offices.csv`) because an installed bot cannot read the
repository's shared folder.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Office:
    kind: str  # "branch" | "office"
    name: str
    address: str
    phone: str


def load_offices() -> tuple[Office, ...]:
    raw = resources.files("dialogs").joinpath("data/offices.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(raw))
    return tuple(
        Office(row["kind"], row["name"], row["address"], pretty_phone(row["phone"]))
        for row in rows
    )


def pretty_phone(raw: str) -> str:
    """'8(499)5509550' → '+7 (499) 550-95-50'; other shapes are returned as they are."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] in "78":
        d = digits[1:]
        return f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
    return raw


# Cyrillic to Latin as English-speaking residents spell Moscow's names (Butovo, Smolnaya,
# Tushino, Khimki): the offices are listed in Russian, an English query is matched against this.
_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
        "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    }
)  # fmt: skip


def _fold(text: str) -> str:
    # People type «ё» as «е», skip hyphens and quotes, and shorten «проспект» as they like.
    return re.sub(r"[^\w]+", " ", text.casefold().replace("ё", "е")).strip()


def search_offices(offices: tuple[Office, ...], query: str, limit: int = 8) -> list[Office]:
    """Offices whose name or address contains every word of the query (case, «ё» ignored).

    A word matches the start of any word of the office, so «бутов» finds «Бутово», and so does
    «Butov», matched against the name spelt in Latin letters.
    """
    words = _fold(query).split()
    if not words:
        return []
    found: list[Office] = []
    for office in offices:
        folded = _fold(f"{office.name} {office.address}")
        haystack = f"{folded} {folded.translate(_LATIN)}".split()
        if all(any(part.startswith(word) for part in haystack) for word in words):
            found.append(office)
    return found[:limit]


def branches(offices: tuple[Office, ...]) -> list[Office]:
    return [office for office in offices if office.kind == "branch"]
