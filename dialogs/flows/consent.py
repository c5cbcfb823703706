"""Consent to the processing of personal data (152-ФЗ): a refusal is heard.

A resident who answers the consent question with «нет», «не согласен», «не хочу» or "no" is
told so plainly: what works without consent (help, offices and their hours, contacts,
questions), and how to agree later. Nothing about an account is asked or kept until they do.
"""

from __future__ import annotations

from dialogs.answers import plain_words
from dialogs.replies import Reply
from dialogs.turn import Turn
from dialogs.ui import CONSENT_INFO, CONSENT_YES, MENU_FAQ, MENU_OFFICES

# «Что вы храните?», «какие данные», «персональные данные», "what do you keep", "privacy".
_ABOUT_DATA = ("хран", "данны", "персональн", "keep", "store", "privacy", "data")


def asks_what_is_kept(text: str) -> bool:
    return any(word.startswith(_ABOUT_DATA) for word in plain_words(text)[:6])


def refused(turn: Turn) -> list[Reply]:
    """The refusal acknowledged: what works without consent, and how to agree later."""
    buttons = (
        (turn.button("btn_offices", MENU_OFFICES), turn.button("btn_faq", MENU_FAQ)),
        (turn.button("btn_consent", CONSENT_YES), turn.button("btn_consent_info", CONSENT_INFO)),
    )
    return [Reply(turn.t("consent_refused"), buttons)]
