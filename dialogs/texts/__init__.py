"""Every word a resident reads, per language; the dialog logic holds none.

`say(locale, key, **values)` fills the `{placeholders}` with `str.format`. Both catalogues have
the same keys and placeholders (a test checks it); an unknown locale falls back to Russian.
"""

from __future__ import annotations

from dialogs.texts import en, ru

DEFAULT_LOCALE = "ru"
CATALOGUES: dict[str, dict[str, str]] = {"ru": ru.TEXTS, "en": en.TEXTS}
LOCALES = tuple(CATALOGUES)


def say(locale: str, key: str, /, **values: object) -> str:
    """The text `key` in `locale`, placeholders filled."""
    catalogue = CATALOGUES.get(locale, CATALOGUES[DEFAULT_LOCALE])
    return catalogue[key].format(**values)


def plural_key(prefix: str, n: int) -> str:
    """Russian plural class of `n` as a key suffix: 1 день, 2 дня, 5 дней (`days_1/_2/_5`)."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{prefix}_1"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{prefix}_2"
    return f"{prefix}_5"
