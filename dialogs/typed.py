"""Typed text into events, one way for every channel: `/start`, slash commands with their
aliases, the label of a button shown typed as text, and anything else as text.

A channel that draws its buttons itself (the console) passes the buttons it showed last, so
typing a label presses it, in any case and with «е» for «ё»; one that cannot know them passes
none. What the words of other text mean is the dialog's to hear (`dialogs.intents`).
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
    typed_label = _label(stripped)
    for button in buttons:
        if typed_label == _label(button.label):
            return Choice(chat, button.action_id, update_id)
    return Text(chat, text, update_id)


def _label(text: str) -> str:
    """A label as residents retype it: any case, «е» for «ё», without a closing stop."""
    return text.casefold().replace("ё", "е").rstrip(".!")
