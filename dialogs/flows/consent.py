"""Consent to the processing of personal data (152-ФЗ): a refusal is heard.

A resident who answers the consent question with «нет», «не согласен», «не хочу» or "no" is
told so plainly: what works without consent (help, offices and their hours, contacts,
questions), and how to agree later. Nothing about an account is asked or kept until they do.
"""

from __future__ import annotations

import re

from dialogs.replies import Reply
from dialogs.turn import Turn
from dialogs.ui import CONSENT_INFO, CONSENT_YES, MENU_FAQ, MENU_OFFICES

# A refusal starts with one of these words…
_NO = frozenset({"нет", "неа", "no", "nope", "nah", "отказываюсь", "отказ", "disagree", "decline"})
# …or negates one of these: «не согласен», «не хочу», «не даю», "I do not agree".
_NEGATIONS = frozenset({"не", "not", "don't", "dont", "never"})
_REFUSED = (
    "соглас",
    "хоч",
    "дам",
    "даю",
    "буд",
    "над",
    "нуж",
    "agree",
    "want",
    "consent",
    "accept",
)


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w']+", " ", text.casefold().replace("ё", "е")).split()


def is_refusal(text: str) -> bool:
    """«нет», «Нет, спасибо», «не согласен», «не хочу», «несогласна», "no", "I don't agree"."""
    words = _words(text)[:5]
    if not words:
        return False
    if words[0] in _NO or words[0].startswith("несоглас"):
        return True
    return bool(_NEGATIONS & set(words)) and any(w.startswith(_REFUSED) for w in words)


# «Что вы храните?», «какие данные», «персональные данные», "what do you keep", "privacy".
_ABOUT_DATA = ("хран", "данны", "персональн", "keep", "store", "privacy", "data")


def asks_what_is_kept(text: str) -> bool:
    return any(word.startswith(_ABOUT_DATA) for word in _words(text)[:6])


def refused(turn: Turn) -> list[Reply]:
    """The refusal acknowledged: what works without consent, and how to agree later."""
    buttons = (
        (turn.button("btn_offices", MENU_OFFICES), turn.button("btn_faq", MENU_FAQ)),
        (turn.button("btn_consent", CONSENT_YES), turn.button("btn_consent_info", CONSENT_INFO)),
    )
    return [Reply(turn.t("consent_refused"), buttons)]
