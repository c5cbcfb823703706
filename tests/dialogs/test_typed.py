"""One reading of typed text for every channel: /start, commands and their aliases, labels."""

from __future__ import annotations

import pytest

from dialogs.engine import ROUTER
from dialogs.events import ChatRef, Choice, Command, Inbound, Start, Text
from dialogs.replies import Button
from dialogs.typed import ALIASES, command_name, parse_typed

CHAT = ChatRef("test", "me")
SHOWN = (Button("Передать показания", "m:submit"), Button("4", "kp:4"))


@pytest.mark.parametrize(
    ("typed", "event"),
    [
        ("/start", Start(CHAT, "1", "en")),
        ("/start promo", Start(CHAT, "1", "en")),
        ("/START@meter_bot", Start(CHAT, "1", "en")),
        (
            "/bind 12345 678 90 0012345",
            Command(CHAT, "bind", ("12345", "678", "90", "0012345"), "1"),
        ),
        ("  /Bind@meter_bot 1 2 ", Command(CHAT, "bind", ("1", "2"), "1")),
        ("/reminders", Command(CHAT, "remind", (), "1")),
        ("/Language en", Command(CHAT, "lang", ("en",), "1")),
        ("/account", Command(CHAT, "accounts", (), "1")),
        ("/office Бутово", Command(CHAT, "offices", ("Бутово",), "1")),
        ("/frobnicate", Command(CHAT, "frobnicate", (), "1")),
        ("/", Text(CHAT, "/", "1")),
        ("46720", Text(CHAT, "46720", "1")),
        (" 46 720 ", Text(CHAT, " 46 720 ", "1")),  # the dialog reads the text as typed
        ("Передать показания", Choice(CHAT, "m:submit", "1")),
        ("4", Choice(CHAT, "kp:4", "1")),
        ("передать показания", Choice(CHAT, "m:submit", "1")),  # a label in any case
        ("Передать показания!", Choice(CHAT, "m:submit", "1")),
        ("передать показания сейчас", Text(CHAT, "передать показания сейчас", "1")),
    ],
)
def test_typed_text_becomes_one_event(typed: str, event: Inbound) -> None:
    assert parse_typed(CHAT, typed, "1", buttons=SHOWN, language_hint="en") == event


def test_without_the_buttons_shown_a_label_is_text() -> None:
    assert parse_typed(CHAT, "Передать показания") == Text(CHAT, "Передать показания")


def test_aliases_lead_to_commands_the_engine_knows() -> None:
    meant = {command_name(alias) for alias in ALIASES}
    assert meant == {"remind", "accounts", "offices", "lang", "outages"}
    assert meant <= set(ROUTER.commands)
    assert command_name("/Bill") == "bill"
