"""Outage texts: the notices the campaign sender sends (bot/outages) and the lines of the
«Отключения» view, rendered here so that every word lives in the catalogues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from billing_core.buildings import house_address
from billing_core.format import Lang, format_date
from billing_core.outages import Notice, OutageKind
from dialogs.replies import Button, Reply
from dialogs.texts import say

SHOW_OUTAGES = "m:outages"
OUTAGES_OFF = "outages:off"
OUTAGES_ON = "outages:on"


@dataclass(frozen=True, slots=True)
class OutageView:
    kind: OutageKind
    starts: datetime
    ends: datetime
    reason: str


def lang_of(locale: str) -> Lang:
    return "en" if locale == "en" else "ru"


def when_text(starts: datetime, ends: datetime, tz: tzinfo, lang: Lang) -> str:
    """«10 декабря с 10:00 до 16:00», or with both days when it spans midnight."""
    start, end = starts.astimezone(tz), ends.astimezone(tz)
    values = {
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "day": format_date(start.date(), lang),
        "start_day": format_date(start.date(), lang),
        "end_day": format_date(end.date(), lang),
    }
    key = "outage_when_same_day" if start.date() == end.date() else "outage_when_days"
    return say(lang, key, **values)


def place_text(alias: str, account_pretty: str, address: str) -> str:
    """The building, without the flat; the account when the address says nothing."""
    return house_address(address) or f"«{alias}» ({account_pretty})"


def outage_text(view: OutageView, lang: Lang, tz: tzinfo, key: str, place: str) -> str:
    text = say(lang, key, when=when_text(view.starts, view.ends, tz, lang), place=place)
    if view.reason:
        text += "\n" + say(lang, "outage_reason", reason=view.reason)
    return text


def render_notice(
    notice: Notice,
    locale: str,
    view: OutageView,
    alias: str,
    account_pretty: str,
    address: str,
    tz: tzinfo,
) -> Reply:
    """The message of one outage notice, with [Отключения] and [Не присылать об отключениях]."""
    lang = lang_of(locale)
    key = f"outage_{notice.value}"
    if notice is Notice.ANNOUNCE:
        key = f"outage_announce_{view.kind.value}"
    text = outage_text(view, lang, tz, key, place_text(alias, account_pretty, address))
    buttons = (
        (Button(say(lang, "btn_outages"), SHOW_OUTAGES),),
        (Button(say(lang, "btn_outages_off"), OUTAGES_OFF),),
    )
    return Reply(text, buttons)


def outage_line(
    view: OutageView, lang: Lang, tz: tzinfo, now: datetime, alias: str, place: str
) -> str:
    """One outage of the «Отключения» view."""
    key = "outage_item_now" if view.starts <= now else "outage_item"
    text = say(
        lang,
        key,
        kind=say(lang, f"outage_kind_{view.kind.value}"),
        when=when_text(view.starts, view.ends, tz, lang),
        alias=alias,
        place=place,
    )
    if view.reason:
        text += " " + say(lang, "outage_reason", reason=view.reason)
    return text
