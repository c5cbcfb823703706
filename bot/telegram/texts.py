"""The few words only the Telegram channel says; everything else comes from the dialog layer."""

from __future__ import annotations

from dialogs.texts import CATALOGUES, DEFAULT_LOCALE

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "private_only": (
            "Я работаю только в личной переписке: показания и счета — личные данные. "
            "Напишите мне напрямую."
        ),
        "slow_down": "Слишком много сообщений подряд. Подождите несколько секунд, пожалуйста.",
        "contact_hint": "Кнопка «{share}» — под полем ввода.",
    },
    "en": {
        "private_only": (
            "I only work in a private chat: readings and bills are personal data. "
            "Please write to me directly."
        ),
        "slow_down": "Too many messages in a row. Please wait a few seconds.",
        "contact_hint": "The “{share}” button is below the input field.",
    },
}

# The commands menu (setMyCommands), in the order Telegram shows them.
COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "ru": (
        ("submit", "Передать показания"),
        ("bill", "Последний счёт"),
        ("history", "Показания за год и график"),
        ("accounts", "Лицевые счета"),
        ("bind", "Привязать лицевой счёт"),
        ("remind", "Напоминания"),
        ("outages", "Отключения электроэнергии"),
        ("offices", "Офисы и контакты"),
        ("lang", "Язык: /lang ru или /lang en"),
        ("help", "Что я умею"),
        ("forget", "Отвязать чат и стереть данные"),
    ),
    "en": (
        ("submit", "Submit readings"),
        ("bill", "The last bill"),
        ("history", "Readings for the year and a chart"),
        ("accounts", "Accounts of this chat"),
        ("bind", "Link an account"),
        ("remind", "Reminders"),
        ("outages", "Power outages"),
        ("offices", "Offices and contacts"),
        ("lang", "Language: /lang ru or /lang en"),
        ("help", "What I can do"),
        ("forget", "Unlink this chat and erase its data"),
    ),
}


def locale_of(language_code: str | None) -> str:
    """The catalogue for a Telegram client language: English for `en*`, else the default."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def tg_say(language: str | None, key: str, /, **values: object) -> str:
    """A Telegram-only text for a locale or a Telegram client language code."""
    return TEXTS[locale_of(language)][key].format(**values)


def locale_of_label(label: str, language_code: str | None) -> str:
    """The locale whose "share my phone" button reads `label` (the resident's chosen language),
    else the client's."""
    for locale, catalogue in CATALOGUES.items():
        if catalogue.get("btn_share_phone") == label:
            return locale
    return locale_of(language_code)
