"""Viber callbacks read into one small record, then into the dialog's neutral events.

The SDK's `create_request` is not used here: it raises a bare `Exception` on every event or
message type it does not know (and Viber adds types), where this adapter must stay polite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.viber.render import ACTION_PREFIX
from dialogs.events import ChatRef, Choice, ContactShared, Inbound, Start, Text
from dialogs.typed import parse_typed

CHANNEL = "viber"


class BadCallback(ValueError):
    """A signed body that is not a Viber callback (answered 400)."""


@dataclass(frozen=True, slots=True)
class Callback:
    event: str
    message_token: str | None = None
    user_id: str | None = None
    language: str | None = None
    subscribed: bool | None = None
    message: dict[str, Any] = field(default_factory=dict)
    desc: str = ""

    @property
    def chat(self) -> ChatRef:
        if self.user_id is None:
            raise BadCallback(f"{self.event} callback without a user")
        return ChatRef(CHANNEL, self.user_id)


def parse_callback(data: object) -> Callback:
    """The parts of a callback this bot uses; BadCallback when the shape is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        raise BadCallback("not a Viber callback: no event")
    event = data["event"]
    token = data.get("message_token")
    user = _user_of(event, data)
    message = data.get("message", {})
    if event == "message" and not (
        isinstance(message, dict) and isinstance(message.get("type"), str)
    ):
        raise BadCallback("message callback without a message type")
    subscribed = data.get("subscribed")
    return Callback(
        event=event,
        message_token=None if token is None else str(token),
        user_id=user.get("id") if isinstance(user.get("id"), str) else None,
        language=user.get("language") if isinstance(user.get("language"), str) else None,
        subscribed=subscribed if isinstance(subscribed, bool) else None,
        message=message if isinstance(message, dict) else {},
        desc=str(data.get("desc", "")),
    )


def _user_of(event: str, data: dict[str, Any]) -> dict[str, Any]:
    # Each event names its user differently: `sender` (message), `user` (conversation_started,
    # subscribed), a bare `user_id` (unsubscribed, delivered, seen, failed).
    for key in ("sender", "user"):
        value = data.get(key)
        if isinstance(value, dict):
            return value
    user_id = data.get("user_id")
    return {"id": user_id} if isinstance(user_id, str) else {}


def start_event(callback: Callback) -> Start:
    return Start(callback.chat, callback.message_token, language_hint(callback.language))


def message_event(callback: Callback) -> Inbound:
    """A `message` callback as the dialog's event: a keyboard press (ActionBody behind
    ACTION_PREFIX) is a Choice, `/name args` a Command, a contact a ContactShared. Any other
    type (a sticker, a picture, a location, a type Viber adds later) is the Text of its caption,
    often empty, as in the Telegram channel: the dialog answers it where the conversation stands,
    with that step's buttons, so the resident's keyboard is never replaced by none."""
    chat, update_id = callback.chat, callback.message_token
    message = callback.message
    kind = message.get("type")
    text = message.get("text")
    if kind == "text" and isinstance(text, str):
        return text_event(chat, text, update_id)
    contact = message.get("contact")
    if kind == "contact" and isinstance(contact, dict) and contact.get("phone_number"):
        # Only a hint, whatever the tracking data says: Viber gives no proof that a shared number
        # is the sender's own, and returns the last keyboard's tracking data with whatever the
        # resident sends next, a contact card of someone else included. The dialog asks for the
        # meter serial of the account it finds before binding anything.
        return ContactShared(chat, str(contact["phone_number"]), False, update_id, hint=True)
    return Text(chat, text if isinstance(text, str) else "", update_id)


def text_event(chat: ChatRef, text: str, update_id: str | None) -> Inbound:
    """A keyboard press comes back as its ActionBody typed as text; anything else is typed."""
    stripped = text.strip()
    if stripped.startswith(ACTION_PREFIX) and len(stripped) > len(ACTION_PREFIX):
        return Choice(chat, stripped[len(ACTION_PREFIX) :], update_id)
    return parse_typed(chat, text, update_id)


def language_hint(language: str | None) -> str | None:
    """`en-US` → `en`: the client's language as the dialog's locales spell it."""
    if not language:
        return None
    return language.replace("_", "-").split("-")[0].lower() or None
