"""Neutral inbound events: what any channel turns its updates into.

Telegram callback data and Viber keyboard replies both become `Choice`; a phone shared through
either becomes `ContactShared`. The dialog layer never sees a channel's own types.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Who is talking: one resident in one channel ("telegram", "viber", "console")."""

    channel: str
    user_id: str


@dataclass(frozen=True, slots=True)
class Start:
    chat: ChatRef
    update_id: str | None = None
    language_hint: str | None = None  # the client's language, used only for a new chat


@dataclass(frozen=True, slots=True)
class Text:
    chat: ChatRef
    text: str
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A pressed button, by the stable action id the dialog gave it."""

    chat: ChatRef
    action_id: str
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class ContactShared:
    chat: ChatRef
    phone: str
    is_own: bool  # the channel vouches that the number belongs to the sender
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: `/bind 1234567890 0012345` → name "bind" and the two args."""

    chat: ChatRef
    name: str
    args: tuple[str, ...] = ()
    update_id: str | None = None


Inbound = Start | Text | Choice | ContactShared | Command
