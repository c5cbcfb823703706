"""Yes and no, typed to a question the bot asked with buttons: consent, unlinking an account,
erasing a chat's data. A plain yes must be the whole message; a no is heard in more forms,
since hearing one where none was meant only keeps things as they are."""

from __future__ import annotations

import re

# A yes as plain as the button: the whole message, «Да!», "I agree".
_YES = frozenset({"да", "согласен", "согласна", "согласны", "yes", "agree", "i agree"})
# A no starts with one of these words…
_NO = frozenset({"нет", "неа", "no", "nope", "nah", "отказываюсь", "отказ", "disagree", "decline"})
# …or negates one of these: «не согласен», «не хочу», «не даю», «не надо», "I do not agree".
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


def plain_words(text: str) -> list[str]:
    """The words of `text`, lower case, «ё» as «е», punctuation dropped."""
    return re.sub(r"[^\w']+", " ", text.casefold().replace("ё", "е")).split()


def is_yes(text: str) -> bool:
    """«да», «Да!», «согласна», "yes", "I agree"; not «да, но…»."""
    return " ".join(plain_words(text)) in _YES


def is_no(text: str) -> bool:
    """«нет», «Нет, спасибо», «не согласен», «не надо», «несогласна», "no", "don't"."""
    words = plain_words(text)[:5]
    if not words:
        return False
    if words[0] in _NO or words[0].startswith("несоглас") or set(words) <= _NEGATIONS:
        return True
    return bool(_NEGATIONS & set(words)) and any(w.startswith(_REFUSED) for w in words)


def is_yes_or_no(text: str) -> bool:
    return is_yes(text) or is_no(text)
