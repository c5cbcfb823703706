"""Reminder messages for the campaign sender: texts and the buttons that lead into the dialog."""

from __future__ import annotations

from datetime import date

import pytest

from billing_core.models import Period
from dialogs.reminders import render_reminder
from storage.base import Storage
from tests.dialogs.conftest import SINGLE, Bound


def test_opening_reminder_in_russian() -> None:
    reply = render_reminder(
        "opening", "ru", "квартира", "12345-678-90", Period(2026, 11), date(2026, 11, 26), 12
    )
    assert reply.text == (
        "Открыт приём показаний за ноябрь 2026 — до 26 ноября. "
        "Лицевой счёт «квартира» (12345-678-90)."
    )
    assert [(b.label, b.action_id) for b in reply.all_buttons()] == [
        ("Передать показания", "submit:1234567890"),
        ("Не напоминать", "remind:off"),
    ]


def test_last_call_in_english_and_on_the_last_day() -> None:
    args = ("home", "12345-678-90", Period(2026, 11), date(2026, 11, 26))
    tomorrow = render_reminder("last-call", "en", *args, days_left=2)
    assert tomorrow.text.startswith("Tomorrow (November 26) is the last day")
    today = render_reminder("last-call", "ru", *args, days_left=1)
    assert today.text.startswith("Сегодня последний день")
    with pytest.raises(ValueError, match="unknown reminder kind"):
        render_reminder("weekly", "ru", *args, days_left=3)


async def test_reminder_buttons_work_in_the_dialog(bound: Bound, storage: Storage) -> None:
    chat = await bound(SINGLE)
    reminder = render_reminder(
        "opening", "ru", "квартира", "12345-678-90", Period(2026, 11), date(2026, 11, 30), 11
    )
    chat.last = [reminder]
    await chat.press("Передать показания")
    assert "Прошлое показание: 46\u00a0470" in chat.text()
    chat.last = [reminder]
    await chat.press("Не напоминать")
    profile = await storage.get_profile(chat.chat)
    assert profile is not None
    assert not profile.reminders_on
