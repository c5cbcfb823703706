"""Words as residents type them, brought to their dictionary form: «показаний», «Показанья»,
«счёта» and «счета» all read as one word, and a word of a vocabulary typed with one letter
wrong, missing, extra or swapped («пакaзания», «оплотить», "histroy") as that word.

Russian forms come from the `pymorphy3` morphological analyser and its dictionaries. The
analyser takes a fraction of a second to load, so it is loaded once per process, on first use;
every word's reading is remembered, so a turn costs dictionary look-ups, not analyses. English
words are reduced by their common endings; no dictionary is needed for the few words the bot
listens for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_CYRILLIC = re.compile(r"[а-я]")
# A typo is looked for only in words this long: shorter ones are too close to each other
# («счет», «свет», «cчет»).
MIN_TYPO_LENGTH = 5


@cache
def analyser() -> MorphAnalyzer:
    """The Russian analyser, loaded once (its dictionaries take ~0.2 s)."""
    from pymorphy3 import MorphAnalyzer

    return MorphAnalyzer(lang="ru")


def plain(text: str) -> str:
    """Lower case, «ё» as «е»: the spelling every comparison here uses."""
    return text.casefold().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of `text` in plain spelling, without digits and signs."""
    return _WORD.findall(plain(text))


@lru_cache(maxsize=20_000)
def lemmas(word: str) -> frozenset[str]:
    """The dictionary forms a plain word may be a form of («счета» → счет, счесть), the word
    itself included."""
    if not _CYRILLIC.search(word):
        return frozenset({word, _english_stem(word)})
    found = {plain(parse.normal_form) for parse in analyser().parse(word)}
    return frozenset({word, *found})


def is_known(word: str) -> bool:
    """Whether a plain word is a Russian word of the dictionary (else it may be a typo)."""
    return bool(_CYRILLIC.search(word)) and analyser().word_is_known(word)


def forms(lemma: str) -> set[str]:
    """Every form of a dictionary word, in plain spelling («показание» → показания, …)."""
    if not _CYRILLIC.search(lemma):
        return {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "ing"}
    found = {lemma}
    for parse in analyser().parse(lemma):
        if plain(parse.normal_form) == lemma:
            found.update(plain(form.word) for form in parse.lexeme)
    return found


def _english_stem(word: str) -> str:
    for ending in ("ings", "ing", "ies", "es", "ed", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


class TypoIndex:
    """Which of some words a typed word is within one edit of (a letter wrong, missing, extra,
    or two neighbours swapped): every word and its one-letter deletions are indexed, so a look-up
    is a handful of dictionary reads (the symmetric-deletion method)."""

    def __init__(self, owners: Mapping[str, Iterable[str]]) -> None:
        # A form → what it stands for (a lemma, a topic); deletions → forms.
        self._owner: dict[str, set[str]] = {}
        self._by_deletion: dict[str, set[str]] = {}
        for form, owned in owners.items():
            self._owner.setdefault(form, set()).update(owned)
            for variant in (form, *_deletions(form)):
                self._by_deletion.setdefault(variant, set()).add(form)

    def near(self, word: str) -> set[str]:
        """What the forms within one edit of `word` stand for; empty for a short word."""
        if len(word) < MIN_TYPO_LENGTH:
            return set()
        candidates: set[str] = set()
        for variant in (word, *_deletions(word)):
            candidates |= self._by_deletion.get(variant, set())
        found: set[str] = set()
        for form in candidates:
            if _one_edit(word, form):
                found |= self._owner[form]
        return found


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by at most one letter changed, added, dropped, or two
    neighbouring letters swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
