"""The few words only the MAX channel says; everything else comes from the dialog layer."""

from __future__ import annotations

from dialogs.texts import DEFAULT_LOCALE

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "private_only": (
            "Я работаю только в личной переписке: показания и счета — личные данные. "
            "Напишите мне напрямую."
        ),
        "slow_down": "Слишком много сообщений подряд. Подождите несколько секунд, пожалуйста.",
    },
    "en": {
        "private_only": (
            "I only work in a private chat: readings and bills are personal data. "
            "Please write to me directly."
        ),
        "slow_down": "Too many messages in a row. Please wait a few seconds.",
    },
}


def locale_of(language: str | None) -> str:
    """The catalogue for a MAX `user_locale` ("ru", "en-US", …): English for `en*`, else the
    default."""
    if language and language.lower().startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def max_say(language: str | None, key: str, /) -> str:
    """A MAX-only text for a locale or a client's `user_locale`."""
    return TEXTS[locale_of(language)][key]
