"""Neutral inbound events: what any channel turns its updates into.

Telegram callback data and Viber keyboard replies both become `Choice`; a phone shared through
either becomes `ContactShared`; typed text becomes `Start`, `Command`, `Choice` or `Text` through
`dialogs.typed.parse_typed`. Besides what the resident says, a channel reports what happens to
the chat itself: `Blocked` (blocked the bot, unsubscribed), `Returned` (unblocked, subscribed
again) and `Edited` (changed a message already sent). The dialog layer never sees a channel's
own types.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.chats import ChatRef

__all__ = [
    "Blocked",
    "ChatRef",
    "Choice",
    "Command",
    "ContactShared",
    "Edited",
    "Event",
    "Inbound",
    "Lifecycle",
    "Returned",
    "Start",
    "Text",
]


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
    is_own: bool  # the channel proves that the number belongs to the sender
    update_id: str | None = None
    # The channel cannot tell whose number it is (Viber): the number only names the account to
    # ask about, and binding waits for that account's meter serial.
    hint: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: `/bind 1234567890 0012345` → name "bind" and the two args."""

    chat: ChatRef
    name: str
    args: tuple[str, ...] = ()
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class Blocked:
    """The resident blocked the bot or unsubscribed: nothing can be sent to them any more."""

    chat: ChatRef
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class Returned:
    """The resident unblocked the bot or subscribed again."""

    chat: ChatRef
    update_id: str | None = None


@dataclass(frozen=True, slots=True)
class Edited:
    """The resident changed a message already answered; the dialog does not read it again."""

    chat: ChatRef
    update_id: str | None = None
    language_hint: str | None = None  # the client's language, for a chat with no profile


Inbound = Start | Text | Choice | ContactShared | Command
"""What the resident says: each is one step of the conversation."""

Lifecycle = Blocked | Returned | Edited
"""What happens to the chat itself."""

Event = Inbound | Lifecycle
