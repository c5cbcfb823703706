"""Reminder messages for the campaign sender (bot/reminders): rendered here so their texts live
in the catalogues with every other text, and their buttons lead straight into the dialog."""

from __future__ import annotations

from datetime import date

from billing_core.format import Lang, format_date, format_period
from billing_core.models import Period
from dialogs.flows.general import REMIND_OFF
from dialogs.replies import Button, Reply
from dialogs.texts import say
from dialogs.ui import SUBMIT_FOR

SUBMIT_PREFIX = SUBMIT_FOR
STOP_REMINDERS = REMIND_OFF


def render_reminder(
    kind: str,
    locale: str,
    alias: str,
    account_pretty: str,
    period: Period,
    closes_on: date,
    days_left: int,
) -> Reply:
    """The "window is open" (`opening`) or "last day is near" (`last-call`) message.

    Its first button starts the submission for this account at once (`submit:<10 digits>`),
    the second turns reminders off for the chat.
    """
    lang: Lang = "en" if locale == "en" else "ru"
    values = {
        "alias": alias,
        "account": account_pretty,
        "period": format_period(period, lang),
        "closes_on": format_date(closes_on, lang),
    }
    if kind == "opening":
        text = say(lang, "reminder_opening", **values)
    elif kind == "last-call":
        key = "reminder_last_day" if days_left <= 1 else "reminder_last_call"
        text = say(lang, key, **values)
    else:
        raise ValueError(f"unknown reminder kind {kind!r}")
    number = "".join(ch for ch in account_pretty if ch.isdigit())
    buttons = (
        (Button(say(lang, "btn_submit"), f"{SUBMIT_PREFIX}{number}"),),
        (Button(say(lang, "btn_remind_off"), STOP_REMINDERS),),
    )
    return Reply(text, buttons)
