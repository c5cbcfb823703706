"""Account numbers, meter serials and phone numbers as people write them, made canonical.

Each `normalize_*` returns the canonical form or None when the text cannot be one (the caller
decides how to say so). Мосэнергосбыт's accounts have 10 digits; meter serials are kept as text
with their leading zeros (docs/domain.md, "Accounts, meters and binding").
"""

from __future__ import annotations

import re
import unicodedata

ACCOUNT_DIGITS = 10
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—./_]+")


def to_ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit (full-width, Arabic-Indic, …) to 0-9; leave the rest."""
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text
    )


def normalize_account(text: str) -> str | None:
    """'12345-678-90', '12345 678 90', '1234567890' → '1234567890'; anything else → None."""
    compact = _SEPARATORS.sub("", to_ascii_digits(text.strip()))
    if len(compact) == ACCOUNT_DIGITS and compact.isascii() and compact.isdigit():
        return compact
    return None


def normalize_serial(text: str) -> str | None:
    """A meter serial as printed: separators dropped, letters upper-cased, leading zeros kept."""
    compact = _SEPARATORS.sub("", to_ascii_digits(text.strip())).upper()
    if 4 <= len(compact) <= 20 and compact.isascii() and compact.isalnum():
        return compact
    return None


def normalize_phone(text: str) -> str | None:
    """Russian numbers in any common spelling ('8 (999) 123-45-67', '+7999…') → '+7999…'."""
    digits = re.sub(r"\D", "", to_ascii_digits(text))
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    return None


def same_serial(on_file: str, typed: str) -> bool:
    """Whether `typed` is the meter serial `on_file`, both canonical (`normalize_serial`).

    Leading zeros are often left out when a serial is read off the meter or a bill («12345» for
    «0012345»), or one added: the same characters after them are the same serial. Nothing else
    is forgiven, and a serial of zeros alone matches only itself.
    """
    if on_file == typed:
        return True
    significant = on_file.lstrip("0")
    return bool(significant) and significant == typed.lstrip("0")
