"""What a resident means by what they type: «хочу передать показания», «сколько платить»,
«где офис», «спасибо», "my bill please", a bare «46720». Each meaning leads to the very action a
button or a command of the menu takes (`target`), so the dialog answers a typed wish exactly as
it answers the press.

Words are compared in their dictionary form (`dialogs.words`): inflection, case, «ё»/«е» and a
one-letter typo do not matter. Both languages are heard in every chat: a resident may type in
either whatever the bot speaks.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from billing_core.written import readings_part, strip_units, without_labels
from dialogs.flows.general import DECLINED, FAQ_TOPIC, FAREWELL, THANKS
from dialogs.flows.offices import CONTACTS, FIND_OFFICE
from dialogs.ui import (
    MENU_ACCOUNTS,
    MENU_BILL,
    MENU_FAQ,
    MENU_HISTORY,
    MENU_OFFICES,
    MENU_OUTAGES,
    MENU_REMINDERS,
    MENU_SUBMIT,
    TO_MENU,
)
from dialogs.words import TypoIndex, forms, is_known, lemmas, plain, words


class Intent(enum.StrEnum):
    SUBMIT = "submit"
    BILL = "bill"
    PAY = "pay"  # how much, how to pay: the money screen
    WHEN_PAY = "when_pay"  # when a bill is due: the answer of the FAQ
    HISTORY = "history"
    ACCOUNTS = "accounts"
    REMINDERS = "reminders"
    OUTAGES = "outages"
    OFFICES = "offices"
    CONTACTS = "contacts"
    FAQ = "faq"
    HELP = "help"
    MENU = "menu"
    CANCEL = "cancel"
    THANKS = "thanks"
    GREETING = "greeting"
    FAREWELL = "farewell"
    LANGUAGE = "language"  # «по-английски», "English please": the language it names, or the choice
    DECLINED = "declined"  # a wish negated: «не хочу передавать показания», "I don't want to pay"


# Dictionary forms that name a language: the wish is for that one.
_ENGLISH = "английский по-английски инглиш english"
_RUSSIAN = "русский по-русски russian"

# Dictionary forms that name each wish, Russian and English. Forms and typos of these are heard.
VOCABULARY: dict[Intent, str] = {
    Intent.SUBMIT: "показание показания передать передавать отправить отправлять сдать сдавать "
    "внести вносить подать submit send reading",
    Intent.BILL: "счет квитанция сумма начисление начислить bill invoice statement amount balance",
    Intent.PAY: "платить оплатить оплачивать заплатить оплата плата платеж долг задолженность "
    "реквизит qr qr-код кьюар pay payment owe debt",
    Intent.HISTORY: "история расход график статистика потребление history usage consumption chart",
    Intent.ACCOUNTS: "лицевой account",
    Intent.REMINDERS: "напоминание напомнить напоминать remind reminder",
    Intent.OUTAGES: "отключение отключить свет outage blackout",
    Intent.OFFICES: "офис отделение филиал адрес office branch address",
    Intent.CONTACTS: "телефон позвонить звонить контакт оператор phone call contact operator",
    Intent.FAQ: "вопрос faq question",
    Intent.HELP: "помощь помочь справка команда уметь help command",
    Intent.MENU: "меню главный menu home main",
    Intent.CANCEL: "отмена отменить назад стоп хватить выход выйти прекратить cancel back stop "
    "quit exit abort",
    Intent.THANKS: "спасибо благодарить благодарный спс пасиб thanks thank thx cheers",
    Intent.GREETING: "привет здравствовать здравствуйте добрый здорово приветствовать hello hi "
    "hey morning evening afternoon",
    Intent.LANGUAGE: f"язык language {_ENGLISH} {_RUSSIAN}",
    # «Пока» alone is a farewell too, but not «пока не могу…»: see `_FAREWELLS`.
    Intent.FAREWELL: "свидание досвидание bye goodbye",
}

# When words of several wishes meet, the first of this order is meant: «история показаний» is
# the history, «спасибо, передам показания» a submission, «назад в меню» the menu.
PRIORITY = (
    Intent.ACCOUNTS,
    Intent.WHEN_PAY,
    Intent.PAY,
    Intent.HISTORY,
    Intent.REMINDERS,
    Intent.OUTAGES,
    Intent.SUBMIT,
    Intent.BILL,
    Intent.OFFICES,
    Intent.CONTACTS,
    Intent.LANGUAGE,
    Intent.FAQ,
    Intent.HELP,
    Intent.MENU,
    Intent.CANCEL,
    Intent.FAREWELL,
    Intent.THANKS,
    Intent.GREETING,
)

# «Сколько я должен?»: owing, which alone is no wish («я должна передать…»), with «сколько».
_HOW_MUCH = frozenset({"сколько"})
_OWING = frozenset({"должный", "должен"})
# Words that make a question about paying or the bill one about their dates.
_WHEN = frozenset({"когда", "срок", "число", "until", "when", "due", "deadline", "date"})
# Whole messages that refuse as plainly as «отмена» does.
_REFUSALS = frozenset({"не надо", "не нужно", "никак", "never mind", "nevermind"})
# Whole messages that say goodbye in words that alone mean more («пока», «доброго»).
_FAREWELLS = frozenset(
    {
        "пока", "пока пока", "спасибо пока", "всего доброго", "всего хорошего", "хорошего дня",
        "хорошего вечера", "спокойной ночи", "спасибо всего доброго", "see you", "good night",
        "have a nice day", "thanks bye",
    }
)  # fmt: skip
# A wish is negated by one of these words right before a wanting word or the wish itself: «не
# хочу», «не надо», «не передам», "do not want", "don't need" — not «не могу передать» (a trouble).
_NEGATIONS = frozenset({"не", "not", "don't", "dont", "never"})
_WANTING = ("хоч", "хот", "надо", "нуж", "буд", "want", "wanna", "need", "like")
# Reminders and outage notices negated («напоминания не нужны») are a wish to turn them off:
# their screen, with its switch. Leaving, thanks and greetings negated are still themselves.
_DECLINABLE = frozenset(
    {
        Intent.SUBMIT,
        Intent.BILL,
        Intent.PAY,
        Intent.WHEN_PAY,
        Intent.HISTORY,
        Intent.HELP,
        Intent.LANGUAGE,  # «не по-английски»: not a wish for English
    }
)
_DIGIT = re.compile(r"\d")
_READINGS_ONLY = re.compile(r"[\d\s.,;:=+*/·()–—\-]*")
MAX_WORDS = 40  # a longer message is read by its first words


@dataclass(frozen=True, slots=True)
class Meaning:
    """The wish of a message, and what it carries: readings («передать 46720» → «46720»), the
    language named («по-английски» → "en"), the place of an office («офис в Бутово»)."""

    intent: Intent | None
    readings: str = ""
    locale: str = ""
    place: str = ""


@cache
def _vocabulary() -> tuple[dict[str, frozenset[Intent]], TypoIndex]:
    """Each dictionary form → the wishes it names, and the index of typos of all their forms."""
    by_lemma: dict[str, set[Intent]] = {}
    owners: dict[str, set[str]] = {}
    for intent, listed in VOCABULARY.items():
        for lemma in listed.split():
            by_lemma.setdefault(plain(lemma), set()).add(intent)
            for form in forms(plain(lemma)):
                owners.setdefault(form, set()).add(plain(lemma))
    frozen = {lemma: frozenset(found) for lemma, found in by_lemma.items()}
    return frozen, TypoIndex(owners)


def warm() -> None:
    """Load the analyser and the vocabulary now rather than in a resident's first turn."""
    _vocabulary()


def read(text: str) -> Meaning:
    """The wish `text` states, if any."""
    stripped = text.strip()
    if _DIGIT.search(stripped) and _is_readings_only(stripped):
        return Meaning(Intent.SUBMIT, stripped)
    found = _intents(stripped)
    intent = next((i for i in PRIORITY if i in found), None)
    if intent in _DECLINABLE and _negated(stripped):
        return Meaning(Intent.DECLINED)
    if intent is Intent.SUBMIT and _DIGIT.search(stripped):
        return Meaning(intent, readings_part(stripped))
    if intent is Intent.LANGUAGE:
        return Meaning(intent, locale=_language_named(stripped))
    if intent is Intent.OFFICES:
        return Meaning(intent, place=_place_named(stripped))
    return Meaning(intent)


# Words around a place in a wish for an office: «где ближайший офис в Марьино».
_NOT_PLACE_WORDS = (
    "в во на у около рядом возле где ближайший ближний мой наш ваш какой есть ли находиться "
    "подсказать адрес the in at near nearest closest where is are my your a an of there any"
)
_NOT_PLACE = frozenset(_NOT_PLACE_WORDS.split())


def _place_named(text: str) -> str:
    """The words of a wish for an office that may name a place: neither the wish's own words nor
    the words around a place; "" when none are left."""
    by_lemma, _ = _vocabulary()
    left = [
        word
        for word in words(text)[:MAX_WORDS]
        if not any(lemma in _NOT_PLACE or lemma in by_lemma for lemma in lemmas(word))
    ]
    return " ".join(left)


def _language_named(text: str) -> str:
    """The locale of the one language the text names ("en", "ru"), else ""."""
    named = {lemma for word in words(text)[:MAX_WORDS] for lemma in lemmas(word)}
    english = bool(named & _NAMES_ENGLISH)
    if english == bool(named & _NAMES_RUSSIAN):
        return ""
    return "en" if english else "ru"


_NAMES_ENGLISH = frozenset(_ENGLISH.split())
_NAMES_RUSSIAN = frozenset(_RUSSIAN.split())


def _is_readings_only(text: str) -> bool:
    """Numbers, zone labels and units, nothing else: «46 720», «т1 46720 т2 21800 кВт»."""
    line = strip_units(text)
    return _READINGS_ONLY.fullmatch(without_labels(line)) is not None


def _negated(text: str) -> bool:
    """Whether a negation stands right before a wanting word or a word naming a wish, and
    before any such word: «не хочу передавать показания», not «показания? не могу понять»."""
    typed = words(text)[:MAX_WORDS]
    for word, after in pairwise(typed):
        if word in _NEGATIONS and (after.startswith(_WANTING) or _intents(after)):
            return True
        if _intents(word):
            return False  # the wish is named first: what follows is about it
    return False


def _intents(text: str) -> set[Intent]:
    typed = words(text)[:MAX_WORDS]
    if not typed:
        return set()
    by_lemma, typos = _vocabulary()
    found: set[Intent] = set()
    for word in typed:
        named = {i for lemma in lemmas(word) for i in by_lemma.get(lemma, ())}
        if not named and not is_known(word):
            named = {i for lemma in typos.near(word) for i in by_lemma.get(lemma, ())}
        found |= named
    typed_lemmas = [lemmas(word) for word in typed]
    if any(_OWING & each for each in typed_lemmas) and any(_HOW_MUCH & e for e in typed_lemmas):
        found.add(Intent.PAY)
    if found & {Intent.PAY, Intent.BILL} and any(_WHEN & each for each in typed_lemmas):
        found.add(Intent.WHEN_PAY)
    if Intent.ACCOUNTS in found:
        found.discard(Intent.BILL)  # «лицевой счёт» is an account, not a bill
    if " ".join(typed) in _REFUSALS:
        found.add(Intent.CANCEL)
    if " ".join(typed) in _FAREWELLS:
        found.add(Intent.FAREWELL)
    return found


# -- where each wish leads ----------------------------------------------------------------------

# Wishes every state hears: they leave it.
NAVIGATION = frozenset({Intent.CANCEL, Intent.MENU})


@dataclass(frozen=True, slots=True)
class Press:
    """A wish granted as the press of the button with this action id."""

    action_id: str


@dataclass(frozen=True, slots=True)
class Call:
    """A wish granted as this command."""

    name: str
    args: tuple[str, ...] = ()


BUTTONS: dict[Intent, str] = {
    Intent.SUBMIT: MENU_SUBMIT,
    Intent.BILL: MENU_BILL,
    Intent.PAY: MENU_BILL,
    Intent.WHEN_PAY: f"{FAQ_TOPIC}pay",
    Intent.HISTORY: MENU_HISTORY,
    Intent.ACCOUNTS: MENU_ACCOUNTS,
    Intent.REMINDERS: MENU_REMINDERS,
    Intent.OUTAGES: MENU_OUTAGES,
    Intent.OFFICES: MENU_OFFICES,
    Intent.CONTACTS: CONTACTS,
    Intent.FAQ: MENU_FAQ,
    Intent.MENU: TO_MENU,
    Intent.THANKS: THANKS,
    Intent.FAREWELL: FAREWELL,
    Intent.DECLINED: DECLINED,
}
COMMANDS = {
    Intent.HELP: "help",
    Intent.CANCEL: "cancel",
    Intent.GREETING: "start",
    Intent.LANGUAGE: "lang",
}
# Wishes heard in every state, even one that hears no other but leaving it (a name being typed):
# one who cannot read the bot's language must be able to change it, and a goodbye is said back
# rather than taken for a name.
EVERYWHERE = frozenset({Intent.LANGUAGE, Intent.FAREWELL})


def target(meaning: Meaning) -> Press | Call:
    """The button or command that grants `meaning` (readings typed with a wish go to /submit)."""
    intent = meaning.intent
    if intent is Intent.SUBMIT and meaning.readings:
        return Call("submit", tuple(meaning.readings.split()[:10]))
    if intent is Intent.LANGUAGE:
        return Call("lang", (meaning.locale,) if meaning.locale else ())
    if intent is Intent.OFFICES and meaning.place:
        return Press(f"{FIND_OFFICE}{meaning.place}")
    if intent in COMMANDS:
        return Call(COMMANDS[intent])
    return Press(BUTTONS[intent] if intent is not None else TO_MENU)
