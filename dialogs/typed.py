"""Typed text into events, one way for every channel: `/start`, slash commands with their
aliases, the label of a button shown typed as text, and anything else as text.

A channel that draws its buttons itself (the console) passes the buttons it showed last, so
typing a label presses it; one that cannot know them passes none.
"""

from __future__ import annotations

from collections.abc import Iterable

from dialogs.events import ChatRef, Choice, Command, Inbound, Start, Text
from dialogs.replies import Button

# What residents type after reading a button ("Напоминания" → /reminders): the command meant.
ALIASES = {
    "reminders": "remind",
    "account": "accounts",
    "office": "offices",
    "language": "lang",
    "outage": "outages",
}


def command_name(typed: str) -> str:
    """'/Bind@meter_bot' → 'bind', 'reminders' → 'remind': the command a typed name means."""
    name = typed.lstrip("/").partition("@")[0].casefold()
    return ALIASES.get(name, name)


def parse_typed(
    chat: ChatRef,
    text: str,
    update_id: str | None = None,
    *,
    buttons: Iterable[Button] = (),
    language_hint: str | None = None,
) -> Inbound:
    """The event a typed message stands for. `language_hint` goes with a `/start`."""
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        head, *args = stripped[1:].split()
        name = command_name(head)
        if name == "start":
            return Start(chat, update_id, language_hint)
        return Command(chat, name, tuple(args), update_id)
    for button in buttons:
        if stripped == button.label:
            return Choice(chat, button.action_id, update_id)
    return Text(chat, text, update_id)
